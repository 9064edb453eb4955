/*
 * status.c - the master's scheduled reports.
 *
 * STATUS= is sent when the summary changes, but at most once a second
 * (and at once after a reload): under a flood of connections every accept
 * changes the counters, and a datagram per connection would flood the
 * service manager instead.  WATCHDOG=1 goes out at half the interval the
 * manager asked for, from the loop itself, so that it stops when the loop
 * hangs.  Times are CLOCK_MONOTONIC milliseconds, as in the supervisor.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "status.h"

#define STS_STATUS_EVERY	1000	/* ms between two STATUS= at most */
#define STS_FAILURE_MAX		(CFG_ERRLEN * 4) /* control chars as \ooo */
#define STS_LINE		(STS_FAILURE_MAX + 160)

static struct {
	char		 failure[STS_FAILURE_MAX];	/* last reload's, or "" */
	char		 sent[STS_LINE];	/* the last STATUS= sent */
	int		 force;			/* send at once */
	int		 pending;		/* changed, waiting for the rate */
	int64_t		 status_next;		/* earliest next STATUS= */
	int64_t		 watchdog_every, watchdog_next;
	int64_t		 stats_every, stats_next;
} sts;

void
sts_reload(const char *failure)
{
	/* SECURITY: STATUS= is one line of a newline-separated protocol;
	 * the file name in the message must not add an assignment. */
	if (failure != NULL)
		log_escape(failure, sts.failure, sizeof(sts.failure));
	else
		sts.failure[0] = '\0';
	sts.force = dmn_notify_enabled();
}

static void
sts_status(int64_t now, const struct sts_counts *c)
{
	char line[STS_LINE];

	snprintf(line, sizeof(line), "STATUS=active=%zu accepted=%" PRIu64
	    " refused=%" PRIu64 "%s%s", c->active, c->accepted, c->refused,
	    sts.failure[0] != '\0' ? ", last reload failed: " : "",
	    sts.failure);
	sts.pending = strcmp(line, sts.sent) != 0;
	if (!sts.force && (!sts.pending || now < sts.status_next))
		return;
	dmn_notify(line);
	memcpy(sts.sent, line, sizeof(sts.sent));
	sts.force = sts.pending = 0;
	sts.status_next = now + STS_STATUS_EVERY;
}

static void
sts_watchdog(int64_t now, int64_t heard)
{
	if (sts.watchdog_every == 0) {
		uint64_t usec = dmn_watchdog_usec();

		if (usec == 0)
			return;
		/* Half the interval, in whole milliseconds, never 0. */
		sts.watchdog_every = usec / 2000 > 0 ? (int64_t)(usec / 2000) : 1;
		sts.watchdog_next = now;
	}
	if (now < sts.watchdog_next)
		return;
	/* The loop that accepts has not turned for a whole interval: no
	 * keep-alive, and the service manager steps in. */
	if (heard != 0 && now - heard > 2 * sts.watchdog_every) {
		sts.watchdog_next = now + 100;	/* look again, without spinning */
		return;
	}
	dmn_notify("WATCHDOG=1");
	sts.watchdog_next = now + sts.watchdog_every;
}

static int
sts_stats(int64_t now, int interval)
{
	int64_t every = (int64_t)interval * 1000;

	if (every != sts.stats_every) {
		sts.stats_every = every;
		sts.stats_next = now + every;
		return 0;
	}
	if (every == 0 || now < sts.stats_next)
		return 0;
	/* From now, not from the due time: a late turn does not bunch lines. */
	sts.stats_next = now + every;
	return 1;
}

int
sts_turn(int64_t now, const struct sts_counts *c, int stats_interval)
{
	if (dmn_notify_enabled()) {
		sts_watchdog(now, c->heard);
		sts_status(now, c);
	}
	return sts_stats(now, stats_interval);
}

static int64_t
sts_sooner(int64_t t, int64_t due, int64_t now)
{
	int64_t left = due > now ? due - now : 0;

	return t < 0 || left < t ? left : t;
}

int64_t
sts_timeout(int64_t now)
{
	int64_t t = -1;

	if (sts.watchdog_every > 0)
		t = sts_sooner(t, sts.watchdog_next, now);
	if (sts.force)
		t = 0;
	else if (sts.pending)
		t = sts_sooner(t, sts.status_next, now);
	if (sts.stats_every > 0)
		t = sts_sooner(t, sts.stats_next, now);
	return t;
}
