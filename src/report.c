/*
 * report.c - the session's report, encoded and checked.
 *
 * The layout is explicit (fixed-width fields at fixed offsets, host byte
 * order: both ends are the same binary on the same machine), so neither
 * padding nor a change of struct rpt_record can make the two ends
 * disagree silently; the version says when the layout changes.
 *
 *	 0  uint32  magic		 4  uint16  version
 *	 6  uint16  type		 8  uint32  reason
 *	12  uint32  sysno		16  uint64  in
 *	24  uint64  out
 *
 * RPT_PEER puts the client's address where the others have their fields:
 *
 *	 8  uint16  family (AF_INET, AF_INET6)	10  uint16  address length
 *	12  uint16  port (network order)	14  uint16  zero
 *	16  4 or 16 address bytes, the rest of the 16 zero
 *
 * RPT_LOCAL has all of bytes 8..31 zero, RPT_VERDICT only its reason.
 *
 * The hand-over (RPT_START_SIZE bytes, its own magic):
 *
 *	 0  uint32  magic "CSST"	 4  uint16  version
 *	 6  uint16  zero		 8  uint32  idle_timeout
 *	12  uint32  session_timeout	16  int64   max_bytes
 *	24  uint32  proxy_timeout	28  uint32  zero
 *	32  the peer, as RPT_PEER's bytes 8..31	56  8 bytes zero
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <netinet/in.h>
#include <string.h>

#include "report.h"
#include "session.h"

#define PUT(buf, off, v)	memcpy((buf) + (off), &(v), sizeof(v))
#define GET(buf, off, v)	memcpy(&(v), (const unsigned char *)(buf) + (off), sizeof(v))

/* The client's address, at 8..31 (the layout above). */
static void
rpt_put_peer(const struct sockaddr_storage *ss, unsigned char *buf)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	uint16_t family = ss->ss_family, len = 0, port = 0;

	memset(buf + 8, 0, RPT_SIZE - 8);
	if (family == AF_INET) {
		len = 4;
		port = sin->sin_port;
		memcpy(buf + 16, &sin->sin_addr, 4);
	} else if (family == AF_INET6) {
		len = 16;
		port = sin6->sin6_port;
		memcpy(buf + 16, &sin6->sin6_addr, 16);
	}
	PUT(buf, 8, family);
	PUT(buf, 10, len);
	PUT(buf, 12, port);
}

void
rpt_encode(const struct rpt_record *r, unsigned char buf[RPT_SIZE])
{
	uint32_t magic = RPT_MAGIC, reason = (uint32_t)r->reason;
	uint32_t sysno = (uint32_t)r->sysno;
	uint16_t version = RPT_VERSION, type = (uint16_t)r->type;

	PUT(buf, 0, magic);
	PUT(buf, 4, version);
	PUT(buf, 6, type);
	if (r->type == RPT_PEER) {
		rpt_put_peer(&r->peer, buf);
		return;
	}
	PUT(buf, 8, reason);
	PUT(buf, 12, sysno);
	PUT(buf, 16, r->in);
	PUT(buf, 24, r->out);
}

static int
rpt_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/*
 * SECURITY: the address the acceptor runs admission for.  Only the two
 * families, each with exactly its length, and nothing in the bytes it
 * does not use, so that one address has one encoding.
 */
static int
rpt_get_peer(const unsigned char *buf, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	uint16_t family, len, port, pad;

	GET(buf, 8, family);
	GET(buf, 10, len);
	GET(buf, 12, port);
	GET(buf, 14, pad);
	if (pad != 0)
		return -1;
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET && len == 4 && rpt_zero(buf + 20, 12)) {
		sin->sin_family = AF_INET;
		sin->sin_port = port;
		memcpy(&sin->sin_addr, buf + 16, 4);
		return 0;
	}
	if (family == AF_INET6 && len == 16) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = port;
		memcpy(&sin6->sin6_addr, buf + 16, 16);
		return 0;
	}
	return -1;
}

/* SECURITY: a compromised session writes whatever it likes here. */
int
rpt_decode(const void *buf, size_t len, struct rpt_record *out)
{
	uint32_t magic, reason, sysno;
	uint16_t version, type;
	uint64_t in, outb;
	struct sockaddr_storage peer;

	if (buf == NULL || len != RPT_SIZE)
		return -1;
	GET(buf, 0, magic);
	GET(buf, 4, version);
	GET(buf, 6, type);
	GET(buf, 8, reason);
	GET(buf, 12, sysno);
	GET(buf, 16, in);
	GET(buf, 24, outb);
	if (magic != RPT_MAGIC || version != RPT_VERSION)
		return -1;
	memset(&peer, 0, sizeof(peer));
	/* A close says how the loop ended; a violation has its own type. */
	if (type == RPT_PEER) {
		if (rpt_get_peer(buf, &peer) == -1)
			return -1;
		reason = sysno = 0;
		in = outb = 0;
	} else if (type == RPT_LOCAL) {
		if (!rpt_zero((const unsigned char *)buf + 8, RPT_SIZE - 8))
			return -1;
	} else if (type == RPT_VERDICT) {
		if ((reason != RPT_REFUSE && reason != RPT_PROCEED) ||
		    !rpt_zero((const unsigned char *)buf + 12, RPT_SIZE - 12))
			return -1;
	} else if (type == RPT_CLOSE) {
		if (reason <= SES_OK || reason >= SES_NREASONS ||
		    reason == SES_SANDBOX || sysno != 0)
			return -1;
	} else if (type == RPT_SANDBOX) {
		if (reason != SES_SANDBOX || sysno >= RPT_SYSNO_MAX)
			return -1;
	} else
		return -1;
	out->type = type;
	out->reason = (int)reason;
	out->sysno = (long)sysno;
	out->in = in;
	out->out = outb;
	out->peer = peer;
	return 0;
}

void
rpt_encode_start(const struct rpt_start *st, unsigned char buf[RPT_START_SIZE])
{
	uint32_t magic = RPT_START_MAGIC, idle = (uint32_t)st->idle_timeout;
	uint32_t sess = (uint32_t)st->session_timeout;
	uint32_t proxy = (uint32_t)st->proxy_timeout;
	uint16_t version = RPT_VERSION;

	memset(buf, 0, RPT_START_SIZE);
	PUT(buf, 0, magic);
	PUT(buf, 4, version);
	PUT(buf, 8, idle);
	PUT(buf, 12, sess);
	PUT(buf, 16, st->max_bytes);
	PUT(buf, 24, proxy);
	/* rpt_put_peer writes bytes 8..31 of where it is given: 32..55. */
	rpt_put_peer(&st->peer, buf + 24);
}

int
rpt_decode_start(const void *buf, size_t len, struct rpt_start *out)
{
	const unsigned char *b = buf;
	uint32_t magic, idle, sess, proxy, pad;
	uint16_t version, type;
	int64_t max;
	struct sockaddr_storage peer;

	if (buf == NULL || len != RPT_START_SIZE)
		return -1;
	GET(b, 0, magic);
	GET(b, 4, version);
	GET(b, 6, type);
	GET(b, 8, idle);
	GET(b, 12, sess);
	GET(b, 16, max);
	GET(b, 24, proxy);
	GET(b, 28, pad);
	if (magic != RPT_START_MAGIC || version != RPT_VERSION || type != 0 ||
	    pad != 0 || idle > RPT_TIMEOUT_MAX || sess > RPT_TIMEOUT_MAX ||
	    max < 0 || proxy > RPT_PROXY_MAX || !rpt_zero(b + 56, 8) ||
	    rpt_get_peer(b + 24, &peer) == -1)
		return -1;
	out->idle_timeout = (int)idle;
	out->session_timeout = (int)sess;
	out->max_bytes = max;
	out->proxy_timeout = (int)proxy;
	out->peer = peer;
	return 0;
}
