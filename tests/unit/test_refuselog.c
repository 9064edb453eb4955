/*
 * test_refuselog.c - the refused lines of a flood: ten a second, then
 * counted per host and reason; the summary's text and order, exact counts
 * up to RFL_HOSTS hosts, bounded eviction past them, the one-second window.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "refuselog.c"

#define MAXLINES	(RFL_TOP + 2)

static int
reset(void **state)
{
	(void)state;
	memset(&rfl, 0, sizeof(rfl));
	return 0;
}

/* n refusals of peer at now; how many were to be logged on their own. */
static int
refuse(const char *peer, const char *reason, int n, int64_t now)
{
	int logged = 0;

	for (int i = 0; i < n; i++)
		logged += rfl_refused(peer, reason, now);
	return logged;
}

/* The first ten refusals of a second, from a host of their own. */
static void
fill_lines(int64_t now)
{
	assert_int_equal(refuse("198.51.100.1:1", "acl", RFL_LINES, now),
	    RFL_LINES);
}

/* Every summary line due at now, into lines[]; their number. */
static int
summary(int64_t now, char lines[MAXLINES][RFL_LINELEN])
{
	char extra[RFL_LINELEN];
	int n = 0;

	while (n < MAXLINES && rfl_summary_line(now, lines[n], RFL_LINELEN))
		n++;
	assert_int_equal(rfl_summary_line(now, extra, sizeof(extra)), 0);
	return n;
}

static void
test_host_of_peer(void **state)
{
	char host[RFL_HOSTLEN];

	(void)state;
	rfl_host("192.0.2.7:5123", host, sizeof(host));
	assert_string_equal(host, "192.0.2.7");
	rfl_host("[2001:db8::1]:40312", host, sizeof(host));
	assert_string_equal(host, "2001:db8::1");
	rfl_host("[::ffff:192.0.2.7]:1", host, sizeof(host));
	assert_string_equal(host, "::ffff:192.0.2.7");
	rfl_host("(family 1)", host, sizeof(host));
	assert_string_equal(host, "(family 1)");
	rfl_host("[unterminated", host, sizeof(host));
	assert_string_equal(host, "unterminated");
}

/* Ten lines a second are written; the eleventh is counted. */
static void
test_ten_lines_then_counted(void **state)
{
	char lines[MAXLINES][RFL_LINELEN];

	(void)state;
	assert_int_equal(rfl_pending(), 0);
	assert_int_equal(refuse("192.0.2.7:1", "rate", RFL_LINES, 5000),
	    RFL_LINES);
	assert_int_equal(rfl_pending(), 0);
	assert_int_equal(rfl_refused("192.0.2.7:2", "rate", 5999), 0);
	assert_int_equal(rfl_pending(), 1);
	/* Nothing is summarised while the second lasts. */
	assert_int_equal(summary(5999, lines), 0);
	assert_int_equal(summary(6000, lines), 2);
	assert_string_equal(lines[0], "refused: 1 similar suppressed");
	assert_string_equal(lines[1],
	    "refused host=192.0.2.7 reason=rate suppressed=1");
	assert_int_equal(rfl_pending(), 0);
}

/* A quiet second (nothing suppressed) has no summary at all. */
static void
test_no_summary_without_suppression(void **state)
{
	char lines[MAXLINES][RFL_LINELEN];

	(void)state;
	fill_lines(1000);
	assert_int_equal(summary(2000, lines), 0);
	assert_int_equal(rfl_refused("192.0.2.7:1", "acl", 2000), 1);
}

/* Total first, then the hosts, most refused first; IPv6 unbracketed. */
static void
test_summary_text_and_order(void **state)
{
	char lines[MAXLINES][RFL_LINELEN];

	(void)state;
	fill_lines(7000);
	refuse("[2001:db8::1]:40312", "acl", 3, 7100);
	refuse("127.0.0.1:40000", "rate_per_host", 1200, 7200);
	refuse("192.0.2.7:5123", "max_clients_per_host", 30, 7300);
	/* Same host, another reason: a line of its own. */
	refuse("127.0.0.1:40001", "max_clients_per_host", 2, 7400);
	assert_int_equal(summary(8000, lines), 5);
	assert_string_equal(lines[0], "refused: 1235 similar suppressed");
	assert_string_equal(lines[1],
	    "refused host=127.0.0.1 reason=rate_per_host suppressed=1200");
	assert_string_equal(lines[2],
	    "refused host=192.0.2.7 reason=max_clients_per_host suppressed=30");
	assert_string_equal(lines[3],
	    "refused host=2001:db8::1 reason=acl suppressed=3");
	assert_string_equal(lines[4],
	    "refused host=127.0.0.1 reason=max_clients_per_host suppressed=2");
}

/* Only RFL_TOP hosts are named; ties go to the host seen first. */
static void
test_top_only_ties_first_seen(void **state)
{
	char lines[MAXLINES][RFL_LINELEN], peer[64], want[RFL_LINELEN];
	int i;

	(void)state;
	fill_lines(3000);
	for (i = 0; i < RFL_TOP + 3; i++) {
		snprintf(peer, sizeof(peer), "192.0.2.%d:80", i + 1);
		refuse(peer, "acl", 4, 3001);
	}
	refuse("192.0.2.200:80", "acl", 5, 3002);
	assert_int_equal(summary(4000, lines), RFL_TOP + 1);
	snprintf(want, sizeof(want), "refused: %d similar suppressed",
	    4 * (RFL_TOP + 3) + 5);
	assert_string_equal(lines[0], want);
	assert_string_equal(lines[1],
	    "refused host=192.0.2.200 reason=acl suppressed=5");
	for (i = 2; i <= RFL_TOP; i++) {
		snprintf(want, sizeof(want),
		    "refused host=192.0.2.%d reason=acl suppressed=4", i - 1);
		assert_string_equal(lines[i], want);
	}
}

/* Up to RFL_HOSTS hosts in a second, every count is exact. */
static void
test_exact_up_to_table_size(void **state)
{
	char lines[MAXLINES][RFL_LINELEN], peer[64], want[RFL_LINELEN];
	long total = 0;
	int i;

	(void)state;
	fill_lines(9000);
	/* Interleaved, so that no host is counted in one run. */
	for (int round = 0; round < RFL_HOSTS; round++)
		for (i = round; i < RFL_HOSTS; i++) {
			snprintf(peer, sizeof(peer), "[2001:db8::%x]:443", i);
			assert_int_equal(rfl_refused(peer, "rate", 9500), 0);
			total++;
		}
	assert_int_equal(rfl.n, RFL_HOSTS);
	for (i = 0; i < RFL_HOSTS; i++) {
		assert_int_equal(rfl.tab[i].err, 0);
		assert_int_equal(rfl.tab[i].count, i + 1);
	}
	assert_int_equal(summary(10000, lines), RFL_TOP + 1);
	snprintf(want, sizeof(want), "refused: %ld similar suppressed", total);
	assert_string_equal(lines[0], want);
	for (i = 1; i <= RFL_TOP; i++) {
		snprintf(want, sizeof(want),
		    "refused host=2001:db8::%x reason=rate suppressed=%d",
		    RFL_HOSTS - i, RFL_HOSTS - i + 1);
		assert_string_equal(lines[i], want);
	}
}

/* suppressed= of the line naming host, or -1 when it is not named. */
static long
named_count(char lines[MAXLINES][RFL_LINELEN], int n, const char *host)
{
	char want[RFL_LINELEN];

	snprintf(want, sizeof(want), "refused host=%s reason=", host);
	for (int i = 1; i < n; i++)
		if (strncmp(lines[i], want, strlen(want)) == 0)
			return atol(strstr(lines[i], "suppressed=") + 11);
	return -1;
}

/*
 * 100,000 addresses each refused once, with a flooder among them: the
 * table never grows, the total is exact, the flooder is named first, and
 * no host is said to have been refused more often than it was.
 */
static void
test_eviction_bounded(void **state)
{
	char lines[MAXLINES][RFL_LINELEN], peer[64], want[RFL_LINELEN];
	long flood = 0, n;
	int i, nl;

	(void)state;
	fill_lines(20000);
	for (i = 0; i < 100000; i++) {
		snprintf(peer, sizeof(peer), "10.%d.%d.%d:1024", i >> 16,
		    (i >> 8) & 255, i & 255);
		rfl_refused(peer, "acl", 20500);
		if (i % 20 == 0) {
			rfl_refused("192.0.2.7:9", "acl", 20500);
			flood++;
		}
		assert_true(rfl.n <= RFL_HOSTS);
	}
	nl = summary(21000, lines);
	for (i = 0; i < nl; i++)
		print_message("%s\n", lines[i]);
	assert_int_equal(nl, RFL_TOP + 1);
	snprintf(want, sizeof(want), "refused: %ld similar suppressed",
	    100000 + flood);
	assert_string_equal(lines[0], want);
	assert_non_null(strstr(lines[1], "host=192.0.2.7 "));
	n = named_count(lines, nl, "192.0.2.7");
	assert_true(n > 0 && n <= flood);
	/* The one-off hosts named were refused once each: never more. */
	for (i = 2; i < nl; i++)
		assert_non_null(strstr(lines[i], " suppressed=1"));
}

/* A flooder that starts after the table is full is counted exactly. */
static void
test_late_flooder_exact(void **state)
{
	char lines[MAXLINES][RFL_LINELEN], peer[64];
	int i, nl;

	(void)state;
	fill_lines(30000);
	for (i = 0; i < 10 * RFL_HOSTS; i++) {
		snprintf(peer, sizeof(peer), "[2001:db8::%x]:1", i);
		rfl_refused(peer, "rate", 30000);
	}
	refuse("[2001:db8:ffff::7]:2", "rate_per_host", 200, 30999);
	nl = summary(31000, lines);
	assert_string_equal(lines[1],
	    "refused host=2001:db8:ffff::7 reason=rate_per_host suppressed=200");
	assert_int_equal(named_count(lines, nl, "2001:db8:ffff::7"), 200);
}

/*
 * The window is the second: 1999 and 2000 are two, each with its own ten
 * lines and its own summary, written once the next second begins.
 */
static void
test_window(void **state)
{
	char lines[MAXLINES][RFL_LINELEN];

	(void)state;
	assert_int_equal(refuse("192.0.2.7:1", "acl", 12, 1999), RFL_LINES);
	/* The summary of second 1 comes first in second 2 ... */
	assert_int_equal(summary(2000, lines), 2);
	assert_string_equal(lines[0], "refused: 2 similar suppressed");
	/* ... which starts with ten lines again. */
	assert_int_equal(refuse("192.0.2.7:1", "acl", 13, 2000), RFL_LINES);
	assert_int_equal(summary(2999, lines), 0);
	/* Seconds later, with no refusal in between, it is still owed. */
	assert_int_equal(rfl_pending(), 1);
	assert_int_equal(summary(7000, lines), 2);
	assert_string_equal(lines[0], "refused: 3 similar suppressed");
	assert_string_equal(lines[1],
	    "refused host=192.0.2.7 reason=acl suppressed=3");
	assert_int_equal(rfl_pending(), 0);
	assert_int_equal(refuse("192.0.2.7:1", "acl", 11, 7000), RFL_LINES);
}

/* A refusal counted before an owed summary was written joins it. */
static void
test_summary_owed_keeps_window(void **state)
{
	char lines[MAXLINES][RFL_LINELEN];

	(void)state;
	assert_int_equal(refuse("192.0.2.7:1", "acl", 11, 4000), RFL_LINES);
	assert_int_equal(rfl_refused("192.0.2.7:1", "acl", 5000), 0);
	assert_int_equal(summary(5000, lines), 2);
	assert_string_equal(lines[0], "refused: 2 similar suppressed");
}

/* The longest line fits: an IPv6 host and the longest reason. */
static void
test_longest_line_fits(void **state)
{
	char lines[MAXLINES][RFL_LINELEN];

	(void)state;
	fill_lines(1000);
	refuse("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535",
	    "max_clients_per_host", 1, 1000);
	assert_int_equal(summary(2000, lines), 2);
	assert_string_equal(lines[1], "refused host="
	    "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255 "
	    "reason=max_clients_per_host suppressed=1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_host_of_peer, reset),
		cmocka_unit_test_setup(test_ten_lines_then_counted, reset),
		cmocka_unit_test_setup(test_no_summary_without_suppression,
		    reset),
		cmocka_unit_test_setup(test_summary_text_and_order, reset),
		cmocka_unit_test_setup(test_top_only_ties_first_seen, reset),
		cmocka_unit_test_setup(test_exact_up_to_table_size, reset),
		cmocka_unit_test_setup(test_eviction_bounded, reset),
		cmocka_unit_test_setup(test_late_flooder_exact, reset),
		cmocka_unit_test_setup(test_window, reset),
		cmocka_unit_test_setup(test_summary_owed_keeps_window, reset),
		cmocka_unit_test_setup(test_longest_line_fits, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
