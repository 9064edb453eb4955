/*
 * test_status.c - the master's scheduled reports: STATUS= at most once a
 * second (at once after a reload, escaped), WATCHDOG=1 at half the
 * manager's interval and only while the acceptor is heard from, the
 * stats line every stats_interval.  The module is included to reach its
 * state; the service manager is replaced by the three daemon.c calls it
 * uses, which record what would have been sent.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../src/status.c"

static int notify_on = 1;
static uint64_t wd_usec;
static char sent[8][STS_LINE];
static int nsent;

void
dmn_notify(const char *state)
{
	assert_true(nsent < 8);
	snprintf(sent[nsent++], sizeof(sent[0]), "%s", state);
}

int
dmn_notify_enabled(void)
{
	return notify_on;
}

uint64_t
dmn_watchdog_usec(void)
{
	return wd_usec;
}

static int
reset(void **state)
{
	(void)state;
	memset(&sts, 0, sizeof(sts));
	notify_on = 1;
	wd_usec = 0;
	nsent = 0;
	return 0;
}

/* Under a flood the counters change on every turn: one STATUS= a second. */
static void
status_rate_limited(void **state)
{
	struct sts_counts c = { 1, 1, 0, 0 };

	(void)state;
	assert_int_equal(sts_turn(5000, &c, 0), 0);
	assert_int_equal(nsent, 1);
	assert_string_equal(sent[0], "STATUS=active=1 accepted=1 refused=0");
	assert_int_equal(sts_timeout(5000), -1);	/* nothing waits */
	c.accepted = 2;
	sts_turn(5300, &c, 0);
	c.accepted = 3;
	sts_turn(5400, &c, 0);
	assert_int_equal(nsent, 1);
	assert_int_equal(sts_timeout(5400), 600);	/* the rest of the second */
	assert_int_equal(sts_timeout(7000), 0);		/* overdue */
	sts_turn(6000, &c, 0);
	assert_int_equal(nsent, 2);
	assert_string_equal(sent[1], "STATUS=active=1 accepted=3 refused=0");
	/* The same line again is not sent, however late. */
	sts_turn(9000, &c, 0);
	assert_int_equal(nsent, 2);
	assert_int_equal(sts_timeout(9000), -1);
}

/* SECURITY: a reload's failure is sent at once, inside the rate window,
 * and its control characters cannot start another assignment. */
static void
reload_failure_forced_and_escaped(void **state)
{
	struct sts_counts c = { 0, 0, 0, 0 };

	(void)state;
	sts_turn(1000, &c, 0);
	sts_reload("/etc/x.conf:3: bad\nMAINPID=1");
	assert_int_equal(sts_timeout(1001), 0);
	sts_turn(1001, &c, 0);
	assert_int_equal(nsent, 2);
	assert_null(strchr(sent[1], '\n'));
	assert_non_null(strstr(sent[1], "refused=0, last reload failed: "
	    "/etc/x.conf:3: bad"));
	assert_non_null(strstr(sent[1], "\\012MAINPID=1"));
	/* A good reload clears it, again at once. */
	sts_reload(NULL);
	sts_turn(1002, &c, 0);
	assert_int_equal(nsent, 3);
	assert_string_equal(sent[2], "STATUS=active=0 accepted=0 refused=0");
}

/* WATCHDOG=1 every half interval while the acceptor is heard from; a
 * silent acceptor stops it, and it resumes when heard again. */
static void
watchdog_half_interval(void **state)
{
	struct sts_counts c = { 0, 0, 0, 0 };

	(void)state;
	wd_usec = 4000000;			/* 4 s: every 2000 ms */
	sts_turn(10000, &c, 0);
	assert_int_equal(nsent, 2);
	assert_string_equal(sent[0], "WATCHDOG=1");
	assert_int_equal(sts_timeout(10000), 2000);
	sts_turn(11999, &c, 0);
	assert_int_equal(nsent, 2);
	c.heard = 12000;
	sts_turn(12000, &c, 0);
	assert_int_equal(nsent, 3);
	assert_string_equal(sent[2], "WATCHDOG=1");
	/* Heard last 4001 ms ago: more than two intervals, none sent, and
	 * the loop looks again 100 ms later. */
	sts_turn(16001, &c, 0);
	assert_int_equal(nsent, 3);
	assert_int_equal(sts_timeout(16001), 100);
	c.heard = 16050;
	sts_turn(16101, &c, 0);
	assert_int_equal(nsent, 4);
	assert_string_equal(sent[3], "WATCHDOG=1");
}

/* An interval under 2 ms still gives a keep-alive every millisecond,
 * never a zero period that would spin the loop. */
static void
watchdog_tiny_interval(void **state)
{
	struct sts_counts c = { 0, 0, 0, 0 };

	(void)state;
	wd_usec = 1500;
	sts_turn(100, &c, 0);
	assert_int_equal(sts.watchdog_every, 1);
	assert_int_equal(sts_timeout(100), 1);
	sts_turn(101, &c, 0);
	assert_int_equal(nsent, 3);		/* two WATCHDOG=1, one STATUS= */
}

/* The stats line: due every stats_interval from when it was set; an
 * interval changed by a reload starts over; 0 turns it off; without a
 * service manager nothing is sent, and the stats line still comes. */
static void
stats_interval(void **state)
{
	struct sts_counts c = { 0, 0, 0, 0 };

	(void)state;
	notify_on = 0;
	assert_int_equal(sts_turn(0, &c, 30), 0);
	assert_int_equal(sts_timeout(0), 30000);
	assert_int_equal(sts_turn(29999, &c, 30), 0);
	assert_int_equal(sts_turn(30000, &c, 30), 1);
	assert_int_equal(sts_turn(30001, &c, 30), 0);
	/* A late turn: the next is counted from it. */
	assert_int_equal(sts_turn(70000, &c, 30), 1);
	assert_int_equal(sts_timeout(70000), 30000);
	assert_int_equal(sts_turn(80000, &c, 10), 0);	/* reloaded: 10 s */
	assert_int_equal(sts_turn(89999, &c, 10), 0);
	assert_int_equal(sts_turn(90000, &c, 10), 1);
	assert_int_equal(sts_turn(90000, &c, 0), 0);
	assert_int_equal(sts_turn(999999, &c, 0), 0);
	assert_int_equal(sts_timeout(999999), -1);
	assert_int_equal(nsent, 0);
}

/* With several reports waiting, the loop sleeps until the soonest. */
static void
timeout_soonest(void **state)
{
	struct sts_counts c = { 0, 0, 0, 0 };

	(void)state;
	wd_usec = 4000000;
	sts_turn(1000, &c, 30);		/* watchdog due 3000, stats 31000 */
	assert_int_equal(sts_timeout(1000), 2000);
	c.active = 1;
	sts_turn(1500, &c, 30);		/* STATUS= waits until 2000 */
	assert_int_equal(sts_timeout(1500), 500);
	sts_turn(2000, &c, 30);
	assert_int_equal(sts_timeout(2000), 1000);
	sts_turn(2000, &c, 1);		/* stats every second, due 3000 */
	sts_turn(2500, &c, 1);		/* ... then the watchdog is too */
	assert_int_equal(sts_timeout(2500), 500);
	assert_int_equal(sts_turn(3000, &c, 1), 1);
	assert_int_equal(nsent, 4);	/* two WATCHDOG=1, two STATUS= */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(status_rate_limited, reset),
		cmocka_unit_test_setup(reload_failure_forced_and_escaped, reset),
		cmocka_unit_test_setup(watchdog_half_interval, reset),
		cmocka_unit_test_setup(watchdog_tiny_interval, reset),
		cmocka_unit_test_setup(stats_interval, reset),
		cmocka_unit_test_setup(timeout_soonest, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
