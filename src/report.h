/*
 * report.h - the one record a session sends the master when it ends.
 *
 * The master treats every record as hostile input (a session may be
 * compromised): a fixed size, a magic and a version, a type, and fields
 * that rpt_decode() checks one by one.  The pid is never in the record:
 * the master takes it from the kernel's credentials (SO_PASSCRED).
 */
#ifndef CASESERV_REPORT_H
#define CASESERV_REPORT_H

#include <stddef.h>
#include <stdint.h>

#define RPT_MAGIC	0x43535250u	/* "CSRP" */
#define RPT_VERSION	1
#define RPT_SIZE	32		/* bytes on the wire, exactly */
/* Above every system call number a trapped call can have (sandbox.c's
 * default action kills higher numbers without a report). */
#define RPT_SYSNO_MAX	1024

enum rpt_type {
	RPT_CLOSE = 1,		/* the session ended: reason, bytes */
	RPT_SANDBOX,		/* a forbidden system call, from SIGSYS */
	RPT_NTYPES
};

struct rpt_record {
	int		type;		/* enum rpt_type */
	int		reason;		/* enum ses_reason */
	long		sysno;		/* RPT_SANDBOX: the call; else 0 */
	uint64_t	in;		/* bytes read from the client */
	uint64_t	out;		/* bytes echoed */
};

/* Write r as RPT_SIZE bytes into buf.  Async-signal-safe. */
void rpt_encode(const struct rpt_record *r, unsigned char buf[RPT_SIZE]);
/*
 * Check and decode a received record: exactly RPT_SIZE bytes, our magic
 * and version, a known type, a reason that fits it, a plausible system
 * call number.  0 and *out filled, or -1 (and *out untouched).
 */
int rpt_decode(const void *buf, size_t len, struct rpt_record *out);

#endif
