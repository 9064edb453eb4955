/*
 * supervisor.c - the acceptor: its lock-down, and its loop.
 *
 * main forks the acceptor once.  It keeps nothing of main's but the
 * channel, drops every capability, enters its own allow-list filter, and
 * from then on accepts, admits, spawns sessions, reaps them and logs
 * them, with the settings and the listening sockets main sends it
 * (msg.h): it can open no file, create no socket, bind or connect
 * nothing, and signal only its own sessions (docs/SECURITY.md).
 *
 * One poll() over the self-pipe (signals), the channel to main and the
 * listeners.  Signal handlers only set flags, except SIGCHLD's, which
 * reaps into sessions.c's ring; a session's `close` line is written when
 * it has been reaped, with the record read from its own channel.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#ifdef CASESERV_TEST_HOOKS
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/un.h>
#endif
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "acl.h"
#include "admit.h"
#include "child.h"
#include "daemon.h"
#include "landlock.h"
#include "log.h"
#include "msg.h"
#include "privs.h"
#include "proctitle.h"
#include "refuselog.h"
#include "report.h"
#include "sandbox.h"
#include "session.h"
#include "sessions.h"
#include "spawner.h"
#include "status.h"
#include "supervisor.h"

#define SUP_ACCEPT_BURST 64	/* accepts per listener per loop turn */
#define SUP_EMFILE_PAUSE 100	/* ms without accepting when out of fds */
#define SUP_EMFILE_LOG	10000	/* ms between two such complaints */
#define SUP_STATUS_MIN	200	/* ms between two counter reports to main */
#define SUP_MSG_BURST	64	/* messages from main per turn */
#define SUP_FIXED	2	/* poll set: self-pipe, channel, listeners */
/* Sessions kept forked ahead of need, locked down and idle (caseserv(8)). */
#define SUP_POOL	16
#define SUP_OVERDUE_MS	5000	/* past session_timeout: killed */
/* ms of forking on demand after the spawner could not make a session. */
#define SUP_DIRECT_MS	1000

/* A line said at most once a period; the times in between are counted
 * and the count goes into the next line (sup_quiet_due). */
struct sup_quiet {
	int64_t	 said;		/* when it was last said; 0: never */
	unsigned n;		/* times not said since */
};

static struct {
	struct cfg		 cfg;		/* the acceptor's settings */
	struct lsn_set		 lsn;
	struct msg_config	 next;		/* a configuration arriving */
	int			 configured;
	int			 chan;		/* to main; -1 once it is gone */
	pid_t			 pid;		/* ours: the sessions' parent */
	int			 heartbeat_ms;
	int			 stopping;
	int64_t			 deadline;	/* shutdown_timeout */
	int64_t			 accept_pause;	/* EMFILE back-off */
	struct sup_quiet	 accept_q;	/* `accept:` lines */
	int64_t			 expired;	/* last adm_expire() */
	int64_t			 overdue_next;	/* the next look for overdue */
	int			 rebuild;	/* listeners changed: new poll set */
	struct msg_status	 sent;		/* last counters main got */
	int64_t			 sent_at;
	struct {
		int	 fd;		/* our end; -1: gone, fork on demand */
		int	 pidfd;
		pid_t	 pid;		/* 0 once reaped */
		unsigned asked;		/* sessions asked for, not yet come */
		int64_t	 direct_until;	/* it failed: fork on demand until */
		struct {		/* requests not all answered, oldest first */
			int64_t	 at;
			unsigned n;	/* sessions of it still owed */
		}	 owed[SUP_POOL];
		size_t	 owed_first, owed_len;
		int	 silent;	/* its slowness said, not caught up since */
		struct sup_quiet stranger_q; /* `not a session of ours` */
		struct sup_quiet failed_q; /* `cannot fork a session` */
		int	 stopped;	/* we killed it: its end said already */
	}			 spw;
	struct {
		uint64_t accepted, refused[ADM_NVERDICTS], in, out;
		uint64_t killed_sandbox, killed_other, fork_failed;
	} st;
#ifdef CASESERV_TEST_HOOKS
	const char		*attack;	/* CASESERV_TEST_ACCEPTOR_ATTACK */
#endif
} sup;

static int sup_wake[2] = { -1, -1 };	/* self-pipe: handlers -> loop */
static volatile sig_atomic_t sup_got_term, sup_got_usr1;

static int64_t
sup_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- signals ---------------------------------------------------------- */

static void
sup_poke(void)
{
	(void)!write(sup_wake[1], "", 1);
}

static void
sup_on_signal(int sig)
{
	int saved = errno;

	if (sig == SIGTERM || sig == SIGINT)
		sup_got_term = 1;
	else if (sig == SIGUSR1)
		sup_got_usr1 = 1;
	sup_poke();
	errno = saved;
}

static void
sup_on_sigchld(int sig)
{
	int saved = errno;

	(void)sig;
	sst_reap();
	sup_poke();
	errno = saved;
}

static int
sup_handle(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigfillset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

/* SIGTERM and SIGINT stop (a terminal's ^C reaches the whole group, and
 * main forwards its own as MSG_STOP); SIGHUP is main's business. */
static void
sup_signals_init(void)
{
	sigset_t none;

	if (pipe2(sup_wake, O_NONBLOCK | O_CLOEXEC) == -1)
		fatal(EX_OSERR, "acceptor: pipe");
	if (sup_handle(SIGCHLD, sup_on_sigchld, SA_RESTART | SA_NOCLDSTOP) == -1 ||
	    sup_handle(SIGTERM, sup_on_signal, SA_RESTART) == -1 ||
	    sup_handle(SIGINT, sup_on_signal, SA_RESTART) == -1 ||
	    sup_handle(SIGUSR1, sup_on_signal, SA_RESTART) == -1 ||
	    sup_handle(SIGHUP, SIG_IGN, 0) == -1 ||
	    sup_handle(SIGPIPE, SIG_IGN, 0) == -1)
		fatal(EX_OSERR, "acceptor: sigaction");
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* ---- the lock-down ---------------------------------------------------- */

/* From the SIGSYS handler: main logs it, naming the call. */
static void
sup_violation(long nr)
{
	msg_violation_send(sup.chan, nr);
}

/* The syslog socket failed: main opens another one. */
static void
sup_log_lost(void)
{
	if (sup.chan != -1)
		(void)msg_send(sup.chan, MSG_LOG_LOST, NULL, 0, -1, MSG_DONTWAIT);
}

/* Close every descriptor from 3 on but a and b (either may be -1). */
static void
sup_close_others(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;
	unsigned from = 3;

	if (lo >= 3) {
		(void)close_range(from, (unsigned)lo - 1, 0);
		from = (unsigned)lo + 1;
	}
	if (hi >= 3 && (unsigned)hi >= from) {
		if ((unsigned)hi > from)
			(void)close_range(from, (unsigned)hi - 1, 0);
		from = (unsigned)hi + 1;
	}
	(void)close_range(from, ~0U, 0);
}

/*
 * SECURITY: the acceptor's path from clone() to its loop: its name,
 * main's descriptors gone, its handlers, gone with main, descriptors
 * enough for its sessions, no capability, the filter.
 */
static void
sup_lock_down(int chan, int logfd, int keep_stderr, pid_t main)
{
	struct rlimit rl;

	sup.pid = getpid();
	sup.chan = chan;
	sup.heartbeat_ms = 1000;
	pt_set("acceptor [listeners=0 sessions=0]");
	pt_name("caseserv-acc");
	dmn_child(keep_stderr);
	log_use_socket(logfd, sup_log_lost);
	/* SECURITY: no pidfile, no notify socket, nothing main opened but
	 * the channel and the log socket. */
	sup_close_others(chan, logfd);
	sup_signals_init();
	/* SECURITY: no acceptor outlives main: it stops as on SIGTERM. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != main)
		fatalx(EX_OSERR, "acceptor: main is gone");
	/* Two descriptors a session (pidfd, channel): as many as allowed. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	prv_drop_acceptor();
	/* The spawner first: it executes the binary again, which the
	 * acceptor's Landlock domain would refuse it (spawner.c). */
	sup.spw.fd = sup.spw.pidfd = -1;
	if ((sup.spw.pid = spw_start(&sup.spw.fd, &sup.spw.pidfd, sup.pid)) == -1) {
		log_warn("spawner: fork; sessions are forked on demand");
		sup.spw.pid = 0;
	}
#ifndef CASESERV_SANITIZERS
	/* SECURITY: no file, no TCP bind or connect, even where the filter
	 * would let a call through.  (Sanitizer builds: LeakSanitizer reads
	 * /proc at exit.) */
	if (ll_restrict_acceptor() == -1)
		fatal(EX_OSERR, "landlock: acceptor");
#endif
	sbx_enter_acceptor(sup_violation);
}

/* ---- logging of session ends -------------------------------------------- */

static const char *
sup_signame(int sig, char *buf, size_t len)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev != NULL)
		snprintf(buf, len, "SIG%s", abbrev);
	else
		snprintf(buf, len, "%d", sig);
	return buf;
}

/*
 * rep: the session's record, or NULL when it left none that holds.  A
 * session whose client was refused through its proxy has had its line
 * (`refused`); one the acceptor gave up on before it named a client
 * closes with proxy_error whatever it says.
 */
static void
sup_log_end(const struct sst_session *s, int status, const struct rpt_record *rep)
{
	static const struct rpt_record none;
	long ms = (long)(sup_now() - s->start);
	char sig[16], sc[64], via[72] = "";

	if (rep == NULL || s->proxy_failed)
		rep = &none;
	sup.st.in += rep->in;
	sup.st.out += rep->out;
	if (s->via[0] != '\0')
		snprintf(via, sizeof(via), " via=%s", s->via);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS) {
		sup.st.killed_sandbox++;
		log_warnx("killed peer=%s%s pid=%ld signal=SIGSYS reason=sandbox "
		    "syscall=%s", s->peer, via, (long)s->pid,
		    rep->reason == SES_SANDBOX ?
		    sbx_syscall_name(rep->sysno, sc, sizeof(sc)) : "?");
	} else if (s->refused) {
		return;
	} else if (WIFSIGNALED(status) && !s->proxy_failed) {
		sup.st.killed_other++;
		log_warnx("killed peer=%s%s pid=%ld signal=%s reason=%s in=%llu "
		    "out=%llu ms=%ld", s->peer, via, (long)s->pid,
		    sup_signame(WTERMSIG(status), sig, sizeof(sig)),
		    s->overdue ? "overdue" : s->killed ? "shutdown_timeout" :
		    "crash",
		    (unsigned long long)rep->in, (unsigned long long)rep->out, ms);
	} else {
		log_info("close peer=%s%s pid=%ld in=%llu out=%llu ms=%ld reason=%s",
		    s->peer, via, (long)s->pid, (unsigned long long)rep->in,
		    (unsigned long long)rep->out, ms, s->proxy_failed ?
		    "proxy_error" : rep->reason != SES_OK ?
		    ses_reason_name(rep->reason) : "error");
	}
}

/* Every session reaped since the last turn: its record, its line. */
/* The spawner's socket is closed: sessions are forked on demand. */
/* May the line be said now?  If not, this time is counted. */
static int
sup_quiet_due(struct sup_quiet *q, int64_t now, int64_t period)
{
	if (q->said != 0 && now - q->said < period) {
		q->n++;
		return 0;
	}
	return 1;
}

/* What the line says of the times not said: "" or " (N more since the
 * last report)".  Then they are said. */
static const char *
sup_quiet_said(struct sup_quiet *q, int64_t now)
{
	static char more[48];

	more[0] = '\0';
	if (q->n > 0)
		snprintf(more, sizeof(more), " (%u more since the last report)",
		    q->n);
	q->said = now;
	q->n = 0;
	return more;
}

/* Counted times whose period is over with none since (or we stop):
 * a line for them alone is due. */
static int
sup_quiet_owed(const struct sup_quiet *q, int64_t now, int64_t period)
{
	return q->n > 0 && (sup.stopping || now - q->said >= period);
}

/*
 * SECURITY: however it went (a record that does not decode, its filter's
 * SIGSYS, a crash), the idle sessions it made are killed with it: it
 * made their code, so none of them gets a client.  (At shutdown the
 * pool has been let go already, the gentle way.)
 */
static void
sup_spawner_lost(void)
{
	size_t idle = sst_pool_size();

	if (sup.spw.fd == -1)
		return;
	sst_pool_release(1);
	close(sup.spw.fd);
	sup.spw.fd = -1;
	sup.spw.asked = 0;
	sup.spw.owed_len = 0;
	sup.rebuild = 1;
	if (!sup.stopping && idle > 0)
		log_warnx("spawner: gone; sessions are forked on demand, "
		    "%zu idle sessions let go", idle);
	else if (!sup.stopping)
		log_warnx("spawner: gone; sessions are forked on demand");
}

/* A pid not in the book: the spawner, or a pooled session let go. */
static void
sup_collect_other(pid_t pid, int status)
{
	char sig[16];

	if (pid != sup.spw.pid || pid == 0)
		return;
	if (sup.spw.stopped)
		;	/* "stopped" was its line: the SIGKILL is ours */
	else if (!sup.stopping && WIFSIGNALED(status))
		log_warnx("spawner: killed by %s", sup_signame(WTERMSIG(status),
		    sig, sizeof(sig)));
	else if (!sup.stopping)
		log_warnx("spawner: exited with status %d", WEXITSTATUS(status));
	sup_spawner_lost();
	close(sup.spw.pidfd);
	sup.spw.pidfd = -1;
	sup.spw.pid = 0;
}

/*
 * A session that ended before it served a client: not a client session,
 * so no `close` line and no count; a sandbox kill or a failed lock-down
 * is still worth a warning.
 */
static void
sup_collect_idle(struct sst_session *s, int status)
{
	struct rpt_record rep;

	if (sst_record(s, &rep) == 1 && rep.type == RPT_CLOSE &&
	    rep.reason == SES_ERROR)
		log_warnx("session (idle) pid=%ld: lock-down failed", (long)s->pid);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS) {
		sup.st.killed_sandbox++;
		log_warnx("killed pid=%ld signal=SIGSYS reason=sandbox (idle "
		    "session)", (long)s->pid);
	} else if (s->pooled == SST_IDLE)
		log_debug("session (idle) pid=%ld ended: %s %d", (long)s->pid,
		    WIFSIGNALED(status) ? "signal" : "status",
		    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	sst_remove(s);
}

static void
sup_collect(void)
{
	struct sst_session *s;
	struct rpt_record rep;
	int status, got;
	pid_t pid;

	while (sst_next_exit(&s, &pid, &status)) {
		if (s == NULL) {
			sup_collect_other(pid, status);
			continue;
		}
		if (s->pooled != 0) {
			sup_collect_idle(s, status);
			continue;
		}
		memset(&rep, 0, sizeof(rep));
		/* SECURITY: read once, from this session's channel only. */
		if ((got = sst_record(s, &rep)) == -1 && !s->proxy_failed)
			log_warnx("report: peer=%s pid=%ld: not one valid record; "
			    "ignored", s->peer, (long)s->pid);
		sup_log_end(s, status, got == 1 ? &rep : NULL);
		adm_release(s->host);
		sst_remove(s);
	}
	/* After a flood: every clone() copies the acceptor's page tables,
	 * so the memory it no longer needs goes back to the kernel. */
	if (sst_shrink())
		(void)malloc_trim(0);
}

/* ---- admission and spawning ------------------------------------------------ */

/* via: the proxy a client was refused through, or NULL. */
static void
sup_log_refused(const char *peer, const char *via, const char *reason,
    int64_t now)
{
	char line[RFL_LINELEN];

	/* SECURITY: a flood must not fill the disk: summarise past a rate. */
	while (rfl_summary_line(now, line, sizeof(line)))
		log_info("%s", line);
	if (peer != NULL && rfl_refused(peer, reason, now))
		log_info("refused peer=%s%s%s reason=%s", peer,
		    via != NULL ? " via=" : "", via != NULL ? via : "", reason);
}

static void sup_opened(struct sst_session *s, const char *peer,
    struct adm_host *host, const struct sockaddr_storage *proxy, int64_t now);

/*
 * A session for fd.  host: its admission (a direct client); NULL on a
 * PROXY-protocol listener (proxy is the listener's peer), where the
 * session reads the header and admission waits for the client it names:
 * it then awaits a verdict (sup_verdict), and `open` is logged there.
 */
static void
sup_spawn(int fd, const char *peer, struct adm_host *host,
    const struct sockaddr_storage *proxy, int64_t now)
{
	struct ses_params p = {
		.idle_timeout = sup.cfg.idle_timeout,
		.session_timeout = sup.cfg.session_timeout,
		.max_bytes = sup.cfg.max_session_bytes,
		.parent = sup.pid,
		.proxy_timeout = proxy != NULL ? sup.cfg.proxy_timeout : 0,
		.via = peer,
	};
	struct ses_conn c = { fd, fd, -1 };
	struct sst_session *s;
	char title[80];
	pid_t pid;

	snprintf(title, sizeof(title), proxy != NULL ? "session via %s" :
	    "session %s", peer);
	p.title = title;
	if (sst_reserve() == -1) {
		sup_log_refused(peer, NULL, "no_memory", now);
		adm_release(host);
		return;
	}
	if ((pid = sst_spawn(&s, &c.report_fd)) == 0)
		ses_run(&c, &p);
	/* (the child never gets here) */
	if (pid == -1) {
		/* Out of processes, memory or descriptors: a refusal,
		 * rate-limited like one. */
		sup.st.fork_failed++;
		sup_log_refused(peer, NULL, "fork_failed", now);
		adm_release(host);
		return;
	}
	sup_opened(s, peer, host, proxy, now);
}

/*
 * A session now has its client: its book entry, and `open` (for a
 * direct client; behind a proxy once its client is admitted).
 */
static void
sup_opened(struct sst_session *s, const char *peer, struct adm_host *host,
    const struct sockaddr_storage *proxy, int64_t now)
{
	s->start = now;
	s->host = host;
	/* SECURITY: a session ends itself at session_timeout (and lingers
	 * two seconds at most); one still running well after has stopped
	 * obeying, and would hold its max_clients and per-host slots for
	 * as long as it liked: killed (sst_kill_overdue). */
	s->overdue_at = sup.cfg.session_timeout > 0 ? now +
	    (int64_t)sup.cfg.session_timeout * 1000 + SUP_OVERDUE_MS : 0;
	snprintf(s->peer, sizeof(s->peer), "%s", peer);
	if (proxy != NULL) {
		memcpy(&s->proxy, proxy, sizeof(s->proxy));
		/* Its own deadline is proxy_timeout; a session that
		 * ignores it is killed a little later. */
		s->deadline = now + (int64_t)sup.cfg.proxy_timeout * 1000 + 2000;
		if (sst_await(s) == -1) {
			s->proxy_failed = 1;
			(void)chd_signal(s->pidfd, SIGKILL);
		}
		return;
	}
	sup.st.accepted++;
	log_info("open peer=%s pid=%ld active=%zu", peer, (long)s->pid,
	    sst_active());
}

/*
 * Hand fd to a session of the pool: its settings as they are now (a
 * reload applies to the next client), its peer for ps, the socket by
 * SCM_RIGHTS.  0, or -1 when it could not be given (no session idle, or
 * each one tried had gone: they are killed and forgotten).
 */
static int
sup_hand(int fd, const char *peer, struct adm_host *host,
    const struct sockaddr_storage *ss, int is_proxy, int64_t now)
{
	struct rpt_start st = {
		.idle_timeout = sup.cfg.idle_timeout,
		.session_timeout = sup.cfg.session_timeout,
		.max_bytes = sup.cfg.max_session_bytes,
		.proxy_timeout = is_proxy ? sup.cfg.proxy_timeout : 0,
		.peer = *ss,
	};
	unsigned char buf[RPT_START_SIZE];
	union {
		char		buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	align;
	} cm;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct sst_session *s;
	int one = 1;

	/* The session can no longer set them: its filter is on. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)setsockopt(fd, SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one));
	rpt_encode_start(&st, buf);
	msg_put_fds(&mh, cm.buf, sizeof(cm.buf), &fd, 1);
	while ((s = sst_pool_take()) != NULL) {
		if (sendmsg(s->chan, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) ==
		    (ssize_t)sizeof(buf)) {
			sup_opened(s, peer, host, is_proxy ? ss : NULL, now);
			return 0;
		}
		/* It died idle, or its channel is full: it gets no client. */
		log_debug("session (idle) pid=%ld: hand-over: %s", (long)s->pid,
		    strerror(errno));
		(void)chd_signal(s->pidfd, SIGKILL);
		sst_remove(s);
	}
	return -1;
}

/* Forking on demand: the spawner is gone, or failed a moment ago. */
static int
sup_direct(int64_t now)
{
	return sup.spw.fd == -1 || now < sup.spw.direct_until;
}

/* Can a connection be taken now?  A session is waiting for it, or one
 * can be forked on demand. */
static int
sup_can_accept(int64_t now)
{
	return sst_pool_size() > 0 || sup_direct(now);
}

/* A request for n sessions, sent now.  Every request asks for one at
 * least and no more than SUP_POOL are owed, so SUP_POOL entries do. */
static void
sup_owed_ask(unsigned n, int64_t now)
{
	size_t i = (sup.spw.owed_first + sup.spw.owed_len) % SUP_POOL;

	sup.spw.owed[i].at = now;
	sup.spw.owed[i].n = n;
	sup.spw.owed_len++;
	sup.spw.asked += n;
}

/* One session answered, made or not: it paid the oldest request. */
static void
sup_owed_paid(void)
{
	sup.spw.asked--;
	if (--sup.spw.owed[sup.spw.owed_first].n == 0) {
		sup.spw.owed_first = (sup.spw.owed_first + 1) % SUP_POOL;
		sup.spw.owed_len--;
	}
}

/* The pool kept full: as many sessions asked for as are missing; not
 * while forking on demand because the spawner failed a moment ago. */
static void
sup_refill(int64_t now)
{
	size_t have = sst_pool_size() + sup.spw.asked;

	if (sup.spw.fd == -1 || sup.stopping || now < sup.spw.direct_until ||
	    have >= SUP_POOL)
		return;
	if (spw_request(sup.spw.fd, (unsigned)(SUP_POOL - have)) == 0)
		sup_owed_ask((unsigned)(SUP_POOL - have), now);
	else if (errno != EAGAIN && errno != EINTR)
		sup_spawner_lost();
}

/*
 * SECURITY: a spawner caught breaking the protocol is stopped, and the
 * idle sessions it made are killed with it (sup_spawner_lost).  Sessions
 * are forked on demand from then on.
 */
static void
sup_spawner_stop(const char *why)
{
	log_warnx("spawner: %s: stopped, %zu idle sessions let go", why,
	    sst_pool_size());
	sst_pool_release(1);
	sup.spw.stopped = 1;
	(void)chd_signal(sup.spw.pidfd, SIGKILL);
	sup_spawner_lost();
}

/*
 * A pid the spawner named that is not a child of ours: let go.  SECURITY:
 * one line a second at most, however often a compromised spawner names
 * one (the rest are counted into the next line, or one of their own when
 * the second is over: sup_spawner_owed), and the pool waits as after a
 * failed fork, forking on demand for SUP_DIRECT_MS with no spawner asked,
 * so that a spawner which does nothing else costs a few clones a second,
 * not a busy loop.  An honest spawner gets here for a session that died
 * before its record was read.
 */
static void
sup_stranger(pid_t pid, int64_t now)
{
	sup.spw.direct_until = now + SUP_DIRECT_MS;
	if (sup_quiet_due(&sup.spw.stranger_q, now, SUP_DIRECT_MS))
		log_warnx("spawner: pid %ld is not a session of ours%s",
		    (long)pid, sup_quiet_said(&sup.spw.stranger_q, now));
}

/* The spawner could not make a session (out of processes or memory), or
 * we could not book it: as a fork of our own that failed, sessions are
 * forked on demand for a second; one line a second at most, as above. */
static void
sup_spawner_failed(int err, int64_t now)
{
	sup.spw.direct_until = now + SUP_DIRECT_MS;
	if (sup_quiet_due(&sup.spw.failed_q, now, SUP_DIRECT_MS))
		log_warnx("spawner: cannot fork a session: %s%s", strerror(err),
		    sup_quiet_said(&sup.spw.failed_q, now));
}

/* The lines counted and not said, once their second is over with none
 * since, or as we stop. */
static void
sup_spawner_owed(int64_t now)
{
	unsigned n;

	if (sup_quiet_owed(&sup.spw.stranger_q, now, SUP_DIRECT_MS)) {
		n = sup.spw.stranger_q.n;
		(void)sup_quiet_said(&sup.spw.stranger_q, now);
		log_warnx("spawner: %u more pids that are not sessions of ours",
		    n);
	}
	if (sup_quiet_owed(&sup.spw.failed_q, now, SUP_DIRECT_MS)) {
		n = sup.spw.failed_q.n;
		(void)sup_quiet_said(&sup.spw.failed_q, now);
		log_warnx("spawner: cannot fork %u more sessions", n);
	}
}

/* When the oldest request not answered in full is a second late.  Only
 * while the spawner owes (owed_len > 0). */
static int64_t
sup_owed_late(void)
{
	return sup.spw.owed[sup.spw.owed_first].at + SUP_DIRECT_MS;
}

/* When a spawner owing sessions is too slow: that, and not before the
 * on-demand second is over. */
static int64_t
sup_silence_due(void)
{
	int64_t due = sup_owed_late();

	return due > sup.spw.direct_until ? due : sup.spw.direct_until;
}

/*
 * SECURITY: a spawner that takes requests and answers none, stops half
 * way, or answers each just in time to look alive, must not leave the
 * listeners unpolled with the pool empty: once a session asked for
 * SUP_DIRECT_MS ago has not come, sessions are forked on demand, a second
 * at a time until it has caught up, with one line for the whole spell.
 * An honest spawner makes 16 in a few milliseconds; it is that slow only
 * on a machine out of breath, and then forking on demand is the way out.
 */
static void
sup_spawner_silence(int64_t now)
{
	if (sup.spw.fd == -1 || sup.spw.owed_len == 0 ||
	    now < sup_silence_due())
		return;
	if (!sup.spw.silent)
		log_warnx("spawner: a session asked for %d ms ago is not made; "
		    "forking on demand", SUP_DIRECT_MS);
	sup.spw.silent = 1;
	sup.spw.direct_until = now + SUP_DIRECT_MS;
}

/*
 * A new session into the pool.  SECURITY: a pid the book has, once the
 * exits already reaped are read, is one no honest spawner can name: a
 * booked pid leaves the book when its exit is read, and the kernel gives
 * it to no other process before we reap it.  (A pid reaped by the SIGCHLD
 * handler but not read yet may have gone to this new session already:
 * hence the read first.)  EEXIST is that lie.
 */
static int
sup_pool_add(const struct spw_born *b)
{
	if (sst_pool_add(b->pid, b->pidfd, b->chan) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	sup_collect();
	if (sup.spw.fd == -1) {
		/* Its own exit was among them: its pool is gone, and so is
		 * this session, unbooked. */
		errno = ESRCH;
		return -1;
	}
	return sst_pool_add(b->pid, b->pidfd, b->chan);
}

/* What the spawner made since the last turn. */
static void
sup_spawner(int64_t now)
{
	struct spw_born b;
	int r, err;

	while (sup.spw.fd != -1 && (r = spw_receive(sup.spw.fd, &b)) != 0) {
		if (r == -1) {
			sup_spawner_lost();
			return;
		}
		/* SECURITY: the spawner answers each request once, and a
		 * session is never itself.  A record that breaks either is
		 * no spawner of ours any more. */
		if (sup.spw.asked == 0 || (b.pid > 0 && b.pid == sup.spw.pid)) {
			if (b.pid > 0) {
				close(b.chan);
				close(b.pidfd);
			}
			sup_spawner_stop(sup.spw.asked == 0 ?
			    "a session nobody asked for" :
			    "it named itself as a session");
			return;
		}
		sup_owed_paid();
		if (sup.spw.owed_len == 0 || now < sup_owed_late())
			sup.spw.silent = 0;	/* caught up */
		if (b.pid == 0) {
			sup_spawner_failed(b.err, now);
			continue;
		}
		/* SECURITY: a new session is a child of ours the book does
		 * not have yet (sst_pool_add checks that), with a pidfd that
		 * names a child of ours; a pid that is not, or is no longer,
		 * our child would hold a slot no exit frees, and a descriptor
		 * that is no pidfd would make it unkillable (the overdue kill,
		 * shutdown).  A session already dead is let go the same way. */
		if (!chd_is_child(b.pid) || !chd_pidfd_is_child(b.pidfd)) {
			sup_stranger(b.pid, now);
			close(b.chan);
			close(b.pidfd);
			continue;
		}
		if (!sup.stopping && sup_pool_add(&b) == 0)
			continue;
		/* Let go: it sees its channel close and exits. */
		err = sup.stopping ? 0 : errno;
		close(b.chan);
		close(b.pidfd);
		if (sup.stopping || sup.spw.fd == -1)
			continue;
		if (err == EEXIST) {
			sup_spawner_stop("it named a session we have");
			return;
		}
		sup_spawner_failed(err, now);	/* no memory to book it */
	}
}

/* An awaiting session sent garbage or was too late: it ends here. */
static void
sup_give_up(struct sst_session *s)
{
	sst_settle(s);
	s->proxy_failed = 1;
	(void)chd_signal(s->pidfd, SIGKILL);
}

/*
 * The client an awaiting session names: admission for it, as for a
 * direct client (allow/deny, limits, rates; its host is the one counted),
 * and the answer.  SECURITY: the name is the session's word, checked by
 * rpt_decode; for a header naming no client (v2 LOCAL, v1 UNKNOWN) the
 * address is the proxy's, which the acceptor knows itself.
 */
static void
sup_verdict(struct sst_session *s, int64_t now)
{
	const struct sockaddr *sa;
	struct rpt_record r;
	struct adm_host *host;
	char client[64];
	int verdict;

	switch (sst_peer(s, &r)) {
	case SST_NONE:
		return;
	case SST_LATER:		/* it ended first: its record says why */
		sst_settle(s);
		return;
	case SST_BAD:
		sup_give_up(s);
		return;
	case SST_PEER:
		break;
	}
	sst_settle(s);
	sa = r.type == RPT_PEER ? (const struct sockaddr *)&r.peer : &s->proxy.sa;
	lsn_addr_name(sa, client, sizeof(client));
	/* Itself not counted among the sessions open. */
	verdict = adm_admit(&sup.cfg, sa, (unsigned)sst_active() - 1, now, &host);
	if (verdict != ADM_OK) {
		sup.st.refused[verdict]++;
		s->refused = 1;
		sup_log_refused(client, s->peer, adm_reason_name(verdict), now);
		if (sst_verdict(s, RPT_REFUSE) == -1)
			(void)chd_signal(s->pidfd, SIGKILL);
		return;
	}
	if (sst_verdict(s, RPT_PROCEED) == -1) {
		adm_release(host);
		sup_give_up(s);
		return;
	}
	s->host = host;
	memcpy(s->via, s->peer, sizeof(s->via));
	snprintf(s->peer, sizeof(s->peer), "%s", client);
	sup.st.accepted++;
	log_info("open peer=%s via=%s pid=%ld active=%zu", s->peer, s->via,
	    (long)s->pid, sst_active());
}

/*
 * The sessions awaiting a verdict, polled from pfd[0..n) in the order of
 * the awaiting list: the ones that sent something, and the ones past
 * their deadline.  Backwards, because sst_settle() moves the last one
 * into the hole, and the last ones have been seen by then.
 */
static void
sup_verdicts(const struct pollfd *pfd, size_t n, int64_t now)
{
	struct sst_session *s;

	for (size_t i = n; i-- > 0;) {
		if ((s = sst_awaiting(i)) == NULL)
			continue;
		if (pfd[i].revents != 0)
			sup_verdict(s, now);
		else if (now >= s->deadline)
			sup_give_up(s);
	}
}

/*
 * Out of descriptors or memory.  The backlog stays readable, so the
 * listeners leave the poll set for a pause (sup_turn), or poll() would
 * return at once and the loop spin; and the line is rate-limited, as
 * every retry fails the same way.
 */
static void
sup_accept_failed(int64_t now)
{
	const char *more;
	int err;

	sup.accept_pause = now + SUP_EMFILE_PAUSE;
	if (sup_quiet_due(&sup.accept_q, now, SUP_EMFILE_LOG)) {
		err = errno;	/* the line's */
		more = sup_quiet_said(&sup.accept_q, now);
		errno = err;
		log_warn("accept%s", more);
	}
}

static void
sup_accept(const struct lsn *l, int64_t now)
{
	struct sockaddr_storage ss;
	struct adm_host *host;
	char peer[64];

	for (int i = 0; i < SUP_ACCEPT_BURST && sup_can_accept(now); i++) {
		socklen_t len = sizeof(ss);
		int fd = accept4(l->fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC), verdict;

		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				sup_accept_failed(now);
			return;		/* EAGAIN, ECONNABORTED, ...: next turn */
		}
		lsn_addr_name((struct sockaddr *)&ss, peer, sizeof(peer));
		if (!l->proxy_protocol)
			verdict = adm_admit(&sup.cfg, (struct sockaddr *)&ss,
			    (unsigned)sst_active(), now, &host);
		/* SECURITY: only a trusted proxy may name a client; admission
		 * waits for that name, but a session is a process: within
		 * max_clients. */
		else if (!acl_match(sup.cfg.trusted_proxies,
		    sup.cfg.ntrusted_proxies, (struct sockaddr *)&ss))
			verdict = ADM_UNTRUSTED_PROXY;
		else
			verdict = sst_active() >= (size_t)sup.cfg.max_clients ?
			    ADM_MAX_CLIENTS : ADM_OK;
		if (verdict != ADM_OK) {
			/* SECURITY: refused before a byte is read or sent. */
			close(fd);
			sup.st.refused[verdict]++;
			sup_log_refused(peer, NULL, adm_reason_name(verdict), now);
			continue;
		}
		if (sup_hand(fd, peer, l->proxy_protocol ? NULL : host, &ss,
		    l->proxy_protocol, now) == -1)
			sup_spawn(fd, peer, l->proxy_protocol ? NULL : host,
			    l->proxy_protocol ? &ss : NULL, now);
		close(fd);
	}
}

/* ---- what main says ---------------------------------------------------------- */

static uint64_t
sup_refused(void)
{
	uint64_t refused = 0;

	for (int i = 1; i < ADM_NVERDICTS; i++)
		refused += sup.st.refused[i];
	return refused;
}

/*
 * requested: SIGUSR1, at notice whatever log_level says; otherwise the
 * periodic line of stats_interval, at info like the lines it sums up.
 */
static void
sup_stats(int requested)
{
	char line[512];

	snprintf(line, sizeof(line),
	    "stats active=%zu accepted=%llu refused=%llu refused_acl=%llu "
	    "refused_max_clients=%llu refused_max_clients_per_host=%llu "
	    "refused_rate=%llu refused_rate_per_host=%llu "
	    "refused_untrusted_proxy=%llu bytes_in=%llu "
	    "bytes_out=%llu killed_sandbox=%llu killed_other=%llu fork_failed=%llu",
	    sst_active(), (unsigned long long)sup.st.accepted,
	    (unsigned long long)sup_refused(),
	    (unsigned long long)sup.st.refused[ADM_ACL],
	    (unsigned long long)sup.st.refused[ADM_MAX_CLIENTS],
	    (unsigned long long)sup.st.refused[ADM_PER_HOST],
	    (unsigned long long)sup.st.refused[ADM_RATE],
	    (unsigned long long)sup.st.refused[ADM_RATE_PER_HOST],
	    (unsigned long long)sup.st.refused[ADM_UNTRUSTED_PROXY],
	    (unsigned long long)sup.st.in, (unsigned long long)sup.st.out,
	    (unsigned long long)sup.st.killed_sandbox,
	    (unsigned long long)sup.st.killed_other,
	    (unsigned long long)sup.st.fork_failed);
	if (requested)
		log_requested("%s", line);
	else
		log_info("%s", line);
}

static void
sup_begin_stop(int64_t now)
{
	if (sup.stopping)
		return;
	sup.stopping = 1;
	lsn_close_all(&sup.lsn);
	sup.rebuild = 1;
	log_info("shutting down: sessions=%zu", sst_active());
	sup.deadline = now + (int64_t)sup.cfg.shutdown_timeout * 1000;
	sst_signal_all(SIGTERM);
	/* Idle sessions and the spawner see their channel close and exit. */
	sst_pool_release(0);
	sup_spawner_lost();
}

#ifdef CASESERV_TEST_HOOKS
/*
 * Test builds: one thing the acceptor's filter forbids, tried once the
 * first configuration is in force ("what", or "what:argument").  Each
 * must kill the acceptor with SIGSYS, which main logs naming the call,
 * before it has any effect; a call that returns instead is logged, and
 * the test fails on that line.
 */
static void
sup_test_attack(const char *what, const struct lsn_set *lsn, int chan)
{
	static char *const argv[] = { NULL };
	const char *arg = strchr(what, ':') != NULL ? strchr(what, ':') + 1 :
	    "/nonexistent";
	size_t n = strcspn(what, ":");
	int lfd = lsn->n > 0 ? lsn->v[0].fd : -1, one = 1;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(9),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	long r = -2;
	void *p;

#define IS(w)	(n == strlen(w) && strncmp(what, (w), n) == 0)
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", arg);
	if (IS("open"))
		r = open(arg, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	else if (IS("socket"))
		r = socket(AF_INET, SOCK_STREAM, 0);
	else if (IS("connect"))
		r = connect(lfd, (struct sockaddr *)&sin, sizeof(sin));
	else if (IS("bind"))
		r = bind(chan, (struct sockaddr *)&sun, sizeof(sun));
	else if (IS("unlink"))
		r = unlink(arg);
	else if (IS("ftruncate"))
		r = ftruncate(2, 0);
	else if (IS("kill"))
		r = kill((pid_t)atoi(arg), 0);
	else if (IS("mmap_exec"))
		r = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE |
		    MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? -1 : 0;
	else if (IS("mprotect_exec")) {
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE |
		    MAP_ANONYMOUS, -1, 0);
		r = mprotect(p, 4096, PROT_READ | PROT_EXEC);
	} else if (IS("fcntl_setown"))
		r = fcntl(chan, F_SETOWN, -getpid());
	else if (IS("fcntl_setsig"))
		r = fcntl(chan, F_SETSIG, SIGIO);
	else if (IS("fcntl_async"))
		r = fcntl(chan, F_SETFL, O_ASYNC | O_NONBLOCK);
	else if (IS("pidfd_open"))
		r = syscall(SYS_pidfd_open, getppid(), 0);
	else if (IS("setsockopt"))
		r = setsockopt(lfd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	else if (IS("sendto"))
		r = sendto(chan, "x", 1, 0, (struct sockaddr *)&sun, sizeof(sun));
	else if (IS("ioctl"))
		r = ioctl(lfd, FIONREAD, &one);
	else if (IS("execve"))
		r = execve(arg, argv, argv);
#undef IS
	log_warnx("test: acceptor attack %s: returned %ld: %s", what, r,
	    strerror(errno));
}
#endif

/* A whole configuration came: it is in force from now on.  Sessions in
 * progress keep the settings they were forked with; a listener main kept
 * is the same socket under a new descriptor, so nothing is refused. */
static void
sup_apply(void)
{
	cfg_free(&sup.cfg);
	sup.cfg = sup.next.cfg;
	lsn_close_all(&sup.lsn);
	sup.lsn = sup.next.lsn;
	sup.heartbeat_ms = sup.next.heartbeat_ms;
	memset(&sup.next, 0, sizeof(sup.next));
	log_configure(sup.cfg.log_facility, sup.cfg.log_level);
	if (sup.stopping)
		lsn_close_all(&sup.lsn);
	sup.rebuild = 1;
	if (msg_send(sup.chan, MSG_APPLIED, NULL, 0, -1, 0) == -1)
		log_warn("acceptor: channel to main");
#ifdef CASESERV_TEST_HOOKS
	if (!sup.configured && sup.attack != NULL)
		sup_test_attack(sup.attack, &sup.lsn, sup.chan);
#endif
	sup.configured = 1;
}

static void
sup_message(struct msg *m, int64_t now)
{
	int rc;

	switch (m->type) {
	case MSG_SETTINGS: case MSG_ACL: case MSG_LISTENER: case MSG_COMMIT:
		if ((rc = msg_config_take(&sup.next, m)) == -1)
			fatalx(EX_SOFTWARE, "acceptor: configuration from main "
			    "out of order or invalid");
		if (rc == 1)
			sup_apply();
		break;
	case MSG_LOGSOCK:
		log_use_socket(m->fd, sup_log_lost);
		m->fd = -1;
		break;
	case MSG_STATS:
		sup_stats(1);
		break;
	case MSG_STOP:
		sup_begin_stop(now);
		break;
	default:
		fatalx(EX_SOFTWARE, "acceptor: unexpected message %d from main",
		    m->type);
	}
	if (m->fd != -1)
		close(m->fd);
}

/* Main's messages, a bounded number a turn.  Main gone: stop. */
static void
sup_messages(int64_t now)
{
	struct msg m;
	int r;

	for (int i = 0; sup.chan != -1 && i < SUP_MSG_BURST; i++) {
		if ((r = msg_recv(sup.chan, &m)) == 0)
			return;
		if (r == -2)
			fatalx(EX_SOFTWARE, "acceptor: malformed message from main");
		if (r == -1) {
			close(sup.chan);
			sup.chan = -1;
			sup.rebuild = 1;
			sup_begin_stop(now);
			return;
		}
		sup_message(&m, now);
	}
}

static void
sup_signals(int64_t now)
{
	char drain[64];

	while (read(sup_wake[0], drain, sizeof(drain)) > 0)
		;
	if (sup_got_term) {
		sup_got_term = 0;
		sup_begin_stop(now);
	}
	if (sup_got_usr1) {
		sup_got_usr1 = 0;
		sup_stats(1);
	}
}

/* ---- the loop --------------------------------------------------------- */

/* ps shows the counts; rewritten only when they change, at most once a
 * turn, so a burst of accepts costs one title. */
static void
sup_title(void)
{
	static size_t shown_lsn = SIZE_MAX, shown_active = SIZE_MAX;

	if (sup.lsn.n == shown_lsn && sst_active() == shown_active)
		return;
	shown_lsn = sup.lsn.n;
	shown_active = sst_active();
	pt_set("acceptor [listeners=%zu sessions=%zu]", shown_lsn, shown_active);
}

/* Counters to main, for STATUS=: when they change (at most every
 * SUP_STATUS_MIN ms), and every heartbeat anyway, so main can tell the
 * service manager's watchdog that this loop turns. */
static void
sup_report(int64_t now)
{
	struct msg_status cur = { sst_active(), sup.st.accepted, sup_refused() };
	int changed = memcmp(&cur, &sup.sent, sizeof(cur)) != 0;

	if (sup.chan == -1 || (!(changed && now - sup.sent_at >= SUP_STATUS_MIN) &&
	    now - sup.sent_at < sup.heartbeat_ms))
		return;
	if (msg_status_send(sup.chan, &cur) == 0) {
		sup.sent = cur;
		sup.sent_at = now;
	}
}

/* The periodic stats line; counters to main. */
static void
sup_scheduled(int64_t now)
{
	struct sts_counts c = { sst_active(), sup.st.accepted, sup_refused(), 0 };

	if (sts_turn(now, &c, sup.cfg.stats_interval))
		sup_stats(0);
	sup_report(now);
	/* Once a second at most (every poll ends within one). */
	if (now >= sup.overdue_next) {
		sup.overdue_next = now + 1000;
		(void)sst_kill_overdue(now);
	}
}

static int
sup_timeout(int64_t now)
{
	int64_t t = rfl_pending() ? 1000 : -1, due = sts_timeout(now);
	int64_t beat = sup.sent_at + sup.heartbeat_ms - now;

	if (sup.stopping)
		t = sup.deadline > now ? sup.deadline - now : 1000;
	else if (sup.accept_pause > now)
		t = sup.accept_pause - now;
	else if (t < 0)
		t = 1000;	/* forget idle hosts of the rate limits */
	if (sup.spw.direct_until > now && sup.spw.direct_until - now < t)
		t = sup.spw.direct_until - now;	/* the pool refilled then */
	if (sup.spw.fd != -1 && sup.spw.owed_len > 0 &&
	    sup_silence_due() - now < t)
		t = sup_silence_due() - now;	/* a slow spawner */
	if (due >= 0 && due < t)
		t = due;	/* the stats line */
	if (beat < t)
		t = beat < SUP_STATUS_MIN ? SUP_STATUS_MIN : beat;
	return (int)(t > 1000 ? 1000 : t < 0 ? 0 : t);
}

/*
 * pfd: SUP_FIXED, then nlsn listeners, the spawner, then the awaiting
 * sessions up to npfd.  Idle sessions are not polled: one that ends
 * (its lock-down failed, or it was killed) is reaped like any other
 * (sup_collect_idle), and a hand-over to one that is gone fails and
 * tries the next (sup_hand).
 */
static void
sup_turn(struct pollfd *pfd, size_t nlsn, size_t npfd)
{
	int64_t now = sup_now();
	size_t lend = SUP_FIXED + nlsn, wbeg = lend + 1;

	for (size_t i = 0; i < npfd; i++) {
		pfd[i].revents = 0;
		/* Paused, or no session to take a client: a readable
		 * backlog must not end every poll at once.  The backlog is
		 * the queue while the spawner catches up (bounded by it). */
		if (i >= SUP_FIXED && i < lend)
			pfd[i].events = sup.accept_pause > now ||
			    !sup_can_accept(now) ? 0 : POLLIN;
	}
	if (poll(pfd, npfd, sup_timeout(sup_now())) == -1 && errno != EINTR)
		fatal(EX_OSERR, "acceptor: poll");
	now = sup_now();
	/* Before any session leaves the book: pfd follows the list. */
	sup_verdicts(pfd + wbeg, npfd - wbeg, now);
	if (pfd[lend].revents != 0)
		sup_spawner(now);
	sup_signals(now);
	if (pfd[1].revents != 0)
		sup_messages(now);
	sup_collect();
	sup_log_refused(NULL, NULL, NULL, now);
	sup_spawner_owed(now);
	sup_spawner_silence(now);
	sup_scheduled(now);
	if (sup.stopping) {
		if (now >= sup.deadline) {
			sst_signal_all(SIGKILL);
			if (sup.spw.pidfd != -1)
				(void)chd_signal(sup.spw.pidfd, SIGKILL);
		}
		return;
	}
	if (now - sup.expired >= 1000) {
		adm_expire(&sup.cfg, now);
		sup.expired = now;
	}
	if (sup.accept_pause <= now && !sup.rebuild)
		for (size_t i = SUP_FIXED; i < lend; i++)
			if (pfd[i].revents & POLLIN)
				sup_accept(&sup.lsn.v[i - SUP_FIXED], now);
	sup_refill(now);
}

/*
 * The poll set, each turn: the self-pipe, main's channel, the listeners,
 * the spawner's socket and the channels of the sessions awaiting a
 * verdict (a few: each is there for a header's time at most), nothing
 * else: not the idle sessions (sup_turn).
 */
static size_t
sup_poll_set(struct pollfd **pfd, size_t *cap)
{
	size_t want = SUP_FIXED + sup.lsn.n + 1 + sst_nawaiting(), n = 0;
	struct pollfd *p;

	if (*pfd == NULL || want > *cap) {
		if ((p = realloc(*pfd, want * 2 * sizeof(*p))) == NULL)
			fatal(EX_OSERR, "acceptor: poll set");
		*pfd = p;
		*cap = want * 2;
	}
	p = *pfd;
	p[n++] = (struct pollfd){ .fd = sup_wake[0], .events = POLLIN };
	p[n++] = (struct pollfd){ .fd = sup.chan, .events = POLLIN };
	for (size_t i = 0; i < sup.lsn.n; i++)
		p[n++] = (struct pollfd){ .fd = sup.lsn.v[i].fd, .events = POLLIN };
	/* -1 once gone: poll() skips it. */
	p[n++] = (struct pollfd){ .fd = sup.spw.fd, .events = POLLIN };
	for (size_t i = 0; n < want; i++)
		p[n++] = (struct pollfd){ .fd = sst_awaiting(i)->chan,
		    .events = POLLIN };
	return n;
}

static int
sup_run(void)
{
	struct pollfd *pfd = NULL;
	size_t cap = 0, npfd;

	/* Stopping: until every session, idle ones and the spawner too,
	 * has been reaped (none is left a zombie for init). */
	while (!sup.stopping || sst_active() > 0 || sst_leaving() > 0 ||
	    sup.spw.pid != 0) {
		npfd = sup_poll_set(&pfd, &cap);
		sup.rebuild = 0;
		sup_title();
		sup_turn(pfd, sup.lsn.n, npfd);
	}
	free(pfd);
	cfg_free(&sup.cfg);
	msg_config_free(&sup.next);
	return EX_OK;
}

void
sup_acceptor(int chan, int logfd, int keep_stderr, pid_t main)
{
#ifdef CASESERV_TEST_HOOKS
	sup.attack = getenv("CASESERV_TEST_ACCEPTOR_ATTACK");
#endif
	sup_lock_down(chan, logfd, keep_stderr, main);
	exit(sup_run());
}
