/*
 * notify: talks to systemd through sd_notify(). READY=1 is sent only once the store
 * is open and every socket bound; the watchdog ping runs on the loop, so a stuck
 * loop stops the pings and systemd restarts lanud.
 */
#include "notify.h"

#include <event2/event.h>
#include <inttypes.h>
#include <systemd/sd-daemon.h>

#include "lanud.h"
#include "store.h"

static void
notify_status(struct lanud *d, const char *state)
{
	struct store_stat st = { 0 };
	struct store_txn t;

	store_begin(d->store, &t, STORE_RO);
	store_stat(&t, &st);
	store_abort(&t);
	sd_notifyf(0, "%sSTATUS=%" PRIu64 " events, last alert %" PRIu64 ", %" PRIu64
		      " open",
		   state, st.events, st.last_alert_seq, st.open_alerts);
}

void
notify_ready(struct lanud *d)
{
	notify_status(d, "READY=1\n");
}

void
notify_reloading(void)
{
	sd_notify(0, "RELOADING=1");
}

void
notify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

static void
notify_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	sd_notify(0, "WATCHDOG=1");
}

int
notify_watchdog_start(struct lanud *d)
{
	uint64_t usec = 0;
	struct timeval tv;

	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return 0;
	usec /= 2;
	tv.tv_sec = (time_t)(usec / 1000000);
	tv.tv_usec = (suseconds_t)(usec % 1000000);
	d->watchdog = event_new(d->base, -1, EV_PERSIST, notify_watchdog_cb, d);
	if (!d->watchdog || event_add(d->watchdog, &tv) < 0)
		return -ENOMEM;
	return 0;
}
