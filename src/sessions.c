/*
 * sessions.c - the acceptor's book of sessions.
 *
 * A table of the sessions running, by pid (open addressing, at most half
 * full); a ring the SIGCHLD handler reaps into and the loop empties; and
 * per session a pidfd (signals reach that process and no other, whatever
 * pids are reused) and a channel, a pipe of its own, on which it writes
 * its one record before it exits.  The record is read once, when the
 * session has been reaped: by then it is written, so no channel is ever
 * polled, and a hostile session can fill or garble its own channel only.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "sessions.h"

#define SST_RING	4096	/* exits the handler can hold between turns */
#define SST_MIN		64	/* slots the table never shrinks below */

static struct {
	struct sst_session	*tab;
	size_t			 cap, active;
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
	if ((sst.active + 1) * 2 <= sst.cap)
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

	if (sst.cap <= SST_MIN || sst.active * 8 > sst.cap)
		return 0;
	while (ncap > SST_MIN && sst.active * 4 <= ncap / 2)
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
	sst.active--;
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
	sigset_t all, old;
	int p[2], pidfd = -1, saved;
	pid_t pid;

	if (sst_reserve() == -1)
		return -1;
	/* SECURITY: a pipe per session, non-blocking at both ends: the
	 * acceptor never waits on it, and a session that fills its own
	 * channel gets EAGAIN, not a hang. */
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1)
		return -1;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = chd_spawn(&pidfd);
	if (pid == 0) {
		close(p[0]);
		*chan = p[1];
		return 0;
	}
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(p[1]);
	if (pid == -1) {
		close(p[0]);
		errno = saved;
		return -1;
	}
	*s = sst_insert_at(sst.tab, sst.cap, pid);
	(*s)->pidfd = pidfd;
	(*s)->chan = p[0];
	sst.active++;
	return pid;
}

int
sst_next_exit(struct sst_session **s, int *status)
{
	sigset_t chld, old;

	for (;;) {
		unsigned head = sst_head;

		__atomic_signal_fence(__ATOMIC_ACQUIRE);
		for (; sst_tail != head; sst_tail++) {
			pid_t pid = sst_ring[sst_tail % SST_RING].pid;

			*status = sst_ring[sst_tail % SST_RING].status;
			if ((*s = sst_find(pid)) != NULL) {
				sst_tail++;
				return 1;
			}
		}
		if (!sst_overflow)
			return 0;
		/* The ring was full: reap the rest now, SIGCHLD held off. */
		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		sigprocmask(SIG_BLOCK, &chld, &old);
		sst_overflow = 0;
		sst_reap();
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
}

int
sst_record(struct sst_session *s, struct rpt_record *rep)
{
	unsigned char buf[RPT_SIZE + 1];	/* a second record shows */
	ssize_t n;

	if (s->chan == -1)
		return 0;
	/* SECURITY: one read, at most one record and a byte: whatever else
	 * the session wrote is never looked at. */
	n = read(s->chan, buf, sizeof(buf));
	close(s->chan);
	s->chan = -1;
	if (n <= 0)
		return 0;
	return n == RPT_SIZE && rpt_decode(buf, (size_t)n, rep) == 0 ? 1 : -1;
}

void
sst_remove(struct sst_session *s)
{
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

		if (s->pid == 0 || (sig == SIGKILL && s->killed))
			continue;
		if (sig == SIGKILL)
			s->killed = 1;
		/* ESRCH: exited, not yet reaped; nothing else can be named. */
		(void)chd_signal(s->pidfd, sig);
	}
}
