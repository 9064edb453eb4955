/*
 * proxy.c - the PROXY protocol header, versions 1 and 2, parsed strictly
 * and within fixed bounds.
 *
 * SECURITY: every byte here comes from the network before any check of
 * who sent it has been made by the session, and the header decides which
 * client address the allow/deny lists, the limits and the logs see.  So
 * the parser is pure (no allocation, no state, no system call), reads
 * nothing beyond len, accepts exactly the spec's grammar and nothing
 * "close enough", and caps what it will wait for at PRX_MAXLEN bytes.
 * It runs in the sandboxed session, never in the acceptor or main.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proxy.h"

#define V2_SIGLEN	12
#define V2_VERSION	0x20		/* high nibble of byte 13 */
#define V2_CMD_LOCAL	0x00
#define V2_CMD_PROXY	0x01
#define TLV_HDRLEN	3		/* type, length (16 bits) */

static const unsigned char v2_sig[V2_SIGLEN] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

/* v1 lines start with one of these; the shortest whole line of each. */
static const struct v1_lead {
	const char	*text;
	enum prx_family	 family;
	size_t		 minline;
	const char	*charset;	/* of the rest of the line; NULL: any */
} v1_leads[] = {
	{ "PROXY TCP4 ", PRX_FAM_TCP4, sizeof("PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n") - 1,
	  "0123456789. " },
	{ "PROXY TCP6 ", PRX_FAM_TCP6, sizeof("PROXY TCP6 :: :: 0 0\r\n") - 1,
	  "0123456789abcdefABCDEF:. " },
	{ "PROXY UNKNOWN", PRX_FAM_UNKNOWN, sizeof("PROXY UNKNOWN\r\n") - 1, NULL },
};
#define V1_NLEADS	(sizeof(v1_leads) / sizeof(v1_leads[0]))

/* v2 family and transport byte: the address block's size, what we make of it. */
static const struct v2_fam {
	unsigned char	 byte;
	size_t		 addrlen;
	enum prx_family	 family;
} v2_fams[] = {
	{ 0x00, 0, PRX_FAM_UNKNOWN },		/* AF_UNSPEC: ignore addresses */
	{ 0x11, 12, PRX_FAM_TCP4 },
	{ 0x12, 12, PRX_FAM_UNKNOWN },		/* UDP4: not ours, fall back */
	{ 0x21, 36, PRX_FAM_TCP6 },
	{ 0x22, 36, PRX_FAM_UNKNOWN },		/* UDP6 */
	{ 0x31, 216, PRX_FAM_UNKNOWN },		/* AF_UNIX stream */
	{ 0x32, 216, PRX_FAM_UNKNOWN },		/* AF_UNIX datagram */
};
#define V2_NFAMS	(sizeof(v2_fams) / sizeof(v2_fams[0]))

static size_t
min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* ---- version 1 ---------------------------------------------------------- */

/* The lead buf[0..len) starts, or could still start; NULL if none. */
static const struct v1_lead *
v1_lead_of(const unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < V1_NLEADS; i++) {
		size_t n = strlen(v1_leads[i].text);

		if (memcmp(buf, v1_leads[i].text, min_size(len, n)) == 0)
			return &v1_leads[i];
	}
	return NULL;
}

/* Could line[0..len), still without its CRLF, begin a valid line? */
static int
v1_prefix_ok(const unsigned char *line, size_t len)
{
	const struct v1_lead *lead = v1_lead_of(line, len);
	size_t n;

	if (lead == NULL)
		return 0;
	n = strlen(lead->text);
	if (lead->charset == NULL)	/* UNKNOWN: then a space or the end */
		return len <= n || line[n] == ' ';
	for (size_t i = n; i < len; i++)
		if (strchr(lead->charset, line[i]) == NULL || line[i] == '\0')
			return 0;
	return 1;
}

/* The next field of a line, up to a single space or the end; its length. */
static size_t
v1_field(const char **p, const char *end, const char **field)
{
	const char *s = *p;

	*field = s;
	while (s < end && *s != ' ')
		s++;
	*p = s < end ? s + 1 : s;	/* past the space */
	return (size_t)(s - *field);
}

/* An address of the given family, written as the spec wants it. */
static int
v1_addr(const char *s, size_t len, int af, void *dst)
{
	char text[INET6_ADDRSTRLEN];

	if (len == 0 || len >= sizeof(text))
		return -1;
	memcpy(text, s, len);
	text[len] = '\0';
	/* inet_pton refuses leading zeros in IPv4 ("010.0.0.1": octal?). */
	return inet_pton(af, text, dst) == 1 ? 0 : -1;
}

/* 0..65535 in decimal, no sign, no leading zero. */
static int
v1_port(const char *s, size_t len, uint16_t *port)
{
	unsigned long v = 0;

	if (len == 0 || len > 5 || (s[0] == '0' && len > 1))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*port = htons((uint16_t)v);
	return 0;
}

/* "SRC DST SPORT DPORT" of a TCP4 or TCP6 line, nothing more. */
static int
v1_addresses(const char *p, const char *end, enum prx_family fam,
    struct prx_result *r)
{
	const char *f[4];
	size_t n[4];
	int af = fam == PRX_FAM_TCP4 ? AF_INET : AF_INET6;

	for (int i = 0; i < 4; i++) {
		if (p >= end)
			return -1;
		n[i] = v1_field(&p, end, &f[i]);
	}
	if (p != end || end[-1] == ' ')	/* a fifth field, or a trailing space */
		return -1;
	memset(&r->src, 0, sizeof(r->src));
	memset(&r->dst, 0, sizeof(r->dst));
	if (af == AF_INET) {
		struct sockaddr_in *s = (void *)&r->src, *d = (void *)&r->dst;

		s->sin_family = d->sin_family = AF_INET;
		return v1_addr(f[0], n[0], af, &s->sin_addr) == -1 ||
		    v1_addr(f[1], n[1], af, &d->sin_addr) == -1 ||
		    v1_port(f[2], n[2], &s->sin_port) == -1 ||
		    v1_port(f[3], n[3], &d->sin_port) == -1 ? -1 : 0;
	} else {
		struct sockaddr_in6 *s = (void *)&r->src, *d = (void *)&r->dst;

		s->sin6_family = d->sin6_family = AF_INET6;
		return v1_addr(f[0], n[0], af, &s->sin6_addr) == -1 ||
		    v1_addr(f[1], n[1], af, &d->sin6_addr) == -1 ||
		    v1_port(f[2], n[2], &s->sin6_port) == -1 ||
		    v1_port(f[3], n[3], &d->sin6_port) == -1 ? -1 : 0;
	}
}

/* A whole line, line[0..len) without its CRLF. */
static int
v1_line(const unsigned char *line, size_t len, struct prx_result *out)
{
	const struct v1_lead *lead = v1_lead_of(line, len);
	struct prx_result r;
	size_t n;

	if (lead == NULL || len < (n = strlen(lead->text)) ||
	    !v1_prefix_ok(line, len))
		return -1;
	memset(&r, 0, sizeof(r));
	r.version = 1;
	r.command = PRX_CMD_PROXY;
	r.family = lead->family;
	/* UNKNOWN: "the receiver must ignore anything presented before the
	 * CRLF"; we checked above that a space separates it. */
	if (lead->family != PRX_FAM_UNKNOWN &&
	    v1_addresses((const char *)line + n, (const char *)line + len,
	    lead->family, &r) == -1)
		return -1;
	*out = r;
	return 0;
}

static int
v1_parse(const unsigned char *buf, size_t len, struct prx_result *out)
{
	size_t n = min_size(len, PRX_V1_MAXLEN), i;

	for (i = 0; i < n && buf[i] != '\r' && buf[i] != '\n'; i++)
		continue;
	if (i == n)	/* no end of line yet: within bounds and plausible? */
		return n < PRX_V1_MAXLEN && v1_prefix_ok(buf, n) ?
		    PRX_MORE : PRX_ERROR;
	/* A lone LF, or a CR followed by anything but LF, ends nothing. */
	if (buf[i] == '\n')
		return PRX_ERROR;
	if (i + 1 == n)
		return n < PRX_V1_MAXLEN && v1_prefix_ok(buf, i) ?
		    PRX_MORE : PRX_ERROR;
	if (buf[i + 1] != '\n' || v1_line(buf, i, out) == -1)
		return PRX_ERROR;
	return (int)(i + 2);
}

/* ---- version 2 ---------------------------------------------------------- */

static const struct v2_fam *
v2_fam_of(unsigned char byte)
{
	for (size_t i = 0; i < V2_NFAMS; i++)
		if (v2_fams[i].byte == byte)
			return &v2_fams[i];
	return NULL;
}

/*
 * The TLVs that follow the addresses: each must fit inside the header,
 * and nothing may be left over that is too short to be one.  Their
 * contents are not needed and not read.
 */
static int
v2_tlvs_ok(const unsigned char *p, size_t len)
{
	while (len > 0) {
		size_t vlen;

		if (len < TLV_HDRLEN)
			return 0;
		vlen = (size_t)p[1] << 8 | p[2];
		if (vlen > len - TLV_HDRLEN)
			return 0;
		p += TLV_HDRLEN + vlen;
		len -= TLV_HDRLEN + vlen;
	}
	return 1;
}

static void
v2_addresses(const unsigned char *p, enum prx_family fam,
    struct prx_result *r)
{
	if (fam == PRX_FAM_TCP4) {
		struct sockaddr_in *s = (void *)&r->src, *d = (void *)&r->dst;

		s->sin_family = d->sin_family = AF_INET;
		memcpy(&s->sin_addr, p, 4);
		memcpy(&d->sin_addr, p + 4, 4);
		memcpy(&s->sin_port, p + 8, 2);
		memcpy(&d->sin_port, p + 10, 2);
	} else {
		struct sockaddr_in6 *s = (void *)&r->src, *d = (void *)&r->dst;

		s->sin6_family = d->sin6_family = AF_INET6;
		memcpy(&s->sin6_addr, p, 16);
		memcpy(&d->sin6_addr, p + 16, 16);
		memcpy(&s->sin6_port, p + 32, 2);
		memcpy(&d->sin6_port, p + 34, 2);
	}
}

/*
 * The fixed part, as far as len reaches: signature, version, command,
 * family (for PROXY only: LOCAL ignores it, as the spec says), length.
 * 0 while it is plausible; *body gets the length once known.
 */
static int
v2_fixed(const unsigned char *buf, size_t len, size_t *body)
{
	const struct v2_fam *fam = NULL;
	int local;

	if (memcmp(buf, v2_sig, min_size(len, V2_SIGLEN)) != 0)
		return -1;
	if (len <= V2_SIGLEN)
		return 0;
	if ((buf[12] & 0xf0) != V2_VERSION ||
	    ((buf[12] & 0x0f) != V2_CMD_LOCAL && (buf[12] & 0x0f) != V2_CMD_PROXY))
		return -1;
	local = (buf[12] & 0x0f) == V2_CMD_LOCAL;
	if (len > 13 && !local && (fam = v2_fam_of(buf[13])) == NULL)
		return -1;
	if (len < PRX_V2_HDRLEN)
		return 0;
	*body = (size_t)buf[14] << 8 | buf[15];
	if (*body > PRX_V2_MAXBODY || (fam != NULL && *body < fam->addrlen))
		return -1;
	return 0;
}

static int
v2_parse(const unsigned char *buf, size_t len, struct prx_result *out)
{
	const struct v2_fam *fam;
	struct prx_result r;
	size_t body = 0;

	if (v2_fixed(buf, len, &body) == -1)
		return PRX_ERROR;
	if (len < PRX_V2_HDRLEN || len < PRX_V2_HDRLEN + body)
		return PRX_MORE;
	memset(&r, 0, sizeof(r));
	r.version = 2;
	if ((buf[12] & 0x0f) == V2_CMD_LOCAL) {
		/* The proxy's own connection (a health check): the whole
		 * block, family included, is skipped unread. */
		r.command = PRX_CMD_LOCAL;
		r.family = PRX_FAM_UNSPEC;
	} else {
		/* Checked by v2_fixed() already; said again for the
		 * analysers, which do not follow it there. */
		if ((fam = v2_fam_of(buf[13])) == NULL)
			return PRX_ERROR;
		r.command = PRX_CMD_PROXY;
		r.family = fam->family;
		/* AF_UNSPEC has no address block: what follows is ignored. */
		if (fam->byte != 0x00 && !v2_tlvs_ok(buf + PRX_V2_HDRLEN +
		    fam->addrlen, body - fam->addrlen))
			return PRX_ERROR;
		if (r.family == PRX_FAM_TCP4 || r.family == PRX_FAM_TCP6)
			v2_addresses(buf + PRX_V2_HDRLEN, r.family, &r);
	}
	*out = r;
	return (int)(PRX_V2_HDRLEN + body);
}

/* ---- the API ---------------------------------------------------------------- */

int
prx_parse(const unsigned char *buf, size_t len, struct prx_result *out)
{
	if (len == 0)
		return PRX_MORE;
	if (buf[0] == v2_sig[0])
		return v2_parse(buf, len, out);
	if (buf[0] == 'P')
		return v1_parse(buf, len, out);
	return PRX_ERROR;
}

/*
 * How many more bytes can be read without passing the end of the header
 * that buf[0..have) begins (prx_parse said PRX_MORE): never more than the
 * shortest valid header could still need.
 */
static size_t
prx_want(const unsigned char *buf, size_t have)
{
	const struct v1_lead *lead;
	size_t min = 15;	/* "PROXY UNKNOWN\r\n"; v2 is 16 at least */

	if (have > 0 && buf[0] == v2_sig[0]) {
		if (have < PRX_V2_HDRLEN)
			return PRX_V2_HDRLEN - have;
		return PRX_V2_HDRLEN + ((size_t)buf[14] << 8 | buf[15]) - have;
	}
	if (have > 0 && (lead = v1_lead_of(buf, have)) != NULL &&
	    have >= strlen(lead->text))
		min = lead->minline;
	if (have < min)
		return min - have;
	/* Past the shortest line: at least the CRLF, or its LF, is to come. */
	return min_size(buf[have - 1] == '\r' ? 1 : 2, PRX_V1_MAXLEN - have);
}

static int64_t
prx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until fd is readable or the deadline passes; 0 or -1 (errno). */
static int
prx_wait(int fd, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int64_t left;
	int n;

	for (;;) {
		if ((left = deadline - prx_now_ms()) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return 0;
		if (n == -1 && errno != EINTR)
			return -1;
	}
}

int
prx_read(int fd, int timeout_ms, struct prx_result *out)
{
	unsigned char buf[PRX_MAXLEN];
	int64_t deadline = prx_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	size_t have = 0;
	ssize_t n;
	int rc;

	while ((rc = prx_parse(buf, have, out)) == PRX_MORE) {
		/* Poll first: on a blocking socket read() would outlast
		 * the deadline. */
		if (prx_wait(fd, deadline) == -1)
			return PRX_ERROR;
		n = read(fd, buf + have, prx_want(buf, have));
		if (n > 0)
			have += (size_t)n;
		else if (n == 0) {
			errno = ECONNABORTED;
			return PRX_ERROR;
		} else if (errno != EINTR && errno != EAGAIN)
			return PRX_ERROR;
	}
	if (rc == PRX_ERROR)
		errno = EPROTO;
	return rc;
}

const char *
prx_family_name(enum prx_family family)
{
	switch (family) {
	case PRX_FAM_UNSPEC:	return "UNSPEC";
	case PRX_FAM_UNKNOWN:	return "UNKNOWN";
	case PRX_FAM_TCP4:	return "TCP4";
	case PRX_FAM_TCP6:	return "TCP6";
	}
	return "?";
}
