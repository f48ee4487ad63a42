#!/usr/bin/env python3
"""lanuctl's JSON against a standard protobuf JSON parser.

usage: json_check.py PROTO_DIR OUT_DIR TYPE=FILE...

Compiles PROTO_DIR/*.proto with protoc into a temporary directory, then parses every
line of each FILE as the lanu.v1 message TYPE with google.protobuf.json_format.Parse
(ignore_unknown_fields=False): a member that is no field of TYPE, an enum name it does
not have, a number where a string belongs, all fail, and so does a double written with
more digits than its shortest round-trip form. A FILE with no line fails too, so
that the check cannot pass by checking nothing. A TYPE written as TYPE* is one message
per line (send, open, tail, due, due --all, audit), otherwise the file is exactly one line.
"""
import glob
import importlib
import json
import os
import subprocess
import sys
import tempfile


def compile_protos(proto_dir, out):
    protos = sorted(glob.glob(os.path.join(proto_dir, "*.proto")))
    if not protos:
        sys.exit("FAIL: no .proto in %s" % proto_dir)
    subprocess.run(["protoc", "-I", proto_dir, "--python_out=" + out] + protos, check=True)
    sys.path.insert(0, out)
    return [importlib.import_module(os.path.basename(p)[:-len(".proto")] + "_pb2")
            for p in protos]


def digits(text):
    """The significant digits of a number as written: '0.40000000000000002' -> 17."""
    mantissa = text.lower().lstrip("-").split("e")[0].replace(".", "")
    return len(mantissa.strip("0")) or 1


def long_doubles(line):
    """The numbers of line written with more digits than their shortest round-trip form
    (Python's repr), as the protobuf JSON mapping writes doubles."""
    found = []

    def check(text):
        if digits(text) > digits(repr(float(text))):
            found.append(text)
        return float(text)

    json.loads(line, parse_float=check)
    return found


def message_class(modules, name):
    for m in modules:
        cls = getattr(m, name, None)
        if cls is not None:
            return cls
    sys.exit("FAIL: no message lanu.v1.%s in the .proto files" % name)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    proto_dir, out_dir, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
    from google.protobuf import json_format

    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        modules = compile_protos(proto_dir, tmp)
        for pair in pairs:
            type_name, _, path = pair.partition("=")
            many = type_name.endswith("*")
            cls = message_class(modules, type_name.rstrip("*"))
            with open(os.path.join(out_dir, path), encoding="utf-8") as f:
                lines = f.read().splitlines()
            if not lines or (not many and len(lines) != 1):
                print("FAIL: %s: %d lines, want %s" % (path, len(lines),
                      "some" if many else "one"))
                failed += 1
                continue
            bad = 0
            for n, line in enumerate(lines, 1):
                try:
                    json_format.Parse(line, cls(), ignore_unknown_fields=False)
                except json_format.ParseError as e:
                    print("FAIL: %s:%d: not a lanu.v1.%s: %s\n    %s" %
                          (path, n, cls.DESCRIPTOR.name, e, line[:300]))
                    bad += 1
                    continue
                longer = long_doubles(line)
                if longer:
                    print("FAIL: %s:%d: doubles not in their shortest form: %s" %
                          (path, n, ", ".join(longer)))
                    bad += 1
            failed += bad
            if not bad:
                    print("ok: %s: %d line%s of lanu.v1.%s" % (path, len(lines),
                      "" if len(lines) == 1 else "s", cls.DESCRIPTOR.name))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
