/*
 * report.h - the records on a session's channel.
 *
 * A session sends the acceptor one record when it ends (RPT_CLOSE, or
 * RPT_SANDBOX from its SIGSYS handler); behind a PROXY-protocol listener
 * it first sends the client the header named (RPT_PEER, or RPT_LOCAL for
 * "the proxy itself") and waits for the acceptor's RPT_VERDICT.
 *
 * The acceptor treats every record from a session as hostile input (a
 * session may be compromised): a fixed size, a magic and a version, a
 * type, and fields that rpt_decode() checks one by one.  Which session a
 * record belongs to is the channel it came on, never its contents.
 */
#ifndef CASESERV_REPORT_H
#define CASESERV_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define RPT_MAGIC	0x43535250u	/* "CSRP" */
#define RPT_VERSION	1
#define RPT_SIZE	32		/* bytes on the wire, exactly */
/* Above every system call number a trapped call can have (sandbox.c's
 * default action kills higher numbers without a report). */
#define RPT_SYSNO_MAX	1024

enum rpt_type {
	RPT_CLOSE = 1,		/* the session ended: reason, bytes */
	RPT_SANDBOX,		/* a forbidden system call, from SIGSYS */
	RPT_PEER,		/* session: the client a PROXY header named */
	RPT_LOCAL,		/* session: a header naming no client (v1
				 * UNKNOWN, v2 LOCAL, ...): the proxy itself */
	RPT_VERDICT,		/* acceptor: serve it (reason 1) or not (0) */
	RPT_NTYPES
};

#define RPT_REFUSE	0	/* RPT_VERDICT's reason */
#define RPT_PROCEED	1

struct rpt_record {
	int		type;		/* enum rpt_type */
	int		reason;		/* enum ses_reason; RPT_VERDICT: above */
	long		sysno;		/* RPT_SANDBOX: the call; else 0 */
	uint64_t	in;		/* bytes read from the client */
	uint64_t	out;		/* bytes echoed */
	/* RPT_PEER: the client, AF_INET or AF_INET6 (port and address
	 * only; in and out are 0 on the wire). */
	struct sockaddr_storage peer;
};

/*
 * The hand-over: what a pre-forked session is told with its client's
 * socket (SCM_RIGHTS beside it), in one message of its own size on the
 * same channel.  The settings are the acceptor's at the hand-over, so a
 * reload applies to the next session handed a client.
 */
#define RPT_START_MAGIC	0x43535354u	/* "CSST" */
#define RPT_START_SIZE	64
#define RPT_TIMEOUT_MAX	0x7fffffffu	/* seconds: an int */
#define RPT_PROXY_MAX	3600u

struct rpt_start {
	int		idle_timeout;		/* seconds, 0 = none */
	int		session_timeout;	/* seconds, 0 = none */
	int64_t		max_bytes;		/* 0 = no limit */
	int		proxy_timeout;		/* 0: no PROXY header comes */
	/* The peer (direct client, or the proxy): AF_INET or AF_INET6,
	 * for the session's title only. */
	struct sockaddr_storage peer;
};

void rpt_encode_start(const struct rpt_start *st,
    unsigned char buf[RPT_START_SIZE]);
/* Exactly RPT_START_SIZE bytes, magic and version, every field in its
 * range, unused bytes zero.  0 and *out filled, or -1. */
int rpt_decode_start(const void *buf, size_t len, struct rpt_start *out);

/* Write r as RPT_SIZE bytes into buf.  Async-signal-safe. */
void rpt_encode(const struct rpt_record *r, unsigned char buf[RPT_SIZE]);
/*
 * Check and decode a received record: exactly RPT_SIZE bytes, our magic
 * and version, a known type, a reason that fits it, a plausible system
 * call number; for RPT_PEER an AF_INET or AF_INET6 address of exactly its
 * family's length, every unused byte zero.  0 and *out filled, or -1 (and
 * *out untouched).
 */
int rpt_decode(const void *buf, size_t len, struct rpt_record *out);

#endif
