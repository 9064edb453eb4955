/*
 * msg.h - typed messages between main and the acceptor.
 *
 * One SOCK_SEQPACKET socketpair: each message is one record, a header
 * (type, version, length) and a payload, with at most one descriptor
 * (SCM_RIGHTS).  Every message is checked on receipt: its length against
 * the header and against what its type allows, the descriptor against
 * whether its type carries one, every field against its range.  The
 * acceptor's messages are hostile input to main; main's are checked all
 * the same, so that a bug cannot become an acceptor running on garbage.
 */
#ifndef CASESERV_MSG_H
#define CASESERV_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "listeners.h"

enum msg_type {
	MSG_SETTINGS = 1,	/* main: the settings the acceptor uses */
	MSG_ACL,		/* main: allow, deny or trusted_proxies rules, in chunks */
	MSG_LISTENER,		/* main: one listening socket, its name, proxy_protocol */
	MSG_COMMIT,		/* main: that was the whole configuration */
	MSG_LOGSOCK,		/* main: a socket connected to syslog */
	MSG_STATS,		/* main: SIGUSR1, log the stats line */
	MSG_STOP,		/* main: SIGTERM, stop gracefully */
	MSG_APPLIED,		/* acceptor: the configuration is in force */
	MSG_STATUS,		/* acceptor: counters (and that it is alive) */
	MSG_VIOLATION,		/* acceptor: a forbidden call, from SIGSYS */
	MSG_LOG_LOST,		/* acceptor: its syslog socket failed */
	MSG_NTYPES
};

#define MSG_MAXLEN	4096	/* payload bytes, at most */
#define MSG_ACL_CHUNK	128	/* rules per MSG_ACL */
#define MSG_ACL_MAX	65536	/* allow or deny rules, each */
#define MSG_LSN_MAX	1024	/* listeners */

struct msg {
	int		 type;
	size_t		 len;
	int		 fd;		/* the descriptor it carried, or -1 */
	unsigned char	 data[MSG_MAXLEN];
};

/*
 * Send one message; fd -1 for none.  Main's sends block; the acceptor
 * passes MSG_DONTWAIT in flags, so a full channel drops a report rather
 * than stalling the loop.  0, or -1 (errno set).
 */
int msg_send(int sock, int type, const void *data, size_t len, int fd,
    int flags);
/*
 * Receive one message without waiting: 1 and *m filled (m->fd is the
 * caller's to close); 0 when none is waiting; -1 when the channel is
 * closed or broken; -2 for a malformed message, dropped (and its
 * descriptor closed).
 */
int msg_recv(int sock, struct msg *m);
/*
 * The one descriptor of a received message's SCM_RIGHTS data, or -1 when
 * none came; -2 for anything else in the control data (a second
 * descriptor, credentials, ...), every descriptor it brought closed.
 * Also for a session's hand-over (session.c).
 */
struct msghdr;
int msg_take_fd(struct msghdr *mh);

/*
 * Attach one SCM_RIGHTS header carrying fds[0..n) to mh, in cbuf: at
 * least CMSG_SPACE(n * sizeof(int)) bytes, aligned for a cmsghdr (less,
 * or no descriptor at all, is a bug: abort()).  The
 * one way descriptors are sent: the acceptor's messages (msg_send), the
 * spawner's records (spawner.c) and the hand-over (supervisor.c).
 */
void msg_put_fds(struct msghdr *mh, void *cbuf, size_t cbuflen,
    const int *fds, size_t n);

/* ---- the configuration, main to acceptor ------------------------------- */

/* What the acceptor receives: struct cfg's fields it uses, and the
 * listeners (descriptors and names). */
struct msg_config {
	struct cfg	 cfg;
	struct lsn_set	 lsn;
	int		 heartbeat_ms;	/* send MSG_STATUS at least this often */
	size_t		 nallow, ndeny, ntrusted; /* rules received so far */
	int		 open;		/* MSG_SETTINGS seen, no commit yet */
};

/* main: SETTINGS, ACL chunks, one LISTENER per socket, COMMIT. */
int msg_config_send(int sock, const struct cfg *cfg, const struct lsn_set *set,
    int heartbeat_ms);
/*
 * The acceptor: add m (one of the four) to mc.  1: mc is complete (the
 * COMMIT came and every count agrees); 0: more to come; -1: m is out of
 * order or invalid.  A descriptor m carries is mc's from now on.
 */
int msg_config_take(struct msg_config *mc, struct msg *m);
/* Close the descriptors mc holds, free its rules, empty it. */
void msg_config_free(struct msg_config *mc);

/* ---- reports, acceptor to main ------------------------------------------ */

struct msg_status {
	uint64_t	 active, accepted, refused;
};

int msg_status_send(int sock, const struct msg_status *st);
int msg_status_take(const struct msg *m, struct msg_status *st);
/* From a SIGSYS handler: one send(), async-signal-safe. */
void msg_violation_send(int sock, long nr);
int msg_violation_take(const struct msg *m, long *nr);

#endif
