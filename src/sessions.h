/*
 * sessions.h - the acceptor's book of sessions: who runs (pid and
 * pidfd), where each one's record arrives (a channel of its own), and who
 * has exited (the SIGCHLD handler's ring).
 */
#ifndef CASESERV_SESSIONS_H
#define CASESERV_SESSIONS_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/types.h>

#include "report.h"

struct adm_host;

struct sst_session {
	pid_t			 pid;		/* 0: a free slot */
	int			 pidfd;		/* the process, for signals */
	int			 chan;		/* its channel, our end; -1 once read */
	int			 killed;	/* SIGKILL sent */
	int			 overdue;	/* ... for outliving overdue_at */
	int64_t			 start;		/* ms, CLOCK_MONOTONIC */
	int64_t			 overdue_at;	/* session_timeout + grace, ms;
						 * 0: no deadline here */
	struct adm_host		*host;
	char			 peer[64];
	/* Behind a PROXY-protocol listener: */
	char			 via[64];	/* the proxy; "" for a direct client */
	union {
		struct sockaddr		sa;
		struct sockaddr_in	sin;
		struct sockaddr_in6	sin6;
	}			 proxy;		/* its address (v2 LOCAL's client) */
	int64_t			 deadline;	/* for the client's name, ms */
	size_t			 waiting;	/* index in the awaiting list + 1;
						 * 0: not awaiting a verdict */
	int			 refused;	/* its client was refused */
	int			 proxy_failed;	/* garbage or late: proxy_error */
	/* Forked ahead of need (spawner.h): SST_IDLE in the pool, waiting
	 * for a client; SST_LEAVING let go at shutdown; 0 serving one. */
	int			 pooled;
};

#define SST_IDLE	1
#define SST_LEAVING	2

/* From the SIGCHLD handler: reap every exited child into the ring with
 * waitpid(WNOHANG).  Async-signal-safe. */
void sst_reap(void);
/* Room for one more session; 0, or -1 when out of memory. */
int sst_reserve(void);
/* A table far larger than the sessions in it made smaller: 1 if it was,
 * 0 if not (nothing to gain, or out of memory: it stays as it was). */
int sst_shrink(void);
size_t sst_capacity(void);
/*
 * A new session process, with all signals blocked across the clone (the
 * child must never run the acceptor's handlers; they stay blocked in it).
 * In the child: 0, and *chan is its end of the channel.  In the
 * parent: the pid, and *s its entry (pid, pidfd, channel set; the rest is
 * the caller's).  -1 on failure (errno set), nothing recorded.
 */
pid_t sst_spawn(struct sst_session **s, int *chan);
/*
 * The next reaped exit: 1 with *pid, *status and *s its entry, or NULL
 * for a pid not in the book (the spawner; a pooled session already let
 * go); 0 when there is none left.
 */
int sst_next_exit(struct sst_session **s, pid_t *pid, int *status);
/*
 * The pool: sessions forked ahead of need, idle.  sst_pool_add() books
 * one (0; -1 out of memory, or EEXIST for a pid booked already: nothing
 * booked); sst_pool_take() the one to hand a client to (it counts as
 * active from then on), NULL when the pool is empty; sst_pool_release() lets every idle one go (its channel closed: it
 * exits; with kill, SIGKILL as well) and sst_leaving() counts those not
 * yet reaped.
 */
int sst_pool_add(pid_t pid, int pidfd, int chan);
struct sst_session *sst_pool_take(void);
size_t sst_pool_size(void);
void sst_pool_release(int kill);
size_t sst_leaving(void);
/*
 * The session's record, read once: 1 and *rep when its channel holds
 * exactly one valid final record (RPT_CLOSE or RPT_SANDBOX); 0 when it
 * holds nothing; -1 when it holds
 * anything else (more than one record, a short or invalid one).  The
 * channel is closed either way.  SECURITY: hostile input, see report.c.
 */
int sst_record(struct sst_session *s, struct rpt_record *rep);
/*
 * Sessions on a PROXY-protocol listener await a verdict until their
 * client's name has come and been answered: only their channels are
 * polled.  sst_await() puts s on that list (0, or -1 when out of
 * memory), sst_settle() takes it off; sst_awaiting(i) is the i-th, NULL
 * past the end.
 */
int sst_await(struct sst_session *s);
void sst_settle(struct sst_session *s);
struct sst_session *sst_awaiting(size_t i);
size_t sst_nawaiting(void);

enum sst_peer { SST_NONE, SST_PEER, SST_LATER, SST_BAD };
/*
 * What an awaiting session sent.  SST_PEER: *rep is its RPT_PEER or
 * RPT_LOCAL (taken off the channel); SST_LATER: it ended first (its
 * final record, or nothing, stays for sst_record); SST_BAD: anything else
 * (taken off); SST_NONE: nothing yet.  SECURITY: hostile input.
 */
enum sst_peer sst_peer(struct sst_session *s, struct rpt_record *rep);
/* Answer an awaiting session: RPT_PROCEED or RPT_REFUSE.  0 or -1. */
int sst_verdict(struct sst_session *s, int verdict);
/* Forget a reaped session: its descriptors closed, its slot freed. */
void sst_remove(struct sst_session *s);
/* Sessions serving a client (idle and leaving ones not counted). */
size_t sst_active(void);
/* SIGTERM to every session serving a client; SIGKILL to each session
 * not yet killed (marked), idle or leaving ones too. */
void sst_signal_all(int sig);
/*
 * SIGKILL to every serving session still running at its overdue_at (one
 * that ignores its own session_timeout, as only a compromised one
 * would), each once; how many.
 */
size_t sst_kill_overdue(int64_t now);

#endif
