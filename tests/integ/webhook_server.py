#!/usr/bin/python3
"""A webhook receiver for integ.notify: records every POST (path, headers, body, the
status it answered) as one JSON line in LOG, answers 500 to the first FAIL requests
and 200 after, each after DELAY seconds (optional, default 0). Listens on 127.0.0.1, a
free port, written to PORTFILE."""
import http.server
import json
import sys
import time

portfile, log, fail = sys.argv[1], sys.argv[2], int(sys.argv[3])
delay = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
seen = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global seen
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        time.sleep(delay)
        status = 500 if seen < fail else 200
        seen += 1
        with open(log, "a") as f:
            f.write(json.dumps({"path": self.path, "status": status,
                                "headers": dict(self.headers.items()),
                                "body": body.decode()}) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(portfile + ".tmp", portfile)
server.serve_forever()
