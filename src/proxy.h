/*
 * proxy.h - the PROXY protocol header (HAProxy's proxy-protocol.txt,
 * versions 1 and 2) that a load balancer sends before the client's bytes,
 * naming the client it relays.
 *
 * prx_parse() is pure: no allocation, no system call, no state; it reads
 * at most len bytes of buf and never asks for more than PRX_MAXLEN.
 * prx_read() takes one header off a socket with read() and poll() only,
 * so it runs under the session's seccomp filter, and never reads a byte
 * past the header: what follows is the client's and is served as such.
 */
#ifndef CASESERV_PROXY_H
#define CASESERV_PROXY_H

#include <stddef.h>
#include <sys/socket.h>

/* Version 1: one text line, CRLF included (the spec's worst case). */
#define PRX_V1_MAXLEN	107
/* Version 2: the fixed part, then the address block and TLVs. */
#define PRX_V2_HDRLEN	16
/*
 * The spec allows 65535 bytes of addresses and TLVs.  We take 512: the
 * largest address block (two AF_UNIX paths) is 216 bytes, and what
 * proxies append (ALPN, authority, a unique id of at most 128 bytes, TLS
 * names, CRC32C) fits in the rest.  A longer header is refused, so a
 * proxy (or whoever poses as one) cannot make a session buffer 64 KiB.
 */
#define PRX_V2_MAXBODY	512
#define PRX_MAXLEN	(PRX_V2_HDRLEN + PRX_V2_MAXBODY)

/* prx_parse(): these, or the header's length (> 0). */
#define PRX_MORE	0	/* a valid prefix: read more, then call again */
#define PRX_ERROR	(-1)	/* not a valid header: close the connection */

enum prx_command {
	PRX_CMD_LOCAL,		/* v2 LOCAL: the proxy's own connection */
	PRX_CMD_PROXY		/* relayed on behalf of a client */
};

enum prx_family {
	PRX_FAM_UNSPEC,		/* LOCAL: the address block was ignored */
	PRX_FAM_UNKNOWN,	/* PROXY with no usable address: v1 UNKNOWN,
				 * v2 AF_UNSPEC, AF_UNIX, UDP */
	PRX_FAM_TCP4,		/* src and dst are sockaddr_in */
	PRX_FAM_TCP6		/* src and dst are sockaddr_in6 */
};

struct prx_result {
	int			version;	/* 1 or 2 */
	enum prx_command	command;
	enum prx_family		family;
	/*
	 * The client (src) and the address it connected to (dst); filled for
	 * TCP4 and TCP6 only, all zero otherwise.  For UNSPEC and UNKNOWN
	 * the peer is the proxy itself, as if there were no header.
	 */
	struct sockaddr_storage	src;
	struct sockaddr_storage	dst;
};

/*
 * Parse the header at the start of buf[0..len).  Returns its length
 * (> 0, at most PRX_MAXLEN) with *out filled; PRX_MORE when buf is a
 * proper prefix of a header that could still be valid (never for
 * len >= PRX_MAXLEN); PRX_ERROR for anything else, as early as the
 * first byte that cannot belong to a valid header.  *out is written only
 * on success.
 */
int prx_parse(const unsigned char *buf, size_t len, struct prx_result *out);

/*
 * Read one header from fd (blocking or not) within timeout_ms, reading
 * nothing beyond it.  Returns its length with *out filled, or PRX_ERROR
 * with errno: EPROTO (not a valid header), ETIMEDOUT, ECONNABORTED (end
 * of file before the header was complete), or read()'s and poll()'s own.
 * A signal does not end the wait early; the deadline does.
 */
int prx_read(int fd, int timeout_ms, struct prx_result *out);

/* "v1 TCP4" ... for messages: the version and family of a result. */
const char *prx_family_name(enum prx_family family);

#endif
