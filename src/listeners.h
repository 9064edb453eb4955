/*
 * listeners.h - the listening sockets: every address of every `listen`
 * entry, bound once, kept across reloads when still configured.
 */
#ifndef CASESERV_LISTENERS_H
#define CASESERV_LISTENERS_H

#include <stddef.h>
#include <sys/socket.h>

#include "conf.h"

struct lsn {
	int			fd;
	struct sockaddr_storage	addr;
	socklen_t		addrlen;
	char			name[64];	/* "127.0.0.1:1205", "[::1]:1205" */
	int			proxy_protocol;	/* a PROXY header comes first */
	int			reuse_port;	/* bound with SO_REUSEPORT */
};

struct lsn_set {
	struct lsn	*v;
	size_t		 n;
	int		 inherited;	/* from the service manager: kept as is */
};

/*
 * Make set match cfg: sockets present in both stay open, new ones are bound
 * (non-blocking, SO_REUSEADDR, IPV6_V6ONLY, SO_REUSEPORT if the entry has
 * reuse_port), removed ones are closed.  A kept socket takes the entry's
 * proxy_protocol at once; a changed reuse_port is logged as needing a
 * restart and the socket keeps the option it was bound with.  An
 * inherited set is left as it is (`listen` is then not used).  On
 * any failure nothing changes, -1 is returned and err says why; *status
 * is the exit status to use at start-up: EX_CONFIG for a host or service
 * that does not exist (err then reads FILE:LINE: ...), else EX_OSERR.
 */
int lsn_reconcile(struct lsn_set *set, const struct cfg *cfg, char *err,
    size_t errlen, int *status);
/*
 * Add fd, a socket handed over by the service manager, to set, which is
 * then inherited: a reconcile leaves it alone.  The socket must be a
 * listening TCP socket (SOCK_STREAM, AF_INET or AF_INET6); it is made
 * non-blocking and close-on-exec.  0, or -1 with err set.
 */
int lsn_adopt(struct lsn_set *set, int fd, char *err, size_t errlen);
void lsn_close_all(struct lsn_set *set);
/* Lowest port bound, so the master knows whether to keep CAP_NET_BIND_SERVICE. */
int lsn_lowest_port(const struct lsn_set *set);
/* "192.0.2.7:5123" or "[2001:db8::1]:5123", as every log line writes a
 * peer (inet_ntop's text), cut to fit len with a NUL.  No stdio: a session
 * names its peer with it under its filter. */
void lsn_addr_name(const struct sockaddr *sa, char *buf, size_t len);

#endif
