/*
 * fuzz_acl.c - the address and prefix parser and the matcher.
 *
 * The input, as a string, is parsed as an allow/deny rule.  A rule that
 * parses must be well formed (family, length, no host bits), print back to
 * itself, and match as a prefix must: its own network and its last
 * address are inside, the address just past it is not, a /0 takes every
 * peer of its family, and an IPv4-mapped peer is the IPv4 peer.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(e)	do { if (!(e)) { \
	fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #e); abort(); \
	} } while (0)

static void
peer4(struct sockaddr_storage *ss, const uint8_t *a)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	memcpy(&sin->sin_addr, a, 4);
}

static void
peer6(struct sockaddr_storage *ss, const uint8_t *a)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	sin6->sin6_family = AF_INET6;
	memcpy(&sin6->sin6_addr, a, 16);
}

/* Does the rule take this address of its own family? */
static int
match(const struct acl_rule *r, const uint8_t *a)
{
	struct sockaddr_storage ss;

	if (r->family == AF_INET)
		peer4(&ss, a);
	else
		peer6(&ss, a);
	return acl_match(r, 1, (struct sockaddr *)&ss);
}

static int
is_v4mapped(const uint8_t *a)
{
	static const uint8_t pfx[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(a, pfx, sizeof(pfx)) == 0;
}

/* The rule's shape, and the printed form parses back to the same rule. */
static void
check_form(const struct acl_rule *r)
{
	int len = r->family == AF_INET ? 4 : 16, i;
	struct acl_rule again;
	char buf[64];

	CHECK(r->family == AF_INET || r->family == AF_INET6);
	CHECK(r->bits >= 0 && r->bits <= len * 8);
	for (i = r->bits; i < 128; i++)
		CHECK((r->addr[i / 8] & (0x80 >> (i % 8))) == 0);
	/* SECURITY: a mapped prefix would never match (peers are mapped). */
	CHECK(r->family == AF_INET || r->bits < 96 || !is_v4mapped(r->addr));
	acl_format(r, buf, sizeof(buf));
	CHECK(acl_parse(buf, &again) == 0);
	CHECK(memcmp(r, &again, sizeof(again)) == 0);
}

/* The prefix's first and last addresses are in; one past the end is not. */
static void
check_bounds(const struct acl_rule *r)
{
	int len = r->family == AF_INET ? 4 : 16, i;
	uint8_t a[16];

	memcpy(a, r->addr, sizeof(a));
	if (!(r->family == AF_INET6 && is_v4mapped(a)))
		CHECK(match(r, a));
	for (i = r->bits; i < len * 8; i++)
		a[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	if (!(r->family == AF_INET6 && is_v4mapped(a)))
		CHECK(match(r, a));
	if (r->bits == 0)
		return;
	memcpy(a, r->addr, sizeof(a));
	a[(r->bits - 1) / 8] ^= (uint8_t)(0x80 >> ((r->bits - 1) % 8));
	CHECK(!match(r, a));
}

/* Fixed peers of every kind, each checked against what the rule says. */
static void
check_peers(const struct acl_rule *r)
{
	static const uint8_t v4[][4] = {
		{ 0, 0, 0, 0 }, { 192, 0, 2, 1 }, { 10, 1, 2, 3 },
		{ 255, 255, 255, 255 },
	};
	static const uint8_t v6[][16] = {
		{ 0 }, { [15] = 1 },
		{ 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
		{ 0xfe, 0x80, [15] = 1 },
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	struct sockaddr_storage ss, mapped;
	uint8_t m[16] = { [10] = 0xff, [11] = 0xff };
	size_t i;
	int in;

	for (i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
		peer4(&ss, v4[i]);
		in = acl_match(r, 1, (struct sockaddr *)&ss);
		CHECK(r->family == AF_INET || !in);
		CHECK(r->bits != 0 || in == (r->family == AF_INET));
		memcpy(m + 12, v4[i], 4);
		peer6(&mapped, m);
		CHECK(acl_match(r, 1, (struct sockaddr *)&mapped) == in);
	}
	for (i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
		peer6(&ss, v6[i]);
		in = acl_match(r, 1, (struct sockaddr *)&ss);
		CHECK(r->family == AF_INET6 || !in);
		CHECK(r->bits != 0 || in == (r->family == AF_INET6));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acl_rule r;
	char text[128];

	if (size >= sizeof(text))
		size = sizeof(text) - 1;	/* longer is refused by length */
	memcpy(text, data, size);
	text[size] = '\0';
	if (acl_parse(text, &r) == -1)
		return 0;
	check_form(&r);
	check_bounds(&r);
	check_peers(&r);
	return 0;
}
