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
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "report.h"
#include "session.h"

#define PUT(buf, off, v)	memcpy((buf) + (off), &(v), sizeof(v))
#define GET(buf, off, v)	memcpy(&(v), (const unsigned char *)(buf) + (off), sizeof(v))

void
rpt_encode(const struct rpt_record *r, unsigned char buf[RPT_SIZE])
{
	uint32_t magic = RPT_MAGIC, reason = (uint32_t)r->reason;
	uint32_t sysno = (uint32_t)r->sysno;
	uint16_t version = RPT_VERSION, type = (uint16_t)r->type;

	PUT(buf, 0, magic);
	PUT(buf, 4, version);
	PUT(buf, 6, type);
	PUT(buf, 8, reason);
	PUT(buf, 12, sysno);
	PUT(buf, 16, r->in);
	PUT(buf, 24, r->out);
}

/* SECURITY: a compromised session writes whatever it likes here. */
int
rpt_decode(const void *buf, size_t len, struct rpt_record *out)
{
	uint32_t magic, reason, sysno;
	uint16_t version, type;
	uint64_t in, outb;

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
	/* A close says how the loop ended; a violation has its own type. */
	if (type == RPT_CLOSE) {
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
	return 0;
}
