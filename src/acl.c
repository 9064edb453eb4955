/*
 * acl.c - address prefixes for the allow/deny lists and the per-host keys.
 *
 * Everything here is pure: no allocation, no global state, so the master
 * can call it for every accepted connection and the tests can call it
 * without set-up.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "acl.h"

/* The longest text acl_parse accepts: an IPv6 address plus "/128". */
#define ACL_TEXTMAX	(INET6_ADDRSTRLEN + 4)

static const uint8_t v4mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static int
addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* Clear every bit of addr (len bytes) after the first bits. */
static void
mask_bits(uint8_t *addr, int len, int bits)
{
	int i;

	for (i = 0; i < len; i++) {
		if (bits >= 8)
			bits -= 8;
		else if (bits > 0) {
			addr[i] &= (uint8_t)(0xff << (8 - bits));
			bits = 0;
		} else
			addr[i] = 0;
	}
}

static int
prefix_equal(const uint8_t *a, const uint8_t *b, int bits)
{
	int whole = bits / 8, rest = bits % 8;
	uint8_t m;

	if (memcmp(a, b, (size_t)whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	m = (uint8_t)(0xff << (8 - rest));
	return (a[whole] & m) == (b[whole] & m);
}

/*
 * SECURITY: an IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a dual-stack
 * socket reports for an IPv4 client) is turned into the IPv4 address, so a
 * client cannot dodge an IPv4 deny rule or the IPv4 per-host limit by
 * connecting through an IPv6 socket.
 */
static void
normalise(int *family, uint8_t *addr, int *bits)
{
	if (*family != AF_INET6 ||
	    memcmp(addr, v4mapped_prefix, sizeof(v4mapped_prefix)) != 0)
		return;
	if (bits != NULL && *bits < 96)
		return;		/* ::/80 and such: a real IPv6 prefix */
	memmove(addr, addr + 12, 4);
	memset(addr + 4, 0, 12);
	*family = AF_INET;
	if (bits != NULL)
		*bits -= 96;
}

/* The peer's family and address bytes, normalised; -1 if not IP. */
static int
peer_addr(const struct sockaddr *peer, int *family, uint8_t *addr)
{
	memset(addr, 0, 16);
	if (peer == NULL)
		return -1;
	if (peer->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)peer;

		memcpy(addr, &sin->sin_addr, 4);
	} else if (peer->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)peer;

		memcpy(addr, &sin6->sin6_addr, 16);
	} else
		return -1;
	*family = peer->sa_family;
	normalise(family, addr, NULL);
	return 0;
}

/* "24" -> 24; digits only, at most three, at most max. */
static int
parse_bits(const char *s, int max)
{
	int v = 0;
	size_t i, n = strlen(s);

	if (n == 0 || n > 3)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

/*
 * Host bits set below the prefix ("192.0.2.7/24") are accepted and cleared,
 * as ip(8) and most firewalls do: the rule then covers 192.0.2.0/24.
 */
int
acl_parse(const char *text, struct acl_rule *rule)
{
	char buf[ACL_TEXTMAX + 1];
	char *slash;
	size_t n;
	int len;

	if (text == NULL || (n = strlen(text)) == 0 || n > ACL_TEXTMAX)
		return -1;
	memcpy(buf, text, n + 1);
	memset(rule, 0, sizeof(*rule));
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, rule->addr) == 1)
		rule->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, rule->addr) == 1)
		rule->family = AF_INET6;
	else
		return -1;
	len = addr_len(rule->family);
	rule->bits = slash == NULL ? len * 8 : parse_bits(slash, len * 8);
	if (rule->bits < 0)
		return -1;
	normalise(&rule->family, rule->addr, &rule->bits);
	mask_bits(rule->addr, addr_len(rule->family), rule->bits);
	return 0;
}

/* A single address is written bare, a wider prefix as ADDR/BITS. */
void
acl_format(const struct acl_rule *rule, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (len == 0)
		return;
	if ((rule->family != AF_INET && rule->family != AF_INET6) ||
	    inet_ntop(rule->family, rule->addr, a, sizeof(a)) == NULL) {
		snprintf(buf, len, "?");
		return;
	}
	if (rule->bits == addr_len(rule->family) * 8)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%d", a, rule->bits);
}

int
acl_match(const struct acl_rule *rules, size_t n, const struct sockaddr *peer)
{
	uint8_t addr[16];
	int family;
	size_t i;

	if (peer_addr(peer, &family, addr) == -1)
		return 0;
	for (i = 0; i < n; i++)
		if (rules[i].family == family &&
		    prefix_equal(rules[i].addr, addr, rules[i].bits))
			return 1;
	return 0;
}

/*
 * The key has no padding and everything past the prefix is zero, so keys
 * can be compared and hashed as bytes.  A non-IP peer gets family 0.
 */
void
acl_hostkey(const struct sockaddr *peer, int prefix4, int prefix6,
    struct acl_hostkey *key)
{
	int family, bits;

	memset(key, 0, sizeof(*key));
	if (peer_addr(peer, &family, key->addr) == -1)
		return;
	bits = family == AF_INET ? prefix4 : prefix6;
	if (bits < 0)
		bits = 0;
	if (bits > addr_len(family) * 8)
		bits = addr_len(family) * 8;
	mask_bits(key->addr, addr_len(family), bits);
	key->family = (uint8_t)family;
}
