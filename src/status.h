/*
 * status.h - what the master tells on its own, on a schedule: the service
 * manager's STATUS= line and watchdog keep-alive, and the periodic stats
 * line (stats_interval).
 */
#ifndef CASESERV_STATUS_H
#define CASESERV_STATUS_H

#include <stddef.h>
#include <stdint.h>

struct sts_counts {
	size_t		 active;
	uint64_t	 accepted, refused;
	/* main: when the acceptor was last heard from (ms); WATCHDOG=1 is
	 * sent only while that is within the watchdog interval, so a hung
	 * acceptor stops it.  0: not checked. */
	int64_t		 heard;
};

/*
 * A reload ended: why it failed ("FILE:LINE: message"), or NULL when it
 * worked.  The next sts_turn() sends STATUS= at once, whatever the rate.
 */
void sts_reload(const char *failure);
/*
 * Once per turn of the loop, with the counters as they are now: sends
 * WATCHDOG=1 and STATUS= when due.  Returns 1 when a periodic stats line
 * is due (stats_interval seconds, 0: never; a new value starts anew).
 */
int sts_turn(int64_t now, const struct sts_counts *c, int stats_interval);
/* Milliseconds until the next thing sts_turn() has to do (-1: nothing). */
int64_t sts_timeout(int64_t now);

#endif
