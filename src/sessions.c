/*
 * sessions.c - the acceptor's book of sessions.
 *
 * A table of the sessions running, by pid (open addressing, at most half
 * full); a ring the SIGCHLD handler reaps into and the loop empties; and
 * per session a pidfd (signals reach that process and no other, whatever
 * pids are reused) and a channel, a SOCK_SEQPACKET socket pair of its
 * own, on which it writes its one record before it exits.  The record is
 * read once, when the session has been reaped: by then it is written, so
 * the channel of a session serving a client is never polled, and a
 * hostile session can fill or garble its own channel only.  Behind a
 * PROXY-protocol listener a session names its client on the same channel
 * first and waits for the answer: the channels of those sessions, and
 * only those, are polled until it is given (the awaiting list).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "sessions.h"

#ifdef CASESERV_TEST_HOOKS
#define SST_RING	4	/* the test build's: a test overflows it */
#else
#define SST_RING	4096	/* exits the handler can hold between turns */
#endif
#define SST_MIN		64	/* slots the table never shrinks below */

static struct {
	struct sst_session	*tab;
	size_t			 cap, used, active, leaving;
	pid_t			*pool;		/* idle, forked ahead of need */
	size_t			 npool, cappool;
	pid_t			*wait;		/* sessions awaiting a verdict */
	size_t			 nwait, capwait;
} sst;

static volatile sig_atomic_t sst_overflow;
static volatile unsigned sst_head;	/* written by the handler only */
static unsigned sst_tail;		/* written by the loop only */
static volatile struct { pid_t pid; int status; } sst_ring[SST_RING];

/* ---- reaping ---------------------------------------------------------- */

void
sst_reap(void)
{
	int saved = errno, status;
	pid_t pid;

	for (;;) {
		unsigned h = sst_head;

		if (h - sst_tail >= SST_RING) {
			sst_overflow = 1;	/* the loop reaps the rest */
			break;
		}
		if ((pid = waitpid(-1, &status, WNOHANG)) <= 0)
			break;
		sst_ring[h % SST_RING].pid = pid;
		sst_ring[h % SST_RING].status = status;
		__atomic_signal_fence(__ATOMIC_RELEASE);
		sst_head = h + 1;
	}
	errno = saved;
}

/* ---- the table -------------------------------------------------------- */

static size_t
sst_slot(pid_t pid, size_t cap)
{
	return ((size_t)pid * 2654435761u) & (cap - 1);
}

static struct sst_session *
sst_find(pid_t pid)
{
	if (sst.cap == 0)
		return NULL;
	for (size_t i = sst_slot(pid, sst.cap);; i = (i + 1) & (sst.cap - 1)) {
		if (sst.tab[i].pid == pid)
			return &sst.tab[i];
		if (sst.tab[i].pid == 0)
			return NULL;
	}
}

static struct sst_session *
sst_insert_at(struct sst_session *tab, size_t cap, pid_t pid)
{
	size_t i = sst_slot(pid, cap);

	while (tab[i].pid != 0)
		i = (i + 1) & (cap - 1);
	tab[i].pid = pid;
	return &tab[i];
}

/* The table rebuilt with ncap slots (a power of two above 2 x active). */
static int
sst_resize(size_t ncap)
{
	struct sst_session *nt;

	if ((nt = calloc(ncap, sizeof(*nt))) == NULL)
		return -1;
	/* Entries move: the awaiting list holds pids, not pointers. */
	for (size_t i = 0; i < sst.cap; i++)
		if (sst.tab[i].pid != 0)
			*sst_insert_at(nt, ncap, sst.tab[i].pid) = sst.tab[i];
	free(sst.tab);
	sst.tab = nt;
	sst.cap = ncap;
	return 0;
}

int
sst_reserve(void)
{
	if ((sst.used + 1) * 2 <= sst.cap)
		return 0;
	return sst_resize(sst.cap ? sst.cap * 2 : SST_MIN);
}

/*
 * Every clone() copies the acceptor's page tables and every session's
 * exit tears its copy down, so a table grown for a flood of 10,000
 * sessions would make each later session dearer.  Shrink to a quarter
 * full at most once the flood is gone (halving only at an eighth, so that
 * a load that hovers does not rebuild it back and forth).
 */
int
sst_shrink(void)
{
	size_t ncap = sst.cap;

	if (sst.cap <= SST_MIN || sst.used * 8 > sst.cap)
		return 0;
	while (ncap > SST_MIN && sst.used * 4 <= ncap / 2)
		ncap /= 2;
	return sst_resize(ncap) == 0;
}

size_t
sst_capacity(void)
{
	return sst.cap;
}

/* Linear-probing delete: shift later entries back into the hole. */
static void
sst_delete(struct sst_session *s)
{
	size_t hole = (size_t)(s - sst.tab), i = hole, want;

	memset(s, 0, sizeof(*s));
	for (;;) {
		i = (i + 1) & (sst.cap - 1);
		if (sst.tab[i].pid == 0)
			break;
		want = sst_slot(sst.tab[i].pid, sst.cap);
		if (((i - want) & (sst.cap - 1)) >= ((i - hole) & (sst.cap - 1))) {
			sst.tab[hole] = sst.tab[i];
			memset(&sst.tab[i], 0, sizeof(sst.tab[i]));
			hole = i;
		}
	}
	sst.used--;
}

size_t
sst_active(void)
{
	return sst.active;
}

/* ---- sessions ------------------------------------------------------------ */

pid_t
sst_spawn(struct sst_session **s, int *chan)
{
	int p[2], pidfd = -1;
	pid_t pid;

	if (sst_reserve() == -1)
		return -1;
	/* SECURITY: a channel per session, non-blocking at both ends: the
	 * acceptor never waits on it, and a session that fills its own
	 * channel gets EAGAIN, not a hang.  A socket pair has no address
	 * and no file: nothing else can reach it.  SOCK_SEQPACKET keeps each
	 * record whole and apart, both ways. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0, p) == -1)
		return -1;
	if ((pid = chd_spawn_paired(p, &pidfd)) == 0) {
		*chan = p[1];
		return 0;
	}
	if (pid == -1)
		return -1;
	*s = sst_insert_at(sst.tab, sst.cap, pid);
	(*s)->pidfd = pidfd;
	(*s)->chan = p[0];
	sst.used++;
	sst.active++;
	return pid;
}

int
sst_next_exit(struct sst_session **s, pid_t *pidp, int *status)
{
	sigset_t chld, old;

	for (;;) {
		unsigned head = sst_head;

		__atomic_signal_fence(__ATOMIC_ACQUIRE);
		for (; sst_tail != head; sst_tail++) {
			pid_t pid = sst_ring[sst_tail % SST_RING].pid;

			*status = sst_ring[sst_tail % SST_RING].status;
			*s = sst_find(pid);
			*pidp = pid;
			sst_tail++;
			return 1;
		}
		if (!sst_overflow)
			return 0;
		/* The ring was full: reap the rest now, SIGCHLD held off. */
		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		if (sigprocmask(SIG_BLOCK, &chld, &old) == -1)
			return 0;	/* the ring stays marked: next turn */
		sst_overflow = 0;
		sst_reap();
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
}

int
sst_record(struct sst_session *s, struct rpt_record *rep)
{
	unsigned char buf[RPT_SIZE + 1];	/* a longer record shows */
	ssize_t n, more;

	if (s->chan == -1)
		return 0;
	/* SECURITY: two reads: the record (a longer one shows as RPT_SIZE
	 * + 1 bytes), and whether a second follows.  Whatever else the
	 * session wrote is never looked at. */
	n = read(s->chan, buf, sizeof(buf));
	more = n > 0 ? read(s->chan, buf + RPT_SIZE, 1) : 0;
	close(s->chan);
	s->chan = -1;
	if (n <= 0)
		return 0;
	/* A name or a verdict is no final record. */
	return n == RPT_SIZE && more <= 0 &&
	    rpt_decode(buf, (size_t)n, rep) == 0 &&
	    (rep->type == RPT_CLOSE || rep->type == RPT_SANDBOX) ? 1 : -1;
}

/* ---- awaiting a verdict (PROXY protocol) ----------------------------------- */

int
sst_await(struct sst_session *s)
{
	pid_t *nw;

	if (sst.nwait == sst.capwait) {
		size_t ncap = sst.capwait ? sst.capwait * 2 : 16;

		if ((nw = realloc(sst.wait, ncap * sizeof(*nw))) == NULL)
			return -1;
		sst.wait = nw;
		sst.capwait = ncap;
	}
	sst.wait[sst.nwait++] = s->pid;
	s->waiting = sst.nwait;
	return 0;
}

void
sst_settle(struct sst_session *s)
{
	struct sst_session *last;
	size_t i = s->waiting;

	if (i == 0)
		return;
	s->waiting = 0;
	/* The last one takes the hole. */
	if (i != sst.nwait && (last = sst_find(sst.wait[sst.nwait - 1])) != NULL) {
		sst.wait[i - 1] = last->pid;
		last->waiting = i;
	}
	sst.nwait--;
}

struct sst_session *
sst_awaiting(size_t i)
{
	return i < sst.nwait ? sst_find(sst.wait[i]) : NULL;
}

size_t
sst_nawaiting(void)
{
	return sst.nwait;
}

enum sst_peer
sst_peer(struct sst_session *s, struct rpt_record *rep)
{
	unsigned char buf[RPT_SIZE + 1];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;
	int ok;

	/* A look first: a final record that came instead is sst_record's. */
	n = recvmsg(s->chan, &mh, MSG_PEEK | MSG_DONTWAIT);
	if (n == -1)
		return errno == EAGAIN || errno == EINTR ? SST_NONE : SST_LATER;
	if (n == 0)
		return SST_LATER;
	ok = n == RPT_SIZE && rpt_decode(buf, (size_t)n, rep) == 0;
	if (ok && (rep->type == RPT_CLOSE || rep->type == RPT_SANDBOX))
		return SST_LATER;
	(void)!read(s->chan, buf, sizeof(buf));		/* what we looked at */
	return ok && (rep->type == RPT_PEER || rep->type == RPT_LOCAL) ?
	    SST_PEER : SST_BAD;
}

int
sst_verdict(struct sst_session *s, int verdict)
{
	struct rpt_record v = { .type = RPT_VERDICT, .reason = verdict };
	unsigned char buf[RPT_SIZE];

	rpt_encode(&v, buf);
	return write(s->chan, buf, sizeof(buf)) == (ssize_t)sizeof(buf) ? 0 : -1;
}

/* ---- the pool -------------------------------------------------------------- */

int
sst_pool_add(pid_t pid, int pidfd, int chan)
{
	struct sst_session *s;
	pid_t *np;

	/* SECURITY: the spawner's word: a pid the book has already is a lie
	 * (two entries for one pid would corrupt it). */
	if (sst_find(pid) != NULL) {
		errno = EEXIST;
		return -1;
	}
	if (sst_reserve() == -1)
		return -1;
	if (sst.npool == sst.cappool) {
		size_t ncap = sst.cappool ? sst.cappool * 2 : 16;

		if ((np = realloc(sst.pool, ncap * sizeof(*np))) == NULL)
			return -1;
		sst.pool = np;
		sst.cappool = ncap;
	}
	s = sst_insert_at(sst.tab, sst.cap, pid);
	s->pidfd = pidfd;
	s->chan = chan;
	s->pooled = SST_IDLE;
	sst.pool[sst.npool++] = pid;
	sst.used++;
	return 0;
}

/* Off the pool list (the last one takes the hole). */
static void
sst_pool_unlist(struct sst_session *s)
{
	for (size_t i = 0; i < sst.npool; i++)
		if (sst.pool[i] == s->pid) {
			sst.pool[i] = sst.pool[--sst.npool];
			return;
		}
}

struct sst_session *
sst_pool_take(void)
{
	struct sst_session *s;

	/* The newest: its pages are the likeliest still in the cache. */
	while (sst.npool > 0) {
		if ((s = sst_find(sst.pool[--sst.npool])) == NULL)
			continue;
		s->pooled = 0;
		sst.active++;
		return s;
	}
	return NULL;
}

size_t
sst_pool_size(void)
{
	return sst.npool;
}

void
sst_pool_release(int kill)
{
	struct sst_session *s;

	while (sst.npool > 0) {
		if ((s = sst_find(sst.pool[--sst.npool])) == NULL)
			continue;
		/* SECURITY: made by a spawner we no longer trust, it is not
		 * asked: it might not go. */
		if (kill) {
			(void)chd_signal(s->pidfd, SIGKILL);
			s->killed = 1;
		}
		/* It sees its channel close and exits, reporting nothing. */
		close(s->chan);
		s->chan = -1;
		s->pooled = SST_LEAVING;
		sst.leaving++;
	}
}

size_t
sst_leaving(void)
{
	return sst.leaving;
}

void
sst_remove(struct sst_session *s)
{
	if (s->pooled == SST_IDLE)
		sst_pool_unlist(s);
	else if (s->pooled == SST_LEAVING)
		sst.leaving--;
	else
		sst.active--;
	sst_settle(s);
	if (s->chan != -1)
		close(s->chan);
	close(s->pidfd);
	sst_delete(s);
}

void
sst_signal_all(int sig)
{
	for (size_t i = 0; i < sst.cap; i++) {
		struct sst_session *s = &sst.tab[i];

		if (s->pid == 0 || (sig == SIGKILL && s->killed) ||
		    (sig != SIGKILL && s->pooled != 0))
			continue;
		if (sig == SIGKILL)
			s->killed = 1;
		/* ESRCH: exited, not yet reaped; nothing else can be named. */
		(void)chd_signal(s->pidfd, sig);
	}
}

size_t
sst_kill_overdue(int64_t now)
{
	size_t n = 0;

	for (size_t i = 0; i < sst.cap; i++) {
		struct sst_session *s = &sst.tab[i];

		if (s->pid == 0 || s->pooled != 0 || s->killed ||
		    s->overdue_at == 0 || now < s->overdue_at)
			continue;
		if (chd_signal(s->pidfd, SIGKILL) == 0) {
			s->killed = 1;
			s->overdue = 1;
			n++;
		}
	}
	return n;
}
