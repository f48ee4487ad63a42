/* systemd readiness, status and watchdog (rule 21). Harmless without systemd. */
#pragma once

struct lanud;

void notify_ready(struct lanud *d);
void notify_reloading(void);
void notify_stopping(void);

/* Starts WATCHDOG=1 pings at half WATCHDOG_USEC if systemd asked for them.
 * Returns 0 or -ENOMEM. */
int notify_watchdog_start(struct lanud *d);
