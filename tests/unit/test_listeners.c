/*
 * test_listeners.c - a peer's address as every log line and every
 * session's title writes it: the same text as inet_ntop(3) and
 * snprintf(3) (which lsn_addr_name no longer calls), for the addresses
 * whose rules differ (zero runs, ties, embedded IPv4) and for many random
 * ones, and cut safely to any buffer.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "listeners.h"

/* What the text was before: inet_ntop and snprintf. */
static void
reference(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		assert_non_null(inet_ntop(AF_INET6, &s6->sin6_addr, host,
		    sizeof(host)));
		snprintf(buf, len, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		assert_non_null(inet_ntop(AF_INET, &s4->sin_addr, host,
		    sizeof(host)));
		snprintf(buf, len, "%s:%u", host, ntohs(s4->sin_port));
	} else
		snprintf(buf, len, "(family %d)", sa->sa_family);
}

static void
same_as_reference(const struct sockaddr *sa)
{
	char got[64], want[64];

	memset(got, 'x', sizeof(got));
	lsn_addr_name(sa, got, sizeof(got));
	reference(sa, want, sizeof(want));
	assert_string_equal(got, want);
}

static void
v6(const char *text, unsigned short port, const char *expect)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6,
	    .sin6_port = htons(port) };
	char got[64];

	assert_int_equal(inet_pton(AF_INET6, text, &s6.sin6_addr), 1);
	lsn_addr_name((struct sockaddr *)&s6, got, sizeof(got));
	assert_string_equal(got, expect);
	same_as_reference((struct sockaddr *)&s6);
}

static void
v4(const char *text, unsigned short port, const char *expect)
{
	struct sockaddr_in s4 = { .sin_family = AF_INET,
	    .sin_port = htons(port) };
	char got[64];

	assert_int_equal(inet_pton(AF_INET, text, &s4.sin_addr), 1);
	lsn_addr_name((struct sockaddr *)&s4, got, sizeof(got));
	assert_string_equal(got, expect);
	same_as_reference((struct sockaddr *)&s4);
}

/* The rules that differ between addresses, each written out. */
static void
known_addresses(void **state)
{
	(void)state;
	v4("0.0.0.0", 0, "0.0.0.0:0");
	v4("192.0.2.7", 5123, "192.0.2.7:5123");
	v4("255.255.255.255", 65535, "255.255.255.255:65535");
	v4("10.0.100.9", 1205, "10.0.100.9:1205");
	v6("::", 0, "[::]:0");
	v6("::1", 1205, "[::1]:1205");
	v6("1::", 1, "[1::]:1");
	v6("2001:db8::1", 40312, "[2001:db8::1]:40312");
	/* one zero word alone is written, not compressed */
	v6("2001:db8:0:1:1:1:1:1", 7, "[2001:db8:0:1:1:1:1:1]:7");
	/* the longest run; of two as long, the first */
	v6("1:0:0:1:0:0:0:1", 7, "[1:0:0:1::1]:7");
	v6("1:0:0:1:1:0:0:1", 7, "[1::1:1:0:0:1]:7");
	v6("0:0:1:0:0:1:0:0", 7, "[::1:0:0:1:0:0]:7");
	/* leading zeros go, letters are small */
	v6("fe80::ABCD:0a0b:00c0:000d", 9, "[fe80::abcd:a0b:c0:d]:9");
	v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535,
	    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	/* IPv4 inside: mapped, and the old compatible form */
	v6("::ffff:192.0.2.7", 80, "[::ffff:192.0.2.7]:80");
	v6("::192.0.2.7", 80, "[::192.0.2.7]:80");
	v6("::ffff:0:0", 80, "[::ffff:0.0.0.0]:80");
	v6("::fffe:192.0.2.7", 80, "[::fffe:c000:207]:80");
	v6("0:0:0:0:1:ffff:c000:207", 80, "[::1:ffff:c000:207]:80");
	v6("::0.0.1.0", 80, "[::100]:80");
}

/* Many random addresses, with zero words made common so that every run
 * length and place comes up: the same text as inet_ntop's. */
static void
random_addresses(void **state)
{
	unsigned int seed = 1205;

	(void)state;
	for (int n = 0; n < 200000; n++) {
		struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
		struct sockaddr_in s4 = { .sin_family = AF_INET };
		unsigned char *a = s6.sin6_addr.s6_addr;

		for (int i = 0; i < 8; i++) {
			int r = rand_r(&seed);

			/* half zero words; some with one byte zero */
			a[2 * i] = r & 1 ? 0 : r & 2 ? (unsigned char)(r >> 8) : 0;
			a[2 * i + 1] = r & 1 ? 0 : (unsigned char)(r >> 16);
		}
		if (n % 7 == 0) {		/* ::ffff:a.b.c.d, ::a.b.c.d */
			memset(a, 0, 10);
			a[10] = a[11] = n % 2 ? 0xff : 0;
		}
		s6.sin6_port = (unsigned short)rand_r(&seed);
		same_as_reference((struct sockaddr *)&s6);
		memcpy(&s4.sin_addr, a + 12, 4);
		s4.sin_port = (unsigned short)rand_r(&seed);
		same_as_reference((struct sockaddr *)&s4);
	}
}

/* Every buffer size: cut like snprintf, NUL last, never a byte past. */
static void
cut_to_fit(void **state)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6,
	    .sin6_port = htons(65535) };
	struct sockaddr_un_like { sa_family_t family; char rest[14]; } other =
	    { AF_UNIX, { 0 } };
	char got[80], want[80];

	(void)state;
	assert_int_equal(inet_pton(AF_INET6, "::ffff:255.255.255.255",
	    &s6.sin6_addr), 1);
	for (size_t len = 0; len <= 64; len++) {
		memset(got, 'z', sizeof(got));
		memset(want, 'z', sizeof(want));
		lsn_addr_name((struct sockaddr *)&s6, got, len);
		snprintf(want, len, "[::ffff:255.255.255.255]:65535");
		assert_memory_equal(got, want, sizeof(got));
	}
	lsn_addr_name((struct sockaddr *)&other, got, sizeof(got));
	assert_string_equal(got, "(family 1)");
	lsn_addr_name((struct sockaddr *)&other, got, 4);
	assert_string_equal(got, "(fa");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_addresses),
		cmocka_unit_test(random_addresses),
		cmocka_unit_test(cut_to_fit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
