/*
 * test_stats.c - stats_interval (SPEC section 3): the SIGUSR1 stats line
 * also every that many seconds, at level info, changed by a reload.  The
 * daemon logs with -e, so the test reads its log file.  Timing asserts
 * are bounds, never exact: the machine may be loaded.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../lib/cstest.h"

#define STATS	": stats active="

/* stats_interval = 1: a line about every second, counters included. */
static void
test_periodic(void **state)
{
	struct cst_daemon *d = *state;
	char line[1024];
	int64_t start, elapsed;

	cst_must_start_default(d, "stats_interval = 1;");
	start = cst_now_ms();
	assert_int_equal(cst_echo_once("127.0.0.1", d->port, "counted"), 0);
	assert_int_equal(cst_log_wait_n(d, STATS, 3, CST_WAIT_MS), 0);
	elapsed = cst_now_ms() - start;
	print_message("3 stats lines in %lld ms\n", (long long)elapsed);
	/* Spaced, not a burst: the third cannot come before two seconds. */
	assert_true(elapsed >= 2000);
	assert_true(cst_log_count(d, STATS) <= 4);
	assert_int_equal(cst_log_line(d, STATS, 3, line, sizeof(line),
	    CST_WAIT_MS), 0);
	assert_int_equal(cst_field_num(line, "accepted"), 1);
	assert_int_equal(cst_field_num(line, "refused"), 0);
}

/* A reload to 0 stops them; back to 1 starts them again. */
static void
test_reload(void **state)
{
	struct cst_daemon *d = *state;
	int n;

	cst_must_start_default(d, "stats_interval = 1;");
	assert_int_equal(cst_log_wait_n(d, STATS, 1, CST_WAIT_MS), 0);
	cst_must_conf(d, "stats_interval = 0;");
	assert_int_equal(cst_signal(d, SIGHUP), 0);
	assert_int_equal(cst_log_wait(d, "reload ok", CST_WAIT_MS), 0);
	n = cst_log_count(d, STATS);
	cst_sleep_ms(2500);
	assert_int_equal(cst_log_count(d, STATS), n);

	cst_must_conf(d, "stats_interval = 1;");
	assert_int_equal(cst_signal(d, SIGHUP), 0);
	assert_int_equal(cst_log_wait_n(d, STATS, n + 1, CST_WAIT_MS), 0);
}

/* The default, 0: only SIGUSR1 logs the line. */
static void
test_default_off(void **state)
{
	struct cst_daemon *d = *state;

	cst_must_start_default(d, NULL);
	cst_sleep_ms(1500);
	assert_int_equal(cst_log_count(d, STATS), 0);
	assert_int_equal(cst_signal(d, SIGUSR1), 0);
	assert_int_equal(cst_log_wait(d, STATS, CST_WAIT_MS), 0);
}

/*
 * The periodic line is at info and honours log_level; the one SIGUSR1
 * asks for is written whatever log_level says.
 */
static void
test_level(void **state)
{
	struct cst_daemon *d = *state;
	int64_t end = cst_now_ms() + CST_WAIT_MS;

	cst_must_init(d);
	cst_must_conf(d, "stats_interval = 1;\nlog_level = \"notice\";");
	/* At notice, "listening on" (info) is not written: wait for none,
	 * but for an answer. */
	cst_must_start(d, cst_binary(0), NULL, NULL, 0);
	while (cst_echo_once("127.0.0.1", d->port, "up") != 0) {
		assert_true(cst_alive(d) && cst_now_ms() < end);
		cst_sleep_ms(20);
	}
	cst_sleep_ms(2500);
	assert_int_equal(cst_log_count(d, STATS), 0);
	assert_int_equal(cst_signal(d, SIGUSR1), 0);
	assert_int_equal(cst_log_wait(d, STATS, CST_WAIT_MS), 0);
	cst_sleep_ms(1500);
	assert_int_equal(cst_log_count(d, STATS), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_periodic, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_reload, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_default_off, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_level, cst_setup,
		    cst_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
