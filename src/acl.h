/*
 * acl.h - addresses as the limits and the allow/deny lists see them.
 *
 * Peers are normalised first: an IPv4-mapped IPv6 peer (::ffff:a.b.c.d) is
 * the IPv4 host a.b.c.d, so IPv4 rules and the IPv4 host prefix apply.
 */
#ifndef CASESERV_ACL_H
#define CASESERV_ACL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* A prefix: family AF_INET or AF_INET6, address bytes, prefix length. */
struct acl_rule {
	int	family;
	uint8_t	addr[16];
	int	bits;
};

/* Key of a "host" for the per-host limits: the peer masked to a prefix. */
struct acl_hostkey {
	uint8_t	family;
	uint8_t	addr[16];
};

/* Parse "192.0.2.0/24", "2001:db8::/32" or a bare address; 0 or -1. */
int acl_parse(const char *text, struct acl_rule *rule);
/* Text form of a rule, as the configuration would write it. */
void acl_format(const struct acl_rule *rule, char *buf, size_t len);
/* Does the (normalised) peer fall inside any of the n rules? */
int acl_match(const struct acl_rule *rules, size_t n,
    const struct sockaddr *peer);
/* The host a peer belongs to, masked to prefix4 or prefix6 bits. */
void acl_hostkey(const struct sockaddr *peer, int prefix4, int prefix6,
    struct acl_hostkey *key);

#endif
