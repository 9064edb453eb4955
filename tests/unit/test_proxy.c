/*
 * test_proxy.c - the PROXY protocol parser: the spec's examples, every
 * malformed variant we could think of, partial input, and prx_read() on a
 * socketpair (split writes, a timeout, end of file).
 *
 * proxy.c is included to reach prx_want(), whose promise (never read past
 * the header) is what keeps the client's first bytes for the session.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../src/proxy.c"

#define SIG "\r\n\r\n\0\r\nQUIT\n"

struct hdr {
	unsigned char	b[PRX_MAXLEN + 64];
	size_t		len;
};

static void
put(struct hdr *h, const void *p, size_t n)
{
	assert_true(h->len + n <= sizeof(h->b));
	memcpy(h->b + h->len, p, n);
	h->len += n;
}

static void
put_text(struct hdr *h, const char *s)
{
	put(h, s, strlen(s));
}

/* A v2 header: signature, ver_cmd, fam, length of body, then body. */
static void
v2(struct hdr *h, unsigned char ver_cmd, unsigned char fam,
    const void *body, size_t blen)
{
	unsigned char fixed[4] = { ver_cmd, fam, (unsigned char)(blen >> 8),
	    (unsigned char)blen };

	h->len = 0;
	put(h, SIG, 12);
	put(h, fixed, 4);
	if (blen > 0)
		put(h, body, blen);
}

/* 192.0.2.1:56324 -> 198.51.100.11:443 */
static const unsigned char addr4[12] = {
	192, 0, 2, 1, 198, 51, 100, 11, 0xdc, 0x04, 0x01, 0xbb
};

static void
v2_tcp4(struct hdr *h, const void *tlvs, size_t tlen)
{
	unsigned char body[12 + 64];

	assert_true(tlen <= 64);
	memcpy(body, addr4, 12);
	if (tlen > 0)
		memcpy(body + 12, tlvs, tlen);
	v2(h, 0x21, 0x11, body, 12 + tlen);
}

static void
v2_tcp6(struct hdr *h)
{
	unsigned char body[36];

	memset(body, 0, sizeof(body));
	inet_pton(AF_INET6, "2001:db8::1", body);
	inet_pton(AF_INET6, "2001:db8::2", body + 16);
	body[32] = 0x30; body[33] = 0x39;	/* 12345 */
	body[34] = 0x04; body[35] = 0xb5;	/* 1205 */
	v2(h, 0x21, 0x21, body, sizeof(body));
}

static void
assert_addr(const struct sockaddr_storage *ss, const char *text, int port)
{
	char buf[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)ss;

		inet_ntop(AF_INET, &s->sin_addr, buf, sizeof(buf));
		assert_int_equal(ntohs(s->sin_port), port);
	} else {
		const struct sockaddr_in6 *s = (const void *)ss;

		assert_int_equal(ss->ss_family, AF_INET6);
		inet_ntop(AF_INET6, &s->sin6_addr, buf, sizeof(buf));
		assert_int_equal(ntohs(s->sin6_port), port);
	}
	assert_string_equal(buf, text);
}

static int
parse_text(const char *s, struct prx_result *r)
{
	return prx_parse((const unsigned char *)s, strlen(s), r);
}

/* Every prefix is PRX_MORE, and reading by prx_want never overshoots. */
static void
assert_prefixes(const unsigned char *b, size_t len)
{
	struct prx_result r;

	for (size_t j = 0; j < len; j++) {
		assert_int_equal(prx_parse(b, j, &r), PRX_MORE);
		assert_true(prx_want(b, j) >= 1);
		assert_true(j + prx_want(b, j) <= len);
	}
}

/* ---- version 1 ---------------------------------------------------------- */

static void
test_v1_tcp4(void **state)
{
	const char *ex = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"
	    "GET / HTTP/1.1\r\nHost: 192.168.0.11\r\n\r\n";
	struct prx_result r;

	(void)state;
	assert_int_equal(parse_text(ex, &r), 47);
	assert_int_equal(r.version, 1);
	assert_int_equal(r.command, PRX_CMD_PROXY);
	assert_int_equal(r.family, PRX_FAM_TCP4);
	assert_addr(&r.src, "192.168.0.1", 56324);
	assert_addr(&r.dst, "192.168.0.11", 443);
	assert_prefixes((const unsigned char *)ex, 47);
	/* The spec's longest TCP4 line, and the extreme ports. */
	assert_int_equal(parse_text("PROXY TCP4 255.255.255.255 255.255.255.255 "
	    "65535 65535\r\n", &r), 56);
	assert_addr(&r.src, "255.255.255.255", 65535);
	assert_int_equal(parse_text("PROXY TCP4 0.0.0.0 10.0.0.1 0 1\r\n", &r), 33);
	assert_addr(&r.src, "0.0.0.0", 0);
	assert_addr(&r.dst, "10.0.0.1", 1);
}

static void
test_v1_tcp6(void **state)
{
	const char *max = "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
	struct prx_result r;

	(void)state;
	assert_int_equal(strlen(max), 104);
	assert_int_equal(parse_text(max, &r), 104);
	assert_int_equal(r.family, PRX_FAM_TCP6);
	assert_addr(&r.src, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535);
	assert_prefixes((const unsigned char *)max, 104);
	assert_int_equal(parse_text("PROXY TCP6 2001:DB8::1 ::1 40312 1205\r\nx",
	    &r), 39);
	assert_addr(&r.src, "2001:db8::1", 40312);
	assert_addr(&r.dst, "::1", 1205);
	/* A v4-mapped client is a valid IPv6 address (acl.c maps it). */
	assert_true(parse_text("PROXY TCP6 ::ffff:192.0.2.7 ::1 1 2\r\n", &r) > 0);
	assert_addr(&r.src, "::ffff:192.0.2.7", 1);
}

static void
test_v1_unknown(void **state)
{
	char worst[160];
	struct prx_result r;

	(void)state;
	assert_int_equal(parse_text("PROXY UNKNOWN\r\nhello", &r), 15);
	assert_int_equal(r.command, PRX_CMD_PROXY);
	assert_int_equal(r.family, PRX_FAM_UNKNOWN);
	assert_int_equal(r.src.ss_family, 0);
	assert_prefixes((const unsigned char *)"PROXY UNKNOWN\r\n", 15);
	/* "The receiver must ignore anything presented before the CRLF." */
	snprintf(worst, sizeof(worst), "PROXY UNKNOWN %s %s 65535 65535\r\n",
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_int_equal(strlen(worst), PRX_V1_MAXLEN);
	assert_int_equal(parse_text(worst, &r), PRX_V1_MAXLEN);
	assert_int_equal(r.family, PRX_FAM_UNKNOWN);
	assert_int_equal(parse_text("PROXY UNKNOWN garbage \x01\xff\r\n", &r), 26);
}

static void
test_v1_malformed(void **state)
{
	static const char *const bad[] = {
		"PROXZ TCP4 1.2.3.4 5.6.7.8 1 2\r\n",
		"proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n",		/* two spaces */
		"PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1  2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n",		/* trailing space */
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n",		/* fifth field */
		"PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",		/* missing port */
		"PROXY TCP4 1.2.3.4 5.6.7.8\r\n",
		"PROXY TCP4\r\n",
		"PROXY TCP4 \r\n",
		"PROXY\r\n",
		"PROXY \r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n",	/* port range */
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 100000 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n",		/* signs */
		"PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",		/* leading zero */
		"PROXY TCP4 1.2.3.4 5.6.7.8 00 2\r\n",
		"PROXY TCP4 1.2.3.04 5.6.7.8 1 2\r\n",
		"PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n",
		"PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n",
		"PROXY TCP4 1.2.3.4.5 5.6.7.8 1 2\r\n",
		"PROXY TCP4 0x1.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY TCP4 ::1 5.6.7.8 1 2\r\n",		/* wrong family */
		"PROXY TCP6 1.2.3.4 ::1 1 2\r\n",
		"PROXY TCP6 ::1 ::1%lo 1 2\r\n",		/* scope */
		"PROXY TCP6 ::1::2 ::1 1 2\r\n",
		"PROXY TCP6 12345::1 ::1 1 2\r\n",
		"PROXY TCP6 ::1 ::1 1 2\n",			/* LF alone */
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\r\n",	/* CR alone */
		"PROXY TCP4 1.2.3.4\r5.6.7.8 1 2\r\n",
		"PROXY TCP4 1.2.3.4\n5.6.7.8 1 2\r\n",
		"PROXY UNKNOWNX\r\n",
		"PROXY UNKNOWN\n",
		"PROXY UNKNOWN\rX",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2x\r\n",
		"GET / HTTP/1.1\r\n",
		"SSH-2.0-OpenSSH_9.2\r\n",
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",	/* TLS */
	};
	struct prx_result r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_text(bad[i], &r) != PRX_ERROR)
			fail_msg("accepted: %s", bad[i]);
	}
	/* Each field of a TCP6 line, bad in turn (hex letters and colons
	 * pass the early byte check, so these reach the field parsers), and
	 * an address longer than any IPv6 address can be written. */
	static const char *const bad6[] = {
		"PROXY TCP6 ::1 ::2 1a 2\r\n",
		"PROXY TCP6 ::1 ::2 1 2a\r\n",
		"PROXY TCP6 ::1 ::2 01 2\r\n",
		"PROXY TCP6 ::1 ::2 1 02\r\n",
		"PROXY TCP6 ::1 ::2 1 65536\r\n",
		"PROXY TCP6 ::1 ab::cd::ef 1 2\r\n",
		"PROXY TCP6 ::1 ::ffff:1.2.3.256 1 2\r\n",
		"PROXY TCP6 1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa ::1 1 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 02\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 \r\n",
	};
	for (size_t i = 0; i < sizeof(bad6) / sizeof(bad6[0]); i++) {
		if (parse_text(bad6[i], &r) != PRX_ERROR)
			fail_msg("accepted: %s", bad6[i]);
	}
	/* A NUL inside the line (strlen would stop there). */
	assert_int_equal(prx_parse((const unsigned char *)
	    "PROXY TCP4 1.2.3.4\0005.6.7.8 1 2\r\n", 32, &r), PRX_ERROR);
	/* Rejected early: a byte that no valid header has there. */
	assert_int_equal(parse_text("PROXY TCP4 1.2.3.4 x", &r), PRX_ERROR);
	assert_int_equal(parse_text("PROXY TCP6 ::g", &r), PRX_ERROR);
	assert_int_equal(parse_text("PROXY X", &r), PRX_ERROR);
	assert_int_equal(parse_text("X", &r), PRX_ERROR);
	assert_int_equal(parse_text("\n", &r), PRX_ERROR);
}

/* 107 bytes and no CRLF: the spec's bound, never a request for more. */
static void
test_v1_overlong(void **state)
{
	char line[300];
	struct prx_result r;
	size_t n;

	(void)state;
	n = (size_t)snprintf(line, sizeof(line), "PROXY UNKNOWN ");
	memset(line + n, 'a', sizeof(line) - n);
	assert_int_equal(prx_parse((unsigned char *)line, PRX_V1_MAXLEN - 1, &r),
	    PRX_MORE);
	assert_int_equal(prx_parse((unsigned char *)line, PRX_V1_MAXLEN, &r),
	    PRX_ERROR);
	assert_int_equal(prx_parse((unsigned char *)line, sizeof(line), &r),
	    PRX_ERROR);
	/* CR as the 107th byte: its LF would be the 108th. */
	line[PRX_V1_MAXLEN - 1] = '\r';
	line[PRX_V1_MAXLEN] = '\n';
	assert_int_equal(prx_parse((unsigned char *)line, PRX_V1_MAXLEN, &r),
	    PRX_ERROR);
	assert_int_equal(prx_parse((unsigned char *)line, PRX_V1_MAXLEN + 1, &r),
	    PRX_ERROR);
	/* And as the 106th: a 107-byte line is fine. */
	line[PRX_V1_MAXLEN - 2] = '\r';
	line[PRX_V1_MAXLEN - 1] = '\n';
	assert_int_equal(prx_parse((unsigned char *)line, PRX_V1_MAXLEN - 1, &r),
	    PRX_MORE);
	assert_int_equal(prx_parse((unsigned char *)line, PRX_V1_MAXLEN, &r),
	    PRX_V1_MAXLEN);
	/* A TCP6 line padded to 107 with a zero-run too long is still bad. */
	assert_int_equal(parse_text("PROXY TCP6 0000:0000:0000:0000:0000:0000:"
	    "0000:0000:0000 ::1 1 2\r\n", &r), PRX_ERROR);
}

/* ---- version 2 ---------------------------------------------------------- */

static void
test_v2_tcp4(void **state)
{
	struct hdr h;
	struct prx_result r;

	(void)state;
	v2_tcp4(&h, NULL, 0);
	assert_int_equal(h.len, 28);
	put_text(&h, "client bytes");
	assert_int_equal(prx_parse(h.b, h.len, &r), 28);
	assert_int_equal(r.version, 2);
	assert_int_equal(r.command, PRX_CMD_PROXY);
	assert_int_equal(r.family, PRX_FAM_TCP4);
	assert_addr(&r.src, "192.0.2.1", 56324);
	assert_addr(&r.dst, "198.51.100.11", 443);
	assert_prefixes(h.b, 28);
}

static void
test_v2_tcp6(void **state)
{
	struct hdr h;
	struct prx_result r;

	(void)state;
	v2_tcp6(&h);
	assert_int_equal(prx_parse(h.b, h.len, &r), 52);
	assert_int_equal(r.family, PRX_FAM_TCP6);
	assert_addr(&r.src, "2001:db8::1", 12345);
	assert_addr(&r.dst, "2001:db8::2", 1205);
	assert_prefixes(h.b, 52);
}

static void
test_v2_tlvs(void **state)
{
	/* ALPN "h2", AUTHORITY "example.com", NOOP (empty), a custom 0xE0. */
	static const unsigned char tlvs[] = {
		0x01, 0x00, 0x02, 'h', '2',
		0x02, 0x00, 0x0b, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c',
		'o', 'm',
		0x04, 0x00, 0x00,
		0xe0, 0x00, 0x01, 0x7f,
	};
	struct hdr h;
	struct prx_result r;

	(void)state;
	v2_tcp4(&h, tlvs, sizeof(tlvs));
	assert_int_equal(prx_parse(h.b, h.len, &r), 28 + (int)sizeof(tlvs));
	assert_addr(&r.src, "192.0.2.1", 56324);
	assert_prefixes(h.b, h.len);
	/* The last TLV claims one byte more than the header holds. */
	v2_tcp4(&h, tlvs, sizeof(tlvs));
	h.b[h.len - 2] = 0x02;
	assert_int_equal(prx_parse(h.b, h.len, &r), PRX_ERROR);
	/* A length of 0xffff in the first TLV. */
	v2_tcp4(&h, tlvs, sizeof(tlvs));
	h.b[28 + 1] = 0xff;
	h.b[28 + 2] = 0xff;
	assert_int_equal(prx_parse(h.b, h.len, &r), PRX_ERROR);
	/* One or two stray bytes cannot be a TLV. */
	v2_tcp4(&h, "\x04", 1);
	assert_int_equal(prx_parse(h.b, h.len, &r), PRX_ERROR);
	v2_tcp4(&h, "\x04\x00", 2);
	assert_int_equal(prx_parse(h.b, h.len, &r), PRX_ERROR);
	v2_tcp4(&h, "\x04\x00\x00", 3);
	assert_int_equal(prx_parse(h.b, h.len, &r), 31);
}

static void
test_v2_local(void **state)
{
	struct hdr h;
	struct prx_result r;

	(void)state;
	v2(&h, 0x20, 0x00, NULL, 0);
	put_text(&h, "x");
	assert_int_equal(prx_parse(h.b, h.len, &r), 16);
	assert_int_equal(r.command, PRX_CMD_LOCAL);
	assert_int_equal(r.family, PRX_FAM_UNSPEC);
	assert_int_equal(r.src.ss_family, 0);
	assert_prefixes(h.b, 16);
	/* "must not assume zero is presented for LOCAL": the block is skipped,
	 * the family ignored, whatever they hold. */
	v2(&h, 0x20, 0x11, addr4, sizeof(addr4));
	assert_int_equal(prx_parse(h.b, h.len, &r), 28);
	assert_int_equal(r.family, PRX_FAM_UNSPEC);
	assert_int_equal(r.src.ss_family, 0);
	v2(&h, 0x20, 0xff, "\x01\x02\x03\x04\x05", 5);
	assert_int_equal(prx_parse(h.b, h.len, &r), 21);
}

/* Valid but not TCP: served as the proxy itself (spec: fall back to UNSPEC). */
static void
test_v2_unknown(void **state)
{
	static const unsigned char fams[] = { 0x00, 0x12, 0x22, 0x31, 0x32 };
	static const size_t lens[] = { 0, 12, 36, 216, 216 };
	unsigned char body[216];
	struct hdr h;
	struct prx_result r;

	(void)state;
	memset(body, 'u', sizeof(body));
	for (size_t i = 0; i < sizeof(fams); i++) {
		v2(&h, 0x21, fams[i], body, lens[i]);
		assert_int_equal(prx_parse(h.b, h.len, &r), 16 + (int)lens[i]);
		assert_int_equal(r.command, PRX_CMD_PROXY);
		assert_int_equal(r.family, PRX_FAM_UNKNOWN);
		assert_int_equal(r.src.ss_family, 0);
	}
	/* AF_UNSPEC: whatever block there is, is ignored. */
	v2(&h, 0x21, 0x00, "abcd", 4);
	assert_int_equal(prx_parse(h.b, h.len, &r), 20);
}

static void
test_v2_malformed(void **state)
{
	static const unsigned char bad_vercmd[] = {
		0x00, 0x01, 0x10, 0x11, 0x22, 0x2f, 0x31, 0xf1,
	};
	static const unsigned char bad_fam[] = {
		0x01, 0x02, 0x10, 0x13, 0x20, 0x30, 0x40, 0x41, 0xff,
	};
	struct hdr h;
	struct prx_result r;

	(void)state;
	/* Each signature byte wrong in turn. */
	for (size_t i = 0; i < 12; i++) {
		v2_tcp4(&h, NULL, 0);
		h.b[i] ^= 0x40;
		assert_int_equal(prx_parse(h.b, h.len, &r), PRX_ERROR);
		/* ...and known wrong as soon as that byte is in. */
		assert_int_equal(prx_parse(h.b, i + 1, &r), PRX_ERROR);
	}
	for (size_t i = 0; i < sizeof(bad_vercmd); i++) {
		v2_tcp4(&h, NULL, 0);
		h.b[12] = bad_vercmd[i];
		assert_int_equal(prx_parse(h.b, h.len, &r), PRX_ERROR);
		assert_int_equal(prx_parse(h.b, 13, &r), PRX_ERROR);
	}
	for (size_t i = 0; i < sizeof(bad_fam); i++) {
		v2_tcp4(&h, NULL, 0);
		h.b[13] = bad_fam[i];
		assert_int_equal(prx_parse(h.b, h.len, &r), PRX_ERROR);
		assert_int_equal(prx_parse(h.b, 14, &r), PRX_ERROR);
	}
	/* Too short for the family's addresses. */
	v2(&h, 0x21, 0x11, addr4, 11);
	assert_int_equal(prx_parse(h.b, h.len, &r), PRX_ERROR);
	v2(&h, 0x21, 0x21, addr4, 12);
	assert_int_equal(prx_parse(h.b, h.len, &r), PRX_ERROR);
	v2(&h, 0x21, 0x31, addr4, 12);
	assert_int_equal(prx_parse(h.b, h.len, &r), PRX_ERROR);
	v2(&h, 0x21, 0x11, NULL, 0);
	assert_int_equal(prx_parse(h.b, h.len, &r), PRX_ERROR);
}

/* Our cap: 512 bytes after the fixed part; more is refused at once. */
static void
test_v2_cap(void **state)
{
	unsigned char body[PRX_V2_MAXBODY + 1];
	struct hdr h;
	struct prx_result r;

	(void)state;
	memset(body, 0, sizeof(body));
	memcpy(body, addr4, sizeof(addr4));
	/* One NOOP TLV filling the rest exactly. */
	body[12] = 0x04;
	body[13] = (unsigned char)((PRX_V2_MAXBODY - 15) >> 8);
	body[14] = (unsigned char)(PRX_V2_MAXBODY - 15);
	v2(&h, 0x21, 0x11, body, PRX_V2_MAXBODY);
	assert_int_equal(h.len, PRX_MAXLEN);
	assert_int_equal(prx_parse(h.b, h.len, &r), PRX_MAXLEN);
	assert_int_equal(prx_parse(h.b, h.len - 1, &r), PRX_MORE);
	v2(&h, 0x21, 0x11, body, PRX_V2_MAXBODY + 1);
	assert_int_equal(prx_parse(h.b, 16, &r), PRX_ERROR);
	/* The largest the spec allows is refused as soon as its length is in. */
	v2(&h, 0x21, 0x11, NULL, 0);
	h.b[14] = h.b[15] = 0xff;
	assert_int_equal(prx_parse(h.b, 16, &r), PRX_ERROR);
	v2(&h, 0x20, 0x00, NULL, 0);
	h.b[14] = 0x02;
	h.b[15] = 0x01;		/* 513, LOCAL: refused too */
	assert_int_equal(prx_parse(h.b, 16, &r), PRX_ERROR);
}

/* Partial input of every kind: PRX_MORE, and the result is unchanged. */
static void
test_partial(void **state)
{
	static const char *const lines[] = {
		"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n",
		"PROXY TCP6 2001:db8::1 ::1 40312 1205\r\n",
		"PROXY UNKNOWN\r\n",
		"PROXY UNKNOWN 1.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n",
		"PROXY TCP6 :: :: 0 0\r\n",
	};
	struct prx_result r;
	struct hdr h;

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		assert_int_equal(parse_text(lines[i], &r), (int)strlen(lines[i]));
		assert_prefixes((const unsigned char *)lines[i], strlen(lines[i]));
	}
	assert_int_equal(prx_parse(h.b, 0, &r), PRX_MORE);
	v2(&h, 0x21, 0x31, NULL, 0);
	h.b[14] = 0;
	h.b[15] = 216;
	assert_int_equal(prx_parse(h.b, 16, &r), PRX_MORE);
	assert_int_equal(prx_want(h.b, 16), 216);
}

/* ---- prx_read ----------------------------------------------------------- */

struct piece {
	const void	*p;
	size_t		 len;
	int		 delay_ms;	/* before writing it */
};

/* A child writes the pieces on s[1] with delays, then exits. */
static pid_t
writer(int fd, const struct piece *pc, size_t n, int close_after)
{
	pid_t pid = fork();

	assert_true(pid != -1);
	if (pid == 0) {
		for (size_t i = 0; i < n; i++) {
			struct timespec ts = { 0, pc[i].delay_ms * 1000000L };

			nanosleep(&ts, NULL);
			if (write(fd, pc[i].p, pc[i].len) != (ssize_t)pc[i].len)
				_exit(1);
		}
		if (!close_after)
			pause();
		_exit(0);
	}
	return pid;
}

static void
reap(pid_t pid)
{
	int st;

	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

static void
pair(int s[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
}

/* What follows the header is still there, byte for byte. */
static void
assert_rest(int fd, const char *rest)
{
	char buf[64];
	ssize_t n = read(fd, buf, sizeof(buf));

	assert_int_equal(n, (ssize_t)strlen(rest));
	assert_memory_equal(buf, rest, strlen(rest));
}

static void
test_read_split_v1(void **state)
{
	const char *line = "PROXY TCP4 192.0.2.7 10.0.0.1 5123 1205\r\n";
	struct piece pc[] = {
		{ line, 3, 0 }, { line + 3, 10, 20 }, { line + 13, 20, 20 },
		{ line + 33, strlen(line) - 34, 20 },
		{ line + strlen(line) - 1, 1, 20 },	/* the LF alone */
		{ "Hello", 5, 20 },
	};
	struct prx_result r;
	int s[2];
	pid_t pid;

	(void)state;
	pair(s);
	pid = writer(s[1], pc, sizeof(pc) / sizeof(pc[0]), 0);
	assert_int_equal(prx_read(s[0], 5000, &r), (int)strlen(line));
	assert_addr(&r.src, "192.0.2.7", 5123);
	assert_rest(s[0], "Hello");
	reap(pid);
	close(s[0]);
	close(s[1]);
}

static void
test_read_split_v2(void **state)
{
	struct hdr h;
	struct piece pc[4];
	struct prx_result r;
	int s[2];
	pid_t pid;

	(void)state;
	v2_tcp6(&h);
	put_text(&h, "abc");	/* sent with the header's tail */
	pc[0] = (struct piece){ h.b, 5, 0 };
	pc[1] = (struct piece){ h.b + 5, 11, 20 };
	pc[2] = (struct piece){ h.b + 16, 20, 20 };
	pc[3] = (struct piece){ h.b + 36, h.len - 36, 20 };
	pair(s);
	pid = writer(s[1], pc, 4, 0);
	assert_int_equal(prx_read(s[0], 5000, &r), 52);
	assert_addr(&r.src, "2001:db8::1", 12345);
	assert_rest(s[0], "abc");
	reap(pid);
	close(s[0]);
	close(s[1]);
}

/* Everything at once, header and data: still not a byte too many. */
static void
test_read_all_at_once(void **state)
{
	const char *v1 = "PROXY UNKNOWN\r\nPROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n";
	struct prx_result r;
	int s[2];

	(void)state;
	pair(s);
	assert_int_equal(write(s[1], v1, strlen(v1)), (ssize_t)strlen(v1));
	assert_int_equal(prx_read(s[0], 1000, &r), 15);
	assert_int_equal(r.family, PRX_FAM_UNKNOWN);
	/* The client's own bytes happen to look like a header: they stay. */
	assert_rest(s[0], "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n");
	close(s[0]);
	close(s[1]);
}

static void
test_read_timeout(void **state)
{
	struct prx_result r;
	int64_t t0;
	int s[2];

	(void)state;
	pair(s);
	assert_int_equal(write(s[1], "PROXY TCP4 1.2", 14), 14);
	t0 = prx_now_ms();
	assert_int_equal(prx_read(s[0], 300, &r), PRX_ERROR);
	assert_int_equal(errno, ETIMEDOUT);
	assert_true(prx_now_ms() - t0 >= 290);
	assert_true(prx_now_ms() - t0 < 3000);
	/* Nothing at all, on a blocking socket, within the deadline too. */
	close(s[0]);
	close(s[1]);
	pair(s);
	t0 = prx_now_ms();
	assert_int_equal(prx_read(s[0], 200, &r), PRX_ERROR);
	assert_int_equal(errno, ETIMEDOUT);
	assert_true(prx_now_ms() - t0 < 3000);
	close(s[0]);
	close(s[1]);
}

static void
test_read_eof_and_garbage(void **state)
{
	struct prx_result r;
	int s[2];

	(void)state;
	pair(s);
	assert_int_equal(write(s[1], "PROXY TCP4 1.2", 14), 14);
	close(s[1]);
	assert_int_equal(prx_read(s[0], 1000, &r), PRX_ERROR);
	assert_int_equal(errno, ECONNABORTED);
	close(s[0]);

	pair(s);
	assert_int_equal(write(s[1], "GET / HTTP/1.0\r\n\r\n", 18), 18);
	assert_int_equal(prx_read(s[0], 1000, &r), PRX_ERROR);
	assert_int_equal(errno, EPROTO);
	close(s[0]);
	close(s[1]);

	/* A v2 header announcing more than we take: refused after 16 bytes. */
	pair(s);
	assert_int_equal(write(s[1], SIG "\x21\x11\xff\xff", 16), 16);
	assert_int_equal(prx_read(s[0], 1000, &r), PRX_ERROR);
	assert_int_equal(errno, EPROTO);
	close(s[0]);
	close(s[1]);
}

/*
 * A descriptor that cannot be read fails at once with its own errno
 * (not taken for a header that is not one); a deadline beyond the
 * longest single wait (60 s) still reads what is there.
 */
static void
test_read_bad_fd_long_wait(void **state)
{
	const char *v1 = "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n";
	struct prx_result r;
	int s[2], fd;

	(void)state;
	pair(s);
	fd = s[0];
	close(s[0]);
	close(s[1]);
	errno = 0;
	assert_int_equal(prx_read(fd, 1000, &r), PRX_ERROR);
	assert_int_equal(errno, EBADF);
	pair(s);
	assert_int_equal(write(s[1], v1, strlen(v1)), (ssize_t)strlen(v1));
	assert_int_equal(prx_read(s[0], 120000, &r), (int)strlen(v1));
	assert_int_equal(r.family, PRX_FAM_TCP4);
	assert_addr(&r.src, "1.2.3.4", 1);
	close(s[0]);
	close(s[1]);
}

/* A v1 line as long as one may be, its CR last with no LF yet: it can
 * only grow past the limit, so it is refused now. */
static void
test_v1_cr_at_limit(void **state)
{
	unsigned char buf[PRX_V1_MAXLEN];
	struct prx_result r;

	(void)state;
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "PROXY UNKNOWN ", 14);
	buf[sizeof(buf) - 1] = '\r';
	assert_int_equal(prx_parse(buf, sizeof(buf), &r), PRX_ERROR);
	assert_int_equal(prx_parse(buf, sizeof(buf) - 1, &r), PRX_MORE);
}

/* The family names the log uses, and none for a value that is no family. */
static void
test_family_names(void **state)
{
	(void)state;
	assert_string_equal(prx_family_name(PRX_FAM_UNSPEC), "UNSPEC");
	assert_string_equal(prx_family_name(PRX_FAM_UNKNOWN), "UNKNOWN");
	assert_string_equal(prx_family_name(PRX_FAM_TCP4), "TCP4");
	assert_string_equal(prx_family_name(PRX_FAM_TCP6), "TCP6");
	assert_string_equal(prx_family_name((enum prx_family)99), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_tcp4),
		cmocka_unit_test(test_v1_tcp6),
		cmocka_unit_test(test_v1_unknown),
		cmocka_unit_test(test_v1_malformed),
		cmocka_unit_test(test_v1_overlong),
		cmocka_unit_test(test_v2_tcp4),
		cmocka_unit_test(test_v2_tcp6),
		cmocka_unit_test(test_v2_tlvs),
		cmocka_unit_test(test_v2_local),
		cmocka_unit_test(test_v2_unknown),
		cmocka_unit_test(test_v2_malformed),
		cmocka_unit_test(test_v2_cap),
		cmocka_unit_test(test_partial),
		cmocka_unit_test(test_read_split_v1),
		cmocka_unit_test(test_read_split_v2),
		cmocka_unit_test(test_read_all_at_once),
		cmocka_unit_test(test_read_timeout),
		cmocka_unit_test(test_read_eof_and_garbage),
		cmocka_unit_test(test_read_bad_fd_long_wait),
		cmocka_unit_test(test_v1_cr_at_limit),
		cmocka_unit_test(test_family_names),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
