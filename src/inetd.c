/*
 * inetd.c - -i: one connection, handed over on standard input and output.
 *
 * The process that is started plays the acceptor's part for one session:
 * it checks the peer, drops privileges, enters the acceptor's filter and
 * forks (with a pidfd, through a channel of its own, as child.c and
 * sessions.c do it for the daemon); the child is an ordinary session (session.c, the same lock-down
 * and filter as under the daemon) and this process, the monitor, waits
 * for it and writes the `open` and `close` lines, which the session
 * itself could not (it never logs, see DESIGN.md).  Limits and rates are
 * the business of whatever runs us (inetd, xinetd, tcpserver, systemd):
 * only allow and deny apply here.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "acl.h"
#include "child.h"
#include "inetd.h"
#include "listeners.h"
#include "log.h"
#include "privs.h"
#include "proctitle.h"
#include "report.h"
#include "sandbox.h"
#include "session.h"

#define IND_PEERLEN	64

static int ind_stderr_was_client;
static volatile sig_atomic_t ind_got_term;

static int64_t
ind_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Do descriptors a and b refer to the same file (or socket)? */
static int
ind_same(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

void
ind_stdio(int *to_stderr)
{
	int null;

	if (*to_stderr && (ind_same(2, 0) || ind_same(2, 1))) {
		*to_stderr = 0;
		ind_stderr_was_client = 1;
	}
	if (*to_stderr)
		return;
	/* SECURITY: no message, not even a fatal one, reaches the client. */
	if ((null = open("/dev/null", O_WRONLY | O_NOCTTY)) == -1 ||
	    dup2(null, 2) == -1)
		_exit(EX_OSERR);	/* nowhere safe to say why */
	if (null != 2)
		close(null);
}

/* ---- the peer ----------------------------------------------------------- */

/*
 * tcpserver's $TCPREMOTEIP and $TCPREMOTEPORT, for when standard input is
 * no socket.  SECURITY: text from the environment, so it counts only when
 * it parses exactly as an address and a port.
 */
static int
ind_peer_env(struct sockaddr_storage *ss, char *name, size_t len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)ss;
	const char *ip = getenv("TCPREMOTEIP"), *port = getenv("TCPREMOTEPORT");
	unsigned long p = 0;
	char *end = NULL;

	snprintf(name, len, "unknown");
	if (ip == NULL && port == NULL)
		return 0;
	if (port != NULL && *port >= '0' && *port <= '9') {
		errno = 0;
		p = strtoul(port, &end, 10);
		if (errno != 0 || *end != '\0' || p > 65535)
			p = 0;
	}
	memset(ss, 0, sizeof(*ss));
	if (ip != NULL && p != 0 && inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
	} else if (ip != NULL && p != 0 &&
	    inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
	} else {
		log_warnx("inetd: $TCPREMOTEIP/$TCPREMOTEPORT are not an "
		    "address and a port: peer unknown");
		return 0;
	}
	lsn_addr_name((struct sockaddr *)ss, name, len);
	return 1;
}

/* The client's address from the socket itself; 1 if it has one. */
static int
ind_peer(struct sockaddr_storage *ss, char *name, size_t len)
{
	socklen_t sl = sizeof(*ss);

	memset(ss, 0, sizeof(*ss));
	if (getpeername(0, (struct sockaddr *)ss, &sl) == -1)
		return errno == ENOTSOCK ? ind_peer_env(ss, name, len) :
		    (snprintf(name, len, "unknown"), 0);
	if (ss->ss_family == AF_INET || ss->ss_family == AF_INET6) {
		lsn_addr_name((struct sockaddr *)ss, name, len);
		return 1;
	}
	snprintf(name, len, ss->ss_family == AF_UNIX ? "local" : "unknown");
	return 0;
}

/* allow/deny as the daemon applies them.  SECURITY: a peer without an
 * address matches no rule, so an allow list refuses it. */
static int
ind_admitted(const struct cfg *cfg, const struct sockaddr *peer)
{
	if (peer == NULL)
		return cfg->nallow == 0;
	return !acl_match(cfg->deny, cfg->ndeny, peer) &&
	    (cfg->nallow == 0 || acl_match(cfg->allow, cfg->nallow, peer));
}

/* ---- the session's descriptors and the monitor's signals ------------------ */

/*
 * One socket on 0 and 1 (inetd, systemd, tcpserver) is served as the
 * daemon serves it, through descriptor 0 alone; anything else is an
 * input and a separate output.  Non-blocking either way: a client that
 * stops reading must meet idle_timeout, not a blocked write().
 */
static int
ind_conn(struct ses_conn *c)
{
	int fl;

	c->rfd = 0;
	c->wfd = ind_same(0, 1) ? 0 : 1;
	for (int fd = 0; fd <= c->wfd; fd++)
		if ((fl = fcntl(fd, F_GETFL)) == -1 ||
		    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
			return -1;
	return 0;
}

/* The connection's descriptors above 2, close-on-exec; 0 and 1 on
 * /dev/null. */
static int
ind_move(struct ses_conn *c, int null)
{
	int rfd = fcntl(c->rfd, F_DUPFD_CLOEXEC, 3), wfd = rfd;

	if (rfd == -1 || (c->wfd != c->rfd &&
	    (wfd = fcntl(c->wfd, F_DUPFD_CLOEXEC, 3)) == -1) ||
	    dup2(null, 0) == -1 || dup2(null, 1) == -1)
		return -1;
	c->rfd = rfd;
	c->wfd = wfd;
	return 0;
}

static void
ind_on_signal(int sig)
{
	if (sig == SIGTERM || sig == SIGINT)
		ind_got_term = 1;
}

/*
 * SIGTERM and SIGINT ask the session to finish, as the daemon's stop
 * does; SIGCHLD wakes the wait.  All three stay blocked except inside
 * ppoll(), so none can slip in between a check and the wait.
 */
static int
ind_signals(sigset_t *waitmask)
{
	static const int caught[] = { SIGTERM, SIGINT, SIGCHLD };
	struct sigaction sa;
	sigset_t mask;

	memset(&sa, 0, sizeof(sa));
	sigfillset(&sa.sa_mask);
	sa.sa_handler = ind_on_signal;
	sigemptyset(&mask);
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
		if (sigaddset(&mask, caught[i]) == -1 ||
		    sigaction(caught[i], &sa, NULL) == -1)
			return -1;
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR || signal(SIGHUP, SIG_IGN) ==
	    SIG_ERR || sigprocmask(SIG_BLOCK, &mask, waitmask) == -1)
		return -1;
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGCHLD);
	return 0;
}

/* Reap the session; on a stop request pass it on, and after
 * shutdown_timeout kill (through its pidfd).  *killed: we sent SIGKILL. */
static int
ind_wait(pid_t pid, int pidfd, int shutdown_timeout, const sigset_t *waitmask,
    int *killed)
{
	int64_t deadline = -1, left;
	struct timespec ts;
	int status;
	pid_t r;

	*killed = 0;
	for (;;) {
		if ((r = waitpid(pid, &status, WNOHANG)) == pid)
			return status;
		if (r == -1 && errno != EINTR)
			fatal(EX_OSERR, "waitpid");
		if (ind_got_term && deadline < 0) {
			(void)chd_signal(pidfd, SIGTERM);
			deadline = ind_now() + (int64_t)shutdown_timeout * 1000;
		}
		left = deadline < 0 ? -1 : deadline - ind_now();
		if (deadline >= 0 && left <= 0 && !*killed) {
			(void)chd_signal(pidfd, SIGKILL);
			*killed = 1;
		}
		ts.tv_sec = left > 0 ? left / 1000 : 0;
		ts.tv_nsec = left > 0 ? (long)(left % 1000) * 1000000 : 0;
		(void)ppoll(NULL, 0, left > 0 ? &ts : NULL, waitmask);
	}
}

/* ---- the end of the session, logged as the daemon logs it ------------------ */

static void
ind_log_end(const char *peer, pid_t pid, int status, int killed,
    const struct rpt_record *rep, int reported, long ms)
{
	const char *abbrev;
	char sc[64];

	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		log_warnx("killed peer=%s pid=%ld signal=SIGSYS reason=sandbox "
		    "syscall=%s", peer, (long)pid, reported &&
		    rep->reason == SES_SANDBOX ?
		    sbx_syscall_name(rep->sysno, sc, sizeof(sc)) : "?");
	else if (WIFSIGNALED(status)) {
		abbrev = sigabbrev_np(WTERMSIG(status));
		log_warnx("killed peer=%s pid=%ld signal=SIG%s reason=%s in=%llu "
		    "out=%llu ms=%ld", peer, (long)pid, abbrev ? abbrev : "?",
		    killed ? "shutdown_timeout" : "crash",
		    (unsigned long long)rep->in, (unsigned long long)rep->out, ms);
	} else
		log_info("close peer=%s pid=%ld in=%llu out=%llu ms=%ld reason=%s",
		    peer, (long)pid, (unsigned long long)rep->in,
		    (unsigned long long)rep->out, ms,
		    reported ? ses_reason_name(rep->reason) : "error");
}

/*
 * The one record the session writes as it ends, read once from its own
 * channel.  SECURITY: only the session holds the other end (ours is
 * closed after the clone), and exactly one valid record counts; its
 * counts are the session's word, as under the daemon.
 */
static int
ind_report(int fd, struct rpt_record *rep)
{
	unsigned char buf[RPT_SIZE + 1];	/* a second record shows */
	ssize_t n;

	memset(rep, 0, sizeof(*rep));
	n = read(fd, buf, sizeof(buf));
	return n == RPT_SIZE && rpt_decode(buf, (size_t)n, rep) == 0;
}

/* ---- the whole run -------------------------------------------------------- */

/* The monitor's part once the session is forked. */
static int
ind_monitor(const struct cfg *cfg, pid_t pid, int pidfd, const char *peer,
    int report, const sigset_t *waitmask, int64_t start)
{
	struct rpt_record rep;
	int status, killed, reported;

	pt_set("inetd monitor %s", peer);
	log_info("open peer=%s pid=%ld", peer, (long)pid);
	status = ind_wait(pid, pidfd, cfg->shutdown_timeout, waitmask, &killed);
	reported = ind_report(report, &rep);
	ind_log_end(peer, pid, status, killed, &rep, reported,
	    (long)(ind_now() - start));
	if (WIFSIGNALED(status))
		return EX_SOFTWARE;
	return reported && rep.reason != SES_ERROR ? EX_OK : EX_OSERR;
}

int
ind_run(const struct cfg *cfg)
{
	struct ses_params p = {
		.idle_timeout = cfg->idle_timeout,
		.session_timeout = cfg->session_timeout,
		.max_bytes = cfg->max_session_bytes,
	};
	struct sockaddr_storage ss;
	struct ses_conn c;
	struct prv_ids ids;
	char peer[IND_PEERLEN], title[IND_PEERLEN + 16];
	int report[2], null, known, pidfd = -1;
	sigset_t waitmask;
	int64_t start;
	pid_t pid;

	if (ind_stderr_was_client)
		log_notice("inetd: standard error is the client's connection; "
		    "logging to syslog instead");
	prv_lookup(cfg, &ids);
	sbx_init();
	known = ind_peer(&ss, peer, sizeof(peer));
	if (!ind_admitted(cfg, known ? (struct sockaddr *)&ss : NULL)) {
		/* SECURITY: refused before a byte is read or sent. */
		log_info("refused peer=%s reason=acl", peer);
		return EX_OK;
	}
	/* Opened while the file system and privileges allow: the monitor
	 * gives the client's descriptors up for /dev/null after the fork. */
	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY)) == -1)
		fatal(EX_OSERR, "open: /dev/null");
	if (ind_conn(&c) == -1)
		fatal(EX_OSERR, "inetd: standard input/output");
	/* SECURITY: a channel of its own, as under the daemon. */
	if (pipe2(report, O_CLOEXEC | O_NONBLOCK) == -1)
		fatal(EX_OSERR, "report channel");
	if (ind_signals(&waitmask) == -1)
		fatal(EX_OSERR, "sigaction");
	c.report_fd = report[1];
	/* The client's descriptors move out of 0 and 1, which point at
	 * /dev/null from now on: after the clone the connection is the
	 * session's alone (its close must end the connection, not wait for
	 * ours), and the monitor's filter has no dup2 to give them up then. */
	if (ind_move(&c, null) == -1)
		fatal(EX_OSERR, "inetd: standard input/output");
	close(null);
	log_use_socket(log_open_socket(), NULL);
	/* SECURITY: the daemon's order: unprivileged for good, then the
	 * acceptor's filter (the monitor is the acceptor of one session),
	 * then the session under it. */
	prv_drop(&ids, 0);
	sbx_enter_acceptor(NULL);
	snprintf(title, sizeof(title), "inetd session %s", peer);
	p.title = title;
	p.parent = getpid();
	start = ind_now();
	if ((pid = chd_spawn(&pidfd)) == -1)
		fatal(EX_OSERR, "clone");
	if (pid == 0)
		ses_run(&c, &p);
	close(report[1]);
	close(c.rfd);
	if (c.wfd != c.rfd)
		close(c.wfd);
	return ind_monitor(cfg, pid, pidfd, peer, report[0], &waitmask, start);
}
