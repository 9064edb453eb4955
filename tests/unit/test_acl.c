/*
 * test_acl.c - prefixes as the allow/deny lists and per-host limits see them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "acl.h"

static struct sockaddr_storage
peer(const char *addr)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(40000);
	} else {
		assert_int_equal(inet_pton(AF_INET6, addr, &sin6->sin6_addr), 1);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(40000);
	}
	return ss;
}

/* The rule as acl_format() writes it back, or "ERR". */
static const char *
roundtrip(const char *text, char *buf, size_t len)
{
	struct acl_rule r;

	if (acl_parse(text, &r) == -1)
		return "ERR";
	acl_format(&r, buf, len);
	return buf;
}

static void
test_parse_good(void **state)
{
	static const char *cases[][2] = {
		{ "192.0.2.0/24", "192.0.2.0/24" },
		{ "192.0.2.7/24", "192.0.2.0/24" },	/* host bits cleared */
		{ "192.0.2.7", "192.0.2.7" },		/* bare: /32 */
		{ "192.0.2.7/32", "192.0.2.7" },
		{ "0.0.0.0/0", "0.0.0.0/0" },
		{ "10.255.255.255/9", "10.128.0.0/9" },
		{ "2001:db8::/32", "2001:db8::/32" },
		{ "2001:db8:ffff::1/33", "2001:db8:8000::/33" },
		{ "::1", "::1" },			/* bare: /128 */
		{ "::/0", "::/0" },
		{ "fe80::1/64", "fe80::/64" },
		{ "::ffff:192.0.2.1", "192.0.2.1" },	/* mapped -> IPv4 */
		{ "::ffff:192.0.2.1/120", "192.0.2.0/24" },
		{ "::ffff:1.2.3.4/95", "::fffe:0:0/95" }, /* wider: IPv6 */
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(roundtrip(cases[i][0], buf, sizeof(buf)),
		    cases[i][1]);
}

static void
test_parse_bad(void **state)
{
	static const char *bad[] = {
		"", "junk", "192.0.2.0/", "192.0.2.0/33", "192.0.2.0/-1",
		"192.0.2.0/+8", "192.0.2.0/ 8", " 192.0.2.0", "192.0.2.0/8x",
		"192.0.2", "192.0.2.256", "010.0.0.1", "2001:db8::/129",
		"2001:db8::/1000", "2001:db8:::1", "fe80::1%eth0", "/24",
		"192.0.2.0/24/8", "::1/0128",
		"1111:2222:3333:4444:5555:6666:7777:8888:9999/128",
	};
	struct acl_rule r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (acl_parse(bad[i], &r) != -1)
			fail_msg("acl_parse accepted \"%s\"", bad[i]);
	}
	assert_int_equal(acl_parse(NULL, &r), -1);
}

static int
matches(const char *rule, const char *addr)
{
	struct sockaddr_storage ss = peer(addr);
	struct acl_rule r;

	assert_int_equal(acl_parse(rule, &r), 0);
	return acl_match(&r, 1, (struct sockaddr *)&ss);
}

static void
test_match(void **state)
{
	(void)state;
	assert_true(matches("192.0.2.0/24", "192.0.2.200"));
	assert_false(matches("192.0.2.0/24", "192.0.3.1"));
	assert_true(matches("192.0.2.7", "192.0.2.7"));
	assert_false(matches("192.0.2.7", "192.0.2.8"));
	assert_true(matches("0.0.0.0/0", "203.0.113.9"));
	assert_false(matches("0.0.0.0/0", "::1"));	/* family matters */
	assert_false(matches("::/0", "192.0.2.1"));
	assert_true(matches("10.128.0.0/9", "10.200.0.1"));
	assert_false(matches("10.128.0.0/9", "10.127.0.1"));
	assert_true(matches("2001:db8::/32", "2001:db8:1::5"));
	assert_false(matches("2001:db8::/32", "2001:db9::5"));
	assert_true(matches("::1", "::1"));
	/* IPv4-mapped peers are IPv4 hosts, whichever way the rule is written. */
	assert_true(matches("192.0.2.0/24", "::ffff:192.0.2.9"));
	assert_false(matches("192.0.2.0/24", "::ffff:192.0.3.9"));
	assert_true(matches("::ffff:192.0.2.0/120", "192.0.2.9"));
	assert_false(matches("::ffff:0:0/96", "::1"));
}

static void
test_match_list(void **state)
{
	struct acl_rule r[2];
	struct sockaddr_storage a = peer("2001:db8::1"), b = peer("192.0.2.1");
	struct sockaddr_un un;

	(void)state;
	assert_int_equal(acl_parse("198.51.100.0/24", &r[0]), 0);
	assert_int_equal(acl_parse("2001:db8::/48", &r[1]), 0);
	assert_true(acl_match(r, 2, (struct sockaddr *)&a));
	assert_false(acl_match(r, 2, (struct sockaddr *)&b));
	assert_false(acl_match(r, 0, (struct sockaddr *)&a));
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	assert_false(acl_match(r, 2, (struct sockaddr *)&un));
	assert_false(acl_match(r, 2, NULL));
}

/* The hostkey of addr masked to p4/p6, as text. */
static const char *
hostkey(const char *addr, int p4, int p6, char *buf, size_t len)
{
	struct sockaddr_storage ss = peer(addr);
	struct acl_hostkey k;

	memset(&k, 0xaa, sizeof(k));
	acl_hostkey((struct sockaddr *)&ss, p4, p6, &k);
	if (k.family == AF_INET) {
		size_t i;

		for (i = 4; i < sizeof(k.addr); i++)	/* keys hash as bytes */
			assert_int_equal(k.addr[i], 0);
	}
	assert_non_null(inet_ntop(k.family, k.addr, buf, (socklen_t)len));
	return buf;
}

static void
test_hostkey(void **state)
{
	char b[64];

	(void)state;
	assert_string_equal(hostkey("192.0.2.77", 32, 64, b, sizeof(b)), "192.0.2.77");
	assert_string_equal(hostkey("192.0.2.77", 24, 64, b, sizeof(b)), "192.0.2.0");
	assert_string_equal(hostkey("192.0.2.77", 0, 64, b, sizeof(b)), "0.0.0.0");
	assert_string_equal(hostkey("::ffff:192.0.2.77", 24, 128, b, sizeof(b)),
	    "192.0.2.0");
	assert_string_equal(hostkey("2001:db8:1:2:3:4:5:6", 32, 64, b, sizeof(b)),
	    "2001:db8:1:2::");
	assert_string_equal(hostkey("2001:db8:1:2:3:4:5:6", 32, 128, b, sizeof(b)),
	    "2001:db8:1:2:3:4:5:6");
	assert_string_equal(hostkey("2001:db8:1:2:3:4:5:6", 32, 0, b, sizeof(b)),
	    "::");
	assert_string_equal(hostkey("2001:db8:1:2:3:4:5:6", 32, 60, b, sizeof(b)),
	    "2001:db8:1::");
}

static void
test_hostkey_same_host(void **state)
{
	struct sockaddr_storage a = peer("2001:db8:0:7::1"),
	    b = peer("2001:db8:0:7:ffff::2"), c = peer("2001:db8:0:8::1");
	struct acl_hostkey ka, kb, kc;

	(void)state;
	acl_hostkey((struct sockaddr *)&a, 32, 64, &ka);
	acl_hostkey((struct sockaddr *)&b, 32, 64, &kb);
	acl_hostkey((struct sockaddr *)&c, 32, 64, &kc);
	assert_memory_equal(&ka, &kb, sizeof(ka));
	assert_memory_not_equal(&ka, &kc, sizeof(ka));
	acl_hostkey(NULL, 32, 64, &ka);
	assert_int_equal(ka.family, 0);
}

/* Out-of-range prefixes are clamped, not trusted; a rule of no known
 * family, or no room at all, is written as "?" or not at all. */
static void
test_edges(void **state)
{
	struct acl_rule r;
	char b[64];

	(void)state;
	assert_string_equal(hostkey("192.0.2.77", -8, 64, b, sizeof(b)),
	    "0.0.0.0");
	assert_string_equal(hostkey("192.0.2.77", 99, 64, b, sizeof(b)),
	    "192.0.2.77");
	assert_string_equal(hostkey("2001:db8::1", 32, 200, b, sizeof(b)),
	    "2001:db8::1");
	assert_int_equal(acl_parse("192.0.2.0/24", &r), 0);
	strcpy(b, "untouched");
	acl_format(&r, b, 0);
	assert_string_equal(b, "untouched");
	r.family = AF_UNIX;
	acl_format(&r, b, sizeof(b));
	assert_string_equal(b, "?");
	assert_int_equal(acl_parse(NULL, &r), -1);
	assert_int_equal(acl_parse("", &r), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_match_list),
		cmocka_unit_test(test_hostkey),
		cmocka_unit_test(test_hostkey_same_host),
		cmocka_unit_test(test_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
