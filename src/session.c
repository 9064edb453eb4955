/*
 * session.c - the child that serves one connection.
 *
 * ses_run() first locks the process down (ses_lock_down reads as the list
 * of protections), then echoes toggled chunks until the client is done, a
 * limit is reached or the master asks it to finish, and reports how it
 * ended.  Nothing here allocates or logs: after the sandbox is on, the
 * only system calls are read, write, poll, shutdown, close, clock_gettime
 * and exit.
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

#include "privs.h"
#include "proctitle.h"
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
static volatile sig_atomic_t ses_finishing;
static sigset_t ses_open_mask;		/* inside ppoll: SIGTERM comes in */
#ifdef CASESERV_TEST_HOOKS
static int ses_break_sandbox;
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
 * The master's handlers must never run here (they write to its self-pipe
 * and reap its children), so the signals they catch stay blocked for the
 * session's life.  SIGTERM, the master's request to finish, is blocked
 * too except inside ppoll() while waiting for input: it can never slip in
 * between the check of ses_finishing and the wait.  The master blocked
 * everything around fork(), so a SIGTERM sent in that window is pending
 * and is delivered in the first wait.
 */
static int
ses_signals(void)
{
	static const int masters[] = { SIGHUP, SIGINT, SIGUSR1, SIGCHLD, SIGPIPE };
	struct sigaction sa;
	sigset_t mask;

	sigemptyset(&ses_open_mask);
	for (size_t i = 0; i < sizeof(masters) / sizeof(masters[0]); i++)
		sigaddset(&ses_open_mask, masters[i]);
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
 * SECURITY: the whole path from fork() to the first read() of client
 * data.  Any failure ends the session before it has seen a byte.
 */
static int
ses_lock_down(const struct ses_conn *c, const struct ses_params *p)
{
	static const struct rlimit no_core = { 0, 0 };
	const int keep[3] = { c->rfd, c->report_fd, c->wfd };

	/* Named while prctl(PR_SET_NAME) is still allowed. */
	if (p->title != NULL)
		pt_set("%s", p->title);
	pt_name("caseserv-sess");
	if (ses_signals() == -1)
		return -1;
	/* SECURITY: no listener, no other client, no log socket in here. */
	if (ses_close_others(keep, c->rfd == c->wfd ? 2 : 3) == -1)
		return -1;
	/* SECURITY: a killed session must not dump client data to disk. */
	if (setrlimit(RLIMIT_CORE, &no_core) == -1)
		return -1;
	/* SECURITY: no session outlives its master. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != p->master)
		return -1;
	if (ses_tcp_options(c->rfd) == -1 ||
	    (c->wfd != c->rfd && ses_tcp_options(c->wfd) == -1))
		return -1;
	/* SECURITY: no capability, in any set. */
	if (prv_drop_session() == -1)
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
 * the session ends: a deadline passed, or (with stop_on_term) the master
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

void
ses_run(const struct ses_conn *c, const struct ses_params *p)
{
	int reason;

	ses_report_fd = c->report_fd;
#ifdef CASESERV_TEST_HOOKS
	if (getenv("CASESERV_TEST_SANDBOX_BREAK") != NULL)
		ses_break_sandbox = strcmp(getenv("CASESERV_TEST_SANDBOX_BREAK"),
		    "unnamed") == 0 ? 2 : 1;
#endif
	if (ses_lock_down(c, p) == -1) {
		ses_report(SES_ERROR);
		_exit(1);
	}
	reason = ses_serve(c, p);
	ses_close(c, reason);
	ses_report(reason);
	_exit(0);
}
