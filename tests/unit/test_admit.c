/*
 * test_admit.c - admission: allow/deny, session limits in all and per
 * host (with the host prefixes), and the token-bucket rates.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "admit.c"

static struct cfg
base_cfg(void)
{
	struct cfg c;

	memset(&c, 0, sizeof(c));
	c.max_clients = 256;
	c.max_clients_per_host = 32;
	c.host_prefix_ipv4 = 32;
	c.host_prefix_ipv6 = 64;
	return c;
}

static struct sockaddr_storage
peer(const char *addr)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(addr, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, addr, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, addr, &s4->sin_addr), 1);
	}
	return ss;
}

static int
admit(const struct cfg *c, const char *addr, unsigned active, int64_t now,
    struct adm_host **h)
{
	struct sockaddr_storage ss = peer(addr);

	return adm_admit(c, (struct sockaddr *)&ss, active, now, h);
}

/* Start every test from an empty host table and a full global bucket. */
static int
reset(void **state)
{
	struct cfg c = base_cfg();

	(void)state;
	for (unsigned h = 0; h < ADM_BUCKETS; h++)
		for (struct adm_host *e = adm_table[h]; e != NULL; e = e->next)
			e->sessions = 0;
	adm_expire(&c, 0);
	adm_tokens = -1;
	adm_stamp = 0;
	return 0;
}

static void
test_acl_deny_wins(void **state)
{
	struct cfg c = base_cfg();
	struct acl_rule allow[1], deny[1];
	struct adm_host *h;

	(void)state;
	assert_int_equal(acl_parse("192.0.2.0/24", &allow[0]), 0);
	assert_int_equal(acl_parse("192.0.2.7", &deny[0]), 0);
	c.allow = allow; c.nallow = 1;
	c.deny = deny; c.ndeny = 1;
	assert_int_equal(admit(&c, "192.0.2.8", 0, 0, &h), ADM_OK);
	adm_release(h);
	assert_int_equal(admit(&c, "192.0.2.7", 0, 0, &h), ADM_ACL);
	assert_null(h);
	assert_int_equal(admit(&c, "198.51.100.1", 0, 0, &h), ADM_ACL);
	/* A mapped IPv6 peer is the IPv4 host for the rules. */
	assert_int_equal(admit(&c, "::ffff:192.0.2.7", 0, 0, &h), ADM_ACL);
	assert_int_equal(admit(&c, "::ffff:192.0.2.9", 0, 0, &h), ADM_OK);
	adm_release(h);
	assert_string_equal(adm_reason_name(ADM_ACL), "acl");
}

static void
test_max_clients(void **state)
{
	struct cfg c = base_cfg();
	struct adm_host *h;

	(void)state;
	c.max_clients = 2;
	assert_int_equal(admit(&c, "192.0.2.1", 1, 0, &h), ADM_OK);
	adm_release(h);
	assert_int_equal(admit(&c, "192.0.2.1", 2, 0, &h), ADM_MAX_CLIENTS);
	assert_string_equal(adm_reason_name(ADM_MAX_CLIENTS), "max_clients");
}

static void
test_per_host_and_prefix(void **state)
{
	struct cfg c = base_cfg();
	struct adm_host *h[4];

	(void)state;
	c.max_clients_per_host = 2;
	assert_int_equal(admit(&c, "2001:db8:1:1::1", 0, 0, &h[0]), ADM_OK);
	/* Same /64, other address: the same host. */
	assert_int_equal(admit(&c, "2001:db8:1:1::ffff", 1, 0, &h[1]), ADM_OK);
	assert_int_equal(admit(&c, "2001:db8:1:1:abcd::2", 2, 0, &h[2]), ADM_PER_HOST);
	/* Another /64 is another host. */
	assert_int_equal(admit(&c, "2001:db8:1:2::1", 2, 0, &h[2]), ADM_OK);
	/* A session that ends frees its place. */
	adm_release(h[0]);
	assert_int_equal(admit(&c, "2001:db8:1:1::7", 3, 0, &h[3]), ADM_OK);
	adm_release(h[1]);
	adm_release(h[2]);
	adm_release(h[3]);
	/* IPv4 /24 hosts. */
	c.host_prefix_ipv4 = 24;
	c.max_clients_per_host = 1;
	assert_int_equal(admit(&c, "198.51.100.1", 0, 0, &h[0]), ADM_OK);
	assert_int_equal(admit(&c, "198.51.100.200", 1, 0, &h[1]), ADM_PER_HOST);
	assert_string_equal(adm_reason_name(ADM_PER_HOST), "max_clients_per_host");
	adm_release(h[0]);
	/* 0 means no per-host limit. */
	c.max_clients_per_host = 0;
	for (int i = 0; i < 50; i++)
		assert_int_equal(admit(&c, "198.51.100.1", 0, 0, &h[0]), ADM_OK);
}

static void
test_rate_global(void **state)
{
	struct cfg c = base_cfg();
	struct adm_host *h;
	int ok = 0;

	(void)state;
	c.max_connection_rate = 5;
	c.max_clients_per_host = 0;
	/* A burst of one second's worth, then refusals. */
	for (int i = 0; i < 10; i++)
		if (admit(&c, "192.0.2.1", 0, 1000, &h) == ADM_OK)
			ok++;
	assert_int_equal(ok, 5);
	assert_int_equal(admit(&c, "192.0.2.2", 0, 1000, &h), ADM_RATE);
	/* 200 ms later one token is back. */
	assert_int_equal(admit(&c, "192.0.2.2", 0, 1200, &h), ADM_OK);
	assert_int_equal(admit(&c, "192.0.2.2", 0, 1200, &h), ADM_RATE);
	assert_string_equal(adm_reason_name(ADM_RATE), "rate");
}

static void
test_rate_per_host(void **state)
{
	struct cfg c = base_cfg();
	struct adm_host *h;

	(void)state;
	c.max_connection_rate_per_host = 2;
	c.max_clients_per_host = 0;
	assert_int_equal(admit(&c, "192.0.2.1", 0, 5000, &h), ADM_OK);
	assert_int_equal(admit(&c, "192.0.2.1", 0, 5000, &h), ADM_OK);
	assert_int_equal(admit(&c, "192.0.2.1", 0, 5000, &h), ADM_RATE_PER_HOST);
	/* Another host has its own bucket. */
	assert_int_equal(admit(&c, "192.0.2.2", 0, 5000, &h), ADM_OK);
	assert_int_equal(admit(&c, "192.0.2.1", 0, 5500, &h), ADM_OK);
	assert_string_equal(adm_reason_name(ADM_RATE_PER_HOST), "rate_per_host");
}

/* A refusal for one limit spends no token of another. */
static void
test_refusal_spends_no_token(void **state)
{
	struct cfg c = base_cfg();
	struct adm_host *h;

	(void)state;
	c.max_connection_rate = 1;
	c.max_clients = 1;
	assert_int_equal(admit(&c, "192.0.2.1", 1, 0, &h), ADM_MAX_CLIENTS);
	assert_int_equal(admit(&c, "192.0.2.1", 0, 0, &h), ADM_OK);
}

/* Hosts without sessions and with a full bucket are forgotten. */
static void
test_expire(void **state)
{
	struct cfg c = base_cfg();
	struct adm_host *h, *keep;

	(void)state;
	c.max_connection_rate_per_host = 10;
	assert_int_equal(admit(&c, "192.0.2.1", 0, 0, &keep), ADM_OK);
	assert_int_equal(admit(&c, "192.0.2.2", 0, 0, &h), ADM_OK);
	adm_release(h);
	assert_int_equal(adm_nhosts, 2);
	adm_expire(&c, 50);		/* bucket not full yet */
	assert_int_equal(adm_nhosts, 2);
	adm_expire(&c, 2000);
	assert_int_equal(adm_nhosts, 1);	/* the one with a session stays */
	adm_release(keep);
	adm_expire(&c, 4000);
	assert_int_equal(adm_nhosts, 0);
}

/* A sweep that finds a bucket not yet full keeps what it refilled. */
static void
test_expire_keeps_refill(void **state)
{
	struct cfg c = base_cfg();
	struct adm_host *h;

	(void)state;
	c.max_connection_rate_per_host = 5;
	c.max_clients_per_host = 0;
	for (int i = 0; i < 5; i++)
		assert_int_equal(admit(&c, "192.0.2.9", 0, 0, &h), ADM_OK);
	assert_int_equal(admit(&c, "192.0.2.9", 0, 0, &h), ADM_RATE_PER_HOST);
	adm_expire(&c, 900);		/* 4.5 tokens back: not full, kept */
	/* One second after the burst the bucket is full again. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(admit(&c, "192.0.2.9", 0, 1000, &h), ADM_OK);
	assert_int_equal(admit(&c, "192.0.2.9", 0, 1000, &h), ADM_RATE_PER_HOST);
}

/* Every verdict has its log name; anything else is "?".  Releasing no
 * host, or one with no session, changes nothing. */
static void
test_names_release(void **state)
{
	static const char *const want[ADM_NVERDICTS] = {
		"ok", "acl", "max_clients", "max_clients_per_host", "rate",
		"rate_per_host", "untrusted_proxy", "no_memory",
	};
	struct adm_host h;

	(void)state;
	for (int v = 0; v < ADM_NVERDICTS; v++)
		assert_string_equal(adm_reason_name(v), want[v]);
	assert_string_equal(adm_reason_name(-1), "?");
	assert_string_equal(adm_reason_name(ADM_NVERDICTS), "?");
	adm_release(NULL);
	memset(&h, 0, sizeof(h));
	adm_release(&h);
	assert_int_equal(h.sessions, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_acl_deny_wins, reset),
		cmocka_unit_test_setup(test_max_clients, reset),
		cmocka_unit_test_setup(test_per_host_and_prefix, reset),
		cmocka_unit_test_setup(test_rate_global, reset),
		cmocka_unit_test_setup(test_rate_per_host, reset),
		cmocka_unit_test_setup(test_refusal_spends_no_token, reset),
		cmocka_unit_test_setup(test_expire, reset),
		cmocka_unit_test_setup(test_expire_keeps_refill, reset),
		cmocka_unit_test_setup(test_names_release, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
