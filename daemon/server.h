/* The daemon's lifecycle: start, signals, reload, stop. */
#pragma once

struct lanud;

/* Opens the store, loads the plan, binds every socket and tells systemd READY=1.
 * Returns 0 or -errno (logged). Tear down with server_free() either way. */
int server_start(struct lanud *d);
void server_free(struct lanud *d);
