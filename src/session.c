/*
 * session.c - the child that serves one connection.
 *
 * ses_run() first locks the process down (ses_lock_down reads as the list
 * of protections), then echoes toggled chunks until the client is done, a
 * limit is reached or the acceptor asks it to finish, and reports how it
 * ended.  ses_pool_run() is the same for a session forked ahead of need:
 * the lock-down with no client at all, then the wait on its channel for
 * one (ses_receive).  Nothing here allocates or logs: after the sandbox is
 * on, the only system calls are read, write, poll, shutdown, close,
 * clock_gettime, recvmsg (the hand-over) and exit.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "landlock.h"
#include "listeners.h"
#include "msg.h"
#include "privs.h"
#include "proctitle.h"
#include "proxy.h"
#include "report.h"
#include "sandbox.h"
#include "session.h"
#include "toggle.h"

/* Big enough that a bulk transfer costs few system calls per MiB. */
#define SES_BUFSIZE	(64 * 1024)
/* On shutdown, what is already queued is still echoed, up to this much. */
#define SES_DRAIN_MAX	(4 * 1024 * 1024)
/* Before closing, unread input is discarded for this long, so the close
 * does not turn into a reset that could destroy echoed bytes in flight. */
#define SES_LINGER_MS	200
#define SES_LINGER_MAX	2000

static unsigned char ses_buf[SES_BUFSIZE];
static struct rpt_record ses_rep;
static int ses_report_fd = -1;
/* RLIMIT_NOFILE: 1 for a session forked with its client; 2 for one
 * forked ahead of need (its channel on 0, 1 free for the client). */
static rlim_t ses_nofile = 1;
static volatile sig_atomic_t ses_finishing;
static sigset_t ses_open_mask;		/* inside ppoll: SIGTERM comes in */
#ifdef CASESERV_TEST_HOOKS
static int ses_break_sandbox;
static int ses_probe_walls;
static const char *ses_attack;		/* CASESERV_TEST_SESSION_ATTACK */
#endif

static const char *const ses_reasons[SES_NREASONS] = {
	[SES_OK] = "ok",
	[SES_EOF] = "eof",
	[SES_IDLE] = "idle_timeout",
	[SES_TIMEOUT] = "session_timeout",
	[SES_BYTELIMIT] = "byte_limit",
	[SES_RESET] = "reset",
	[SES_SHUTDOWN] = "shutdown",
	[SES_ERROR] = "error",
	[SES_SANDBOX] = "sandbox",
	[SES_PROXY_ERROR] = "proxy_error",
};

const char *
ses_reason_name(int reason)
{
	if (reason < 0 || reason >= SES_NREASONS)
		return "unknown";
	return ses_reasons[reason];
}

static int64_t
ses_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
ses_on_term(int sig)
{
	(void)sig;
	ses_finishing = 1;
}

/* Called from the SIGSYS handler: one write, async-signal-safe. */
static void
ses_on_violation(long nr)
{
	unsigned char buf[RPT_SIZE];

	ses_rep.type = RPT_SANDBOX;
	ses_rep.reason = SES_SANDBOX;
	ses_rep.sysno = nr;
	rpt_encode(&ses_rep, buf);
	(void)!write(ses_report_fd, buf, sizeof(buf));
}

static void
ses_report(int reason)
{
	unsigned char buf[RPT_SIZE];

	ses_rep.type = RPT_CLOSE;
	ses_rep.reason = reason;
	rpt_encode(&ses_rep, buf);
	(void)!write(ses_report_fd, buf, sizeof(buf));
}

/* Close every descriptor but the n in keep (at most three). */
static int
ses_close_others(const int *keep, size_t n)
{
	int k[3], t;
	unsigned lo = 0;

	if (n > 3)
		return -1;
	memcpy(k, keep, n * sizeof(*k));
	for (size_t i = 1; i < n; i++)		/* three at most: insertion sort */
		for (size_t j = i; j > 0 && k[j - 1] > k[j]; j--)
			t = k[j], k[j] = k[j - 1], k[j - 1] = t;
	for (size_t i = 0; i < n; i++) {
		if ((unsigned)k[i] > lo &&
		    close_range(lo, (unsigned)k[i] - 1, 0) == -1)
			return -1;
		if ((unsigned)k[i] + 1 > lo)
			lo = (unsigned)k[i] + 1;
	}
	return close_range(lo, ~0U, 0);
}

/*
 * Answer each chunk at once, never held back by Nagle; and an urgent byte
 * is a byte like any other, read in line, not lost.  Only a TCP socket
 * has these options: under -i the client may also be a pipe or a Unix
 * socket, which have neither Nagle nor urgent data.
 */
static int
ses_tcp_options(int fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1)
		return (errno == ENOTSOCK || errno == EOPNOTSUPP ||
		    errno == ENOPROTOOPT) ? 0 : -1;
	return setsockopt(fd, SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one));
}

/*
 * The acceptor's handlers must never run here (they write to its
 * self-pipe and reap its children), so the signals they catch stay blocked for the
 * session's life.  SIGTERM, the acceptor's request to finish, is blocked
 * too except inside ppoll() while waiting for input: it can never slip in
 * between the check of ses_finishing and the wait.  The acceptor blocked
 * everything around clone(), so a SIGTERM sent in that window is pending
 * and is delivered in the first wait.
 */
static int
ses_signals(void)
{
	static const int theirs[] = { SIGHUP, SIGINT, SIGUSR1, SIGCHLD, SIGPIPE };
	struct sigaction sa;
	sigset_t mask;

	sigemptyset(&ses_open_mask);
	for (size_t i = 0; i < sizeof(theirs) / sizeof(theirs[0]); i++)
		sigaddset(&ses_open_mask, theirs[i]);
	mask = ses_open_mask;
	sigaddset(&mask, SIGTERM);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: SIGTERM must interrupt ppoll so the loop sees it. */
	sa.sa_handler = ses_on_term;
	if (sigaction(SIGTERM, &sa, NULL) == -1)
		return -1;
	return sigprocmask(SIG_SETMASK, &mask, NULL);
}

/*
 * RLIMIT_NOFILE cannot be 0 in a session: poll() refuses to watch more
 * descriptors than it allows (EINVAL).  At 1 a new descriptor could only
 * be number 0, so the report socket moves there when 0 is free.
 */
static int
ses_take_fd0(const struct ses_conn *c)
{
	if (c->rfd == 0 || c->wfd == 0 || c->report_fd == 0)
		return 0;
	if (dup2(c->report_fd, 0) == -1 || close(c->report_fd) == -1)
		return -1;
	ses_report_fd = 0;
	return 0;
}

/*
 * As OpenSSH's sandboxes do: even a call the filter allows cannot fork
 * (RLIMIT_NPROC; the session has no capability to exceed it), make a new
 * descriptor (RLIMIT_NOFILE, with descriptor 0 taken: see above; the ones
 * it holds stay usable) or grow a file (RLIMIT_FSIZE).  The hard limits
 * too, so that they can never be raised again.
 */
static int
ses_zero_limits(void)
{
	const struct {
		int		resource;
		struct rlimit	lim;
	} limits[] = {
		{ RLIMIT_NPROC, { 0, 0 } },
#ifndef CASESERV_COVERAGE
		/* Coverage builds: libgcov opens and writes the counters at
		 * exit (docs/SECURITY.md). */
		{ RLIMIT_NOFILE, { ses_nofile, ses_nofile } },
		{ RLIMIT_FSIZE, { 0, 0 } },
#endif
	};

#ifdef CASESERV_TEST_HOOKS
	/* The test daemon: CASESERV_TEST_NO_RLIMITS=1 takes this wall down. */
	if (getenv("CASESERV_TEST_NO_RLIMITS") != NULL)
		return 0;
#endif
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		if (setrlimit(limits[i].resource, &limits[i].lim) == -1)
			return -1;
	return 0;
}

/*
 * SECURITY: the whole path from fork() to the first read() of client
 * data.  Any failure ends the session before it has seen a byte.
 */
static int
ses_lock_down(const struct ses_conn *c, const struct ses_params *p)
{
	static const struct rlimit none = { 0, 0 };
	const int keep[3] = { c->report_fd, c->rfd, c->wfd };
	size_t nkeep = c->rfd == -1 ? 1 : c->rfd == c->wfd ? 2 : 3;

	/* Named while prctl(PR_SET_NAME) is still allowed. */
	if (p->title != NULL)
		pt_title(p->title, (char *)NULL);
	pt_name("caseserv-sess");
	if (ses_signals() == -1)
		return -1;
	/* SECURITY: no listener, no other client, no log socket in here. */
	if (ses_close_others(keep, nkeep) == -1 ||
	    ses_take_fd0(c) == -1)
		return -1;
	/* SECURITY: a killed session must not dump client data to disk. */
	if (setrlimit(RLIMIT_CORE, &none) == -1)
		return -1;
	/* SECURITY: no session outlives the acceptor. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != p->parent)
		return -1;
	/* Forked ahead of need: the acceptor sets them before the hand-over. */
	if (c->rfd != -1 && (ses_tcp_options(c->rfd) == -1 ||
	    (c->wfd != c->rfd && ses_tcp_options(c->wfd) == -1)))
		return -1;
	/* SECURITY: no capability, in any set. */
	if (prv_drop_session() == -1)
		return -1;
	/* SECURITY: no file, no TCP bind or connect (Landlock, where the
	 * kernel has it); made while a ruleset descriptor can still be.  A
	 * session forked ahead of need is in that domain already: the spawner
	 * entered it before its first clone (spawner.c), and a domain is
	 * inherited and never left.  A layer of its own would add no rule,
	 * only a set-up per session. */
	if (c->rfd != -1 && ll_restrict_session() == -1)
		return -1;
	/* SECURITY: no new process, descriptor or file byte. */
	if (ses_zero_limits() == -1)
		return -1;
	/* SECURITY: from here on, only the loop's system calls. */
	return sbx_enter_session(ses_on_violation);
}

/* Milliseconds poll() may wait, given the idle and session deadlines. */
static int
ses_wait_ms(const struct ses_params *p, int64_t start, int64_t last,
    int *which)
{
	int64_t now = ses_now_ms(), wait = -1;

	*which = SES_OK;
	if (p->idle_timeout > 0) {
		wait = last + (int64_t)p->idle_timeout * 1000 - now;
		*which = SES_IDLE;
	}
	if (p->session_timeout > 0) {
		int64_t s = start + (int64_t)p->session_timeout * 1000 - now;

		/* A deadline already passed is negative, not "none". */
		if (*which == SES_OK || s < wait) {
			wait = s;
			*which = SES_TIMEOUT;
		}
	}
	if (*which == SES_OK)
		return -1;
	return wait < 0 ? 0 : (int)(wait > 60000 ? 60000 : wait);
}

/*
 * Wait until fd is ready for events.  Returns SES_OK when ready, or the reason
 * the session ends: a deadline passed, or (with stop_on_term) the acceptor
 * asked it to finish.
 */
static int
ses_wait(int fd, short events, const struct ses_params *p, int64_t start,
    int64_t *last, int stop_on_term)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	struct timespec ts, *tsp;
	int which, ms, n;

	for (;;) {
		if (stop_on_term && ses_finishing)
			return SES_SHUTDOWN;
		ms = ses_wait_ms(p, start, *last, &which);
		if (ms == 0)
			return which;
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000;
		tsp = ms < 0 ? NULL : &ts;
		n = ppoll(&pfd, 1, tsp, stop_on_term ? &ses_open_mask : NULL);
		if (n > 0)
			return 0;
		if (n == -1 && errno != EINTR)
			return SES_RESET;
	}
}

/* Write all of buf; moving bytes counts as activity for idle_timeout. */
static int
ses_write_all(int fd, const unsigned char *buf, size_t len,
    const struct ses_params *p, int64_t start, int64_t *last)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			ses_rep.out += (uint64_t)n;
			*last = ses_now_ms();
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno != EAGAIN)
			return SES_RESET;
		/* What was read is owed even while finishing: no stop_on_term. */
		int r = ses_wait(fd, POLLOUT, p, start, last, 0);
		if (r != 0)
			return r;
	}
	return 0;
}

#ifdef CASESERV_TEST_HOOKS
/* "ok", or the name of errno, for a probe that returned rc. */
static const char *
ses_probe_result(int rc)
{
	const char *name = rc == -1 ? strerrorname_np(errno) : "ok";

	return name != NULL ? name : "?";
}

/*
 * The test daemon's look at its walls from inside (CASESERV_TEST_PROBE_
 * WALLS=1): each act a session must not manage, and what it got, sent in
 * place of the echo.  With seccomp on, the first one is the end of it.
 */
static int
ses_probe(const struct ses_conn *c, const struct ses_params *p, int64_t start,
    int64_t *last)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char out[256];
	const char *r[5];
	int fd, rc;
	pid_t pid;

	fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	r[0] = ses_probe_result(fd);
	if (fd != -1)
		close(fd);
	fd = open("/tmp/caseserv-probe", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);
	r[1] = ses_probe_result(fd);
	if (fd != -1)
		close(fd);
	/* An address of this host: the one the client reached us on. */
	rc = getsockname(c->rfd, (struct sockaddr *)&ss, &sl);
	fd = rc == -1 ? -1 : socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	r[3] = ses_probe_result(fd == -1 ? -1 :
	    connect(fd, (struct sockaddr *)&ss, sl));
	if (fd != -1)
		close(fd);
	((struct sockaddr_in *)&ss)->sin_port = 0;	/* same offset in v6 */
	fd = rc == -1 ? -1 : socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	r[2] = ses_probe_result(fd == -1 ? -1 :
	    bind(fd, (struct sockaddr *)&ss, sl));
	if (fd != -1)
		close(fd);
	if ((pid = fork()) == 0)
		_exit(0);
	r[4] = ses_probe_result(pid == -1 ? -1 : 0);
	snprintf(out, sizeof(out), "open=%s creat=%s bind=%s connect=%s "
	    "fork=%s\n", r[0], r[1], r[2], r[3], r[4]);
	return ses_write_all(c->wfd, (const unsigned char *)out, strlen(out), p,
	    start, last);
}

/*
 * Test builds: what a compromised session could do to its channel, at
 * the first read of a client that starts with "!attack".  "shutdown" shuts
 * it down (the shared report socket of old could be shut for every
 * session this way);
 * "flood" fills it with records; "forge" writes a record that lies and
 * exits at once, so the lie is its only record; "hang" stops obeying its
 * timers and SIGTERM, holding its slot (the acceptor's overdue kill).
 */
static void
ses_test_attack(const char *what)
{
	struct rpt_record lie = { .type = RPT_CLOSE, .reason = SES_EOF,
	    .in = 999999, .out = 999999 };
	unsigned char buf[RPT_SIZE];

	rpt_encode(&lie, buf);
	if (strcmp(what, "shutdown") == 0)
		(void)shutdown(ses_report_fd, SHUT_RDWR);
	else if (strcmp(what, "flood") == 0)
		while (write(ses_report_fd, buf, sizeof(buf)) > 0)
			;
	else if (strcmp(what, "forge") == 0) {
		(void)!write(ses_report_fd, buf, sizeof(buf));
		_exit(0);
	} else if (strcmp(what, "hang") == 0)
		for (;;)	/* deaf to its timers and to SIGTERM */
			(void)ppoll(NULL, 0, NULL, NULL);
	ses_attack = NULL;
}
#endif

/* ---- behind a PROXY-protocol listener --------------------------------- */

#ifdef CASESERV_TEST_HOOKS
/*
 * Test builds: what a compromised session could say to the acceptor in
 * place of the client, for a header naming source port 6666 only (the
 * others stay honest).  "proxy_garbage": a record that does not decode;
 * "proxy_silent": nothing, and no end (the acceptor's deadline ends it);
 * "proxy_twice": the client, then a second client.  0: not attacked.
 */
static int
ses_test_proxy_attack(const struct prx_result *r, unsigned char buf[RPT_SIZE])
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&r->src;

	if (ses_attack == NULL || r->family != PRX_FAM_TCP4 ||
	    sin->sin_port != htons(6666))
		return 0;
	if (strcmp(ses_attack, "proxy_garbage") == 0) {
		memset(buf, 0xa5, RPT_SIZE);
		(void)!write(ses_report_fd, buf, RPT_SIZE);
	} else if (strcmp(ses_attack, "proxy_silent") == 0) {
		for (;;)
			(void)poll(NULL, 0, 60000);
	} else if (strcmp(ses_attack, "proxy_twice") == 0) {
		(void)!write(ses_report_fd, buf, RPT_SIZE);
		buf[16] ^= 1;	/* another client */
		(void)!write(ses_report_fd, buf, RPT_SIZE);
	} else
		return 0;
	return 1;
}
#endif

/*
 * The acceptor's answer to the client we named: SES_OK to serve, -1 when
 * refused, or the reason the session ends without one.  SIGTERM comes in
 * while we wait (the daemon is stopping); the acceptor answers at once,
 * and gives up on a session that takes longer than proxy_timeout anyway.
 */
static int
ses_verdict(int timeout_s)
{
	struct pollfd pfd = { .fd = ses_report_fd, .events = POLLIN };
	struct timespec ts = { .tv_sec = timeout_s };
	unsigned char buf[RPT_SIZE + 1];
	struct rpt_record v;
	ssize_t n;

	for (;;) {
		if (ses_finishing)
			return SES_SHUTDOWN;
		if ((n = ppoll(&pfd, 1, &ts, &ses_open_mask)) == 0)
			return SES_PROXY_ERROR;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return SES_ERROR;
		if ((n = read(ses_report_fd, buf, sizeof(buf))) == -1 &&
		    (errno == EAGAIN || errno == EINTR))
			continue;
		if (n != RPT_SIZE || rpt_decode(buf, (size_t)n, &v) == -1 ||
		    v.type != RPT_VERDICT)
			return SES_ERROR;
		return v.reason == RPT_PROCEED ? SES_OK : -1;
	}
}

/*
 * SECURITY: the PROXY header is read and parsed only here, inside every
 * wall, so that a bug in the parser reaches this one connection.  The
 * client it names goes to the acceptor, which runs admission for it; no
 * byte is served before its verdict.  SES_OK: serve; -1: refused (the
 * acceptor logged it); else how the session ends.
 */
static int
ses_proxy(const struct ses_conn *c, const struct ses_params *p)
{
	struct rpt_record peer = { .type = RPT_LOCAL };
	unsigned char buf[RPT_SIZE];
	struct prx_result r;
	char client[64];
	int v;

	if (prx_read(c->rfd, p->proxy_timeout * 1000, &r) == PRX_ERROR)
		return SES_PROXY_ERROR;
	/* v1 UNKNOWN, v2 LOCAL, AF_UNSPEC, AF_UNIX, UDP: the proxy itself. */
	if (r.family == PRX_FAM_TCP4 || r.family == PRX_FAM_TCP6) {
		peer.type = RPT_PEER;
		peer.peer = r.src;
	}
	rpt_encode(&peer, buf);
#ifdef CASESERV_TEST_HOOKS
	if (ses_test_proxy_attack(&r, buf))
		return ses_verdict(p->proxy_timeout) == SES_OK ? SES_OK : -1;
#endif
	if (write(ses_report_fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		return SES_ERROR;
	v = ses_verdict(p->proxy_timeout);
	if (v == SES_OK && peer.type == RPT_PEER) {
		/* Only memory is written: allowed under the filter. */
		lsn_addr_name((struct sockaddr *)&peer.peer, client,
		    sizeof(client));
		pt_title("session ", client, " via ", p->via, (char *)NULL);
	}
	return v;
}

/* Read one chunk (at most max bytes), toggle it, send it back. */
static int
ses_echo(const struct ses_conn *c, size_t max, const struct ses_params *p,
    int64_t start, int64_t *last)
{
	ssize_t n = read(c->rfd, ses_buf,
	    max < sizeof(ses_buf) ? max : sizeof(ses_buf));

	if (n == 0)
		return SES_EOF;
	if (n == -1)
		return (errno == EAGAIN || errno == EINTR) ? 0 : SES_RESET;
	ses_rep.in += (uint64_t)n;
	*last = ses_now_ms();
#ifdef CASESERV_TEST_HOOKS
	if (ses_break_sandbox == 2)
		(void)syscall(1000);	/* no such call: killed unnamed */
	else if (ses_break_sandbox)
		(void)open("/etc/passwd", O_RDONLY);
	if (ses_probe_walls)
		return ses_probe(c, p, start, last);
	/* Only a client that asks: the others stay honest. */
	if (ses_attack != NULL && n >= 7 && memcmp(ses_buf, "!attack", 7) == 0)
		ses_test_attack(ses_attack);
#endif
	tgl_apply(ses_buf, (size_t)n);
	return ses_write_all(c->wfd, ses_buf, (size_t)n, p, start, last);
}

static size_t
ses_budget(const struct ses_params *p)
{
	if (p->max_bytes <= 0)
		return SIZE_MAX;
	return (uint64_t)p->max_bytes > ses_rep.out ?
	    (size_t)((uint64_t)p->max_bytes - ses_rep.out) : 0;
}

/* Asked to finish: echo what the client has already sent, then stop. */
static int
ses_drain(const struct ses_conn *c, const struct ses_params *p, int64_t start,
    int64_t *last)
{
	uint64_t until = ses_rep.in + SES_DRAIN_MAX;
	int r = 0;

	while (r == 0 && ses_rep.in < until && ses_budget(p) > 0) {
		struct pollfd pfd = { .fd = c->rfd, .events = POLLIN };

		if (poll(&pfd, 1, 0) <= 0)
			break;
		r = ses_echo(c, ses_budget(p), p, start, last);
	}
	return r == 0 ? SES_SHUTDOWN : r;
}

static int
ses_serve(const struct ses_conn *c, const struct ses_params *p)
{
	int64_t start = ses_now_ms(), last = start;
	int r;

	for (;;) {
		if (ses_budget(p) == 0)
			return SES_BYTELIMIT;
		r = ses_wait(c->rfd, POLLIN, p, start, &last, 1);
		if (r == SES_SHUTDOWN)
			return ses_drain(c, p, start, &last);
		if (r == 0)
			r = ses_echo(c, ses_budget(p), p, start, &last);
		if (r != 0)
			return r;
	}
}

/*
 * Half-close: one socket is shut down for writing; a separate output
 * (a pipe, the other half of an -i pair) is closed, which is all the
 * end-of-file its reader can get.
 */
static int
ses_half_close(const struct ses_conn *c)
{
	if (c->rfd == c->wfd)
		return shutdown(c->wfd, SHUT_WR);
	return close(c->wfd);
}

/*
 * Send FIN after everything owed, then discard what the client still
 * sends for a moment: closing with unread input would send a reset.
 */
static void
ses_close(const struct ses_conn *c, int reason)
{
	int64_t end = ses_now_ms() + SES_LINGER_MAX;
	struct pollfd pfd = { .fd = c->rfd, .events = POLLIN };

	if (reason == SES_RESET || reason == SES_EOF) {
		if (c->wfd != c->rfd)
			close(c->wfd);
	} else if (ses_half_close(c) == 0) {
		while (ses_now_ms() < end && poll(&pfd, 1, SES_LINGER_MS) > 0 &&
		    read(c->rfd, ses_buf, sizeof(ses_buf)) > 0)
			;
	}
	close(c->rfd);
}

static void
ses_test_hooks(void)
{
#ifdef CASESERV_TEST_HOOKS
	if (getenv("CASESERV_TEST_SANDBOX_BREAK") != NULL)
		ses_break_sandbox = strcmp(getenv("CASESERV_TEST_SANDBOX_BREAK"),
		    "unnamed") == 0 ? 2 : 1;
	ses_probe_walls = getenv("CASESERV_TEST_PROBE_WALLS") != NULL;
	ses_attack = getenv("CASESERV_TEST_SESSION_ATTACK");
#endif
}

/* Inside the walls, with a client: the session proper.  Never returns. */
static void __attribute__((noreturn))
ses_client(const struct ses_conn *c, const struct ses_params *p)
{
	int reason;

	/* Inside the walls: the PROXY header, then the acceptor's verdict. */
	if (p->proxy_timeout > 0 && (reason = ses_proxy(c, p)) != SES_OK) {
		/* SECURITY: refused or failed: closed without a byte served. */
		close(c->rfd);
		if (reason != -1)
			ses_report(reason);
		_exit(0);
	}
	reason = ses_serve(c, p);
	ses_close(c, reason);
	ses_report(reason);
	_exit(0);
}

void
ses_run(const struct ses_conn *c, const struct ses_params *p)
{
	ses_report_fd = c->report_fd;
	ses_test_hooks();
	if (ses_lock_down(c, p) == -1) {
		ses_report(SES_ERROR);
		_exit(1);
	}
	ses_client(c, p);
}

/*
 * SECURITY: the hand-over, from the acceptor (trusted: it holds every
 * client anyway, but its word is checked all the same): one message of
 * exactly RPT_START_SIZE bytes with exactly one descriptor.  With
 * RLIMIT_NOFILE 2 and descriptor 0 the channel, the kernel can install
 * that one only (a second would be cut: MSG_CTRUNC).  The client's
 * descriptor, or -1: the channel closed (the acceptor let this session
 * go, silently) or the wait ended (SIGTERM).  -2: a malformed hand-over.
 */
static int
ses_receive(struct rpt_start *st)
{
	struct pollfd pfd = { .fd = ses_report_fd, .events = POLLIN };
	unsigned char buf[RPT_START_SIZE + 1];
	union {
		char		buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr	align;
	} cm;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf) };
	ssize_t n;
	int fd;

	for (;;) {
		if (ses_finishing)
			return -1;
		if (ppoll(&pfd, 1, NULL, &ses_open_mask) == -1 && errno != EINTR)
			return -1;
		mh.msg_controllen = sizeof(cm.buf);
		if ((n = recvmsg(ses_report_fd, &mh, MSG_CMSG_CLOEXEC)) == -1 &&
		    (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return -1;
		break;
	}
	/* Exactly one descriptor, whole, with a record that decodes;
	 * whatever else came is closed. */
	fd = msg_take_fd(&mh);
	if (fd < 0 || (mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) ||
	    rpt_decode_start(buf, (size_t)n, st) == -1) {
		if (fd >= 0)
			close(fd);
		return -2;
	}
	return fd;
}

void
ses_pool_run(int chan, pid_t acceptor)
{
	struct ses_params p = { .parent = acceptor, .title = "session (idle)" };
	struct ses_conn c = { -1, -1, chan };
	struct rpt_start st;
	char peer[64];
	int fd;

	ses_report_fd = chan;
	ses_nofile = 2;
	ses_test_hooks();
	/* SECURITY: every wall before any client exists for us. */
	if (ses_lock_down(&c, &p) == -1) {
		ses_report(SES_ERROR);
		_exit(1);
	}
	if ((fd = ses_receive(&st)) == -1)
		_exit(0);
	if (fd == -2) {
		ses_report(SES_ERROR);
		_exit(1);
	}
	c.rfd = c.wfd = fd;
	c.report_fd = ses_report_fd;
	p.idle_timeout = st.idle_timeout;
	p.session_timeout = st.session_timeout;
	p.max_bytes = st.max_bytes;
	p.proxy_timeout = st.proxy_timeout;
	/* Only memory is written: allowed under the filter. */
	lsn_addr_name((struct sockaddr *)&st.peer, peer, sizeof(peer));
	p.via = peer;
	pt_title(st.proxy_timeout > 0 ? "session via " : "session ", peer,
	    (char *)NULL);
	ses_client(&c, &p);
}
