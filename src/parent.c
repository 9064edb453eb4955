/*
 * parent.c - main's loop, and its side of the channel to the acceptor.
 *
 * main holds what needs privilege or the file system (the configuration
 * file, name resolution, binding, the pidfile, the service manager's
 * socket) and never touches a connection.  Its loop polls the self-pipe
 * and the channel: signals become a reload, a stats request or a stop
 * sent to the acceptor; the acceptor's counters become STATUS= and, while
 * they keep coming, WATCHDOG=1.  Everything main sends the service
 * manager comes from main itself (NotifyAccess=main).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "daemon.h"
#include "landlock.h"
#include "log.h"
#include "msg.h"
#include "parent.h"
#include "proctitle.h"
#include "sandbox.h"
#include "status.h"
#include "supervisor.h"

#define PAR_AWAIT_MS	30000	/* the acceptor's answer to a configuration */
#define PAR_STOP_GRACE	5000	/* ms past shutdown_timeout before SIGKILL */
#define PAR_LOG_EVERY	1000	/* ms between two new syslog sockets */
#define PAR_MSG_BURST	64	/* acceptor messages per turn */

static struct {
	struct cfg		*cfg;
	struct lsn_set		*lsn;
	pid_t			 acc;		/* the acceptor */
	int			 pidfd;
	int			 chan;		/* -1 once it is closed */
	int			 reaped, status;
	int			 stopping, killed;
	int64_t			 deadline;
	long			 violation;	/* its forbidden call, or -1 */
	int			 applied;	/* MSG_APPLIED since last sent */
	int			 log_wanted;	/* its syslog socket failed */
	int64_t			 log_sent;
	struct sts_counts	 counts;
} par = { .chan = -1, .pidfd = -1, .violation = -1 };

static int par_wake[2] = { -1, -1 };
static volatile sig_atomic_t par_got_term, par_got_hup, par_got_usr1,
    par_got_chld;

static int64_t
par_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- signals ---------------------------------------------------------- */

static void
par_on_signal(int sig)
{
	int saved = errno;

	if (sig == SIGTERM || sig == SIGINT)
		par_got_term = 1;
	else if (sig == SIGHUP)
		par_got_hup = 1;
	else if (sig == SIGUSR1)
		par_got_usr1 = 1;
	else if (sig == SIGCHLD)
		par_got_chld = 1;
	(void)!write(par_wake[1], "", 1);
	errno = saved;
}

void
par_init(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGCHLD };
	struct sigaction sa;

	if (pipe2(par_wake, O_NONBLOCK | O_CLOEXEC) == -1)
		fatal(EX_OSERR, "pipe");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = par_on_signal;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigfillset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) == -1)
			fatal(EX_OSERR, "sigaction");
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal(EX_OSERR, "sigaction");
}

/* ---- main's own wall ----------------------------------------------------- */

#ifndef CASESERV_SANITIZERS
/* A heap copy of the directory path names (dirname() may write). */
static char *
par_dir_of(const char *path)
{
	char *copy = strdup(path), *dir;

	if (copy == NULL)
		return NULL;
	dir = strdup(dirname(copy));
	free(copy);
	return dir;
}
#endif

/*
 * SECURITY: main's Landlock layer, before its filter: it reads beneath the
 * directories of the configuration and its @include files (a reload reads
 * them again) and what NSS reads; it writes only beneath the pidfile's
 * directory.  Sanitizer builds leave it off: LeakSanitizer reads /proc at
 * exit (docs/SECURITY.md).
 */
void
par_restrict(const struct cfg *cfg)
{
#ifndef CASESERV_SANITIZERS
	char **dirs, *piddir = NULL;
	size_t n = 0;
	int rc;

	if ((dirs = calloc(cfg->nfiles + 1, sizeof(*dirs))) == NULL)
		fatal(EX_OSERR, "landlock: main");
	for (; n < cfg->nfiles; n++)
		if ((dirs[n] = par_dir_of(cfg->files[n])) == NULL)
			fatal(EX_OSERR, "landlock: main");
	if (cfg->pidfile != NULL && (piddir = par_dir_of(cfg->pidfile)) == NULL)
		fatal(EX_OSERR, "landlock: main");
	rc = ll_restrict_main((const char *const *)dirs, piddir);
	if (rc == -1)
		fatal(EX_OSERR, "landlock: main");
	while (n > 0)
		free(dirs[--n]);
	free(dirs);
	free(piddir);
#else
	(void)cfg;
#endif
}

/* ---- the acceptor ------------------------------------------------------- */

/* How often the acceptor must report: every second, or a quarter of the
 * watchdog interval when that is shorter. */
static int
par_heartbeat(void)
{
	uint64_t ms = dmn_watchdog_usec() / 4000;

	if (ms == 0 && dmn_watchdog_usec() == 0)
		return 1000;
	return ms < 10 ? 10 : ms > 1000 ? 1000 : (int)ms;
}

void
par_start(const struct cfg *cfg, const struct lsn_set *set, int keep_stderr)
{
	int sp[2], logfd = log_open_socket();
	sigset_t all, old;
	pid_t self = getpid();

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		fatal(EX_OSERR, "acceptor: socketpair");
	/* Blocked across the clone: the acceptor installs its own handlers
	 * before it takes any signal. */
	sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, &old) == -1)
		fatal(EX_OSERR, "sigprocmask");
	par.acc = chd_spawn(&par.pidfd);
	if (par.acc == 0) {
		close(sp[0]);
		sup_acceptor(sp[1], logfd, keep_stderr, self);
	}
	/* Left blocked, SIGTERM would never reach main's loop. */
	if (sigprocmask(SIG_SETMASK, &old, NULL) == -1)
		fatal(EX_OSERR, "sigprocmask");
	if (par.acc == -1)
		fatal(EX_OSERR, "acceptor: clone");
	close(sp[1]);
	if (logfd != -1)
		close(logfd);
	par.chan = sp[0];
	if (msg_config_send(par.chan, cfg, set, par_heartbeat()) == -1)
		fatal(EX_OSERR, "acceptor: configuration");
	log_debug("acceptor: pid %ld", (long)par.acc);
}

/* A new syslog socket for the acceptor, at most once a second. */
static void
par_log_socket(int64_t now)
{
	int fd;

	if (!par.log_wanted || par.chan == -1 || now - par.log_sent < PAR_LOG_EVERY)
		return;
	par.log_sent = now;
	if ((fd = log_open_socket()) == -1)
		return;		/* syslog still down: next second */
	if (msg_send(par.chan, MSG_LOGSOCK, NULL, 0, fd, 0) == 0)
		par.log_wanted = 0;
	close(fd);
}

/* SECURITY: what the acceptor says is checked (msg.c) and only ever
 * counted or printed. */
static void
par_message(const struct msg *m, int64_t now)
{
	struct msg_status st;
	long nr;

	par.counts.heard = now;
	if (m->type == MSG_APPLIED)
		par.applied = 1;
	else if (m->type == MSG_STATUS && msg_status_take(m, &st) == 0) {
		par.counts.active = (size_t)st.active;
		par.counts.accepted = st.accepted;
		par.counts.refused = st.refused;
	} else if (m->type == MSG_VIOLATION && msg_violation_take(m, &nr) == 0)
		par.violation = nr;
	else if (m->type == MSG_LOG_LOST)
		par.log_wanted = 1;
	else
		log_warnx("acceptor: unexpected message %d; ignored", m->type);
}

/* The acceptor's messages, a bounded number; the channel closes when the
 * acceptor is gone. */
static void
par_messages(int64_t now)
{
	struct msg m;
	int r;

	for (int i = 0; par.chan != -1 && i < PAR_MSG_BURST; i++) {
		if ((r = msg_recv(par.chan, &m)) == 0)
			return;
		if (r == -1) {
			close(par.chan);
			par.chan = -1;
			return;
		}
		if (r == -2) {
			log_warnx("acceptor: malformed message; ignored");
			continue;
		}
		par_message(&m, now);
		if (m.fd != -1)
			close(m.fd);
	}
}

static void
par_reap(void)
{
	int status;

	if (par.reaped || waitpid(par.acc, &status, WNOHANG) != par.acc)
		return;
	par.reaped = 1;
	par.status = status;
}

/* Until the acceptor says MSG_APPLIED; 0, or -1 when it is gone or does
 * not answer in time. */
static int
par_await_applied(void)
{
	int64_t end = par_now() + PAR_AWAIT_MS, now;
	struct pollfd pfd;

	par.applied = 0;
	while (!par.applied && par.chan != -1 && (now = par_now()) < end) {
		pfd = (struct pollfd){ .fd = par.chan, .events = POLLIN };
		if (poll(&pfd, 1, (int)(end - now)) == -1 && errno != EINTR)
			return -1;
		par_messages(par_now());
	}
	return par.applied ? 0 : -1;
}

/* How the acceptor ended, for the log. */
static void
par_log_acceptor(void)
{
	char sc[64];
	int st = par.status;

	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS)
		log_errx("acceptor: killed pid=%ld signal=SIGSYS reason=sandbox "
		    "syscall=%s", (long)par.acc, par.violation >= 0 ?
		    sbx_syscall_name(par.violation, sc, sizeof(sc)) : "?");
	else if (WIFSIGNALED(st))
		log_errx("acceptor: killed pid=%ld signal=%d (%s)", (long)par.acc,
		    WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		log_errx("acceptor: exited pid=%ld status=%d", (long)par.acc,
		    WEXITSTATUS(st));
}

void
par_wait_ready(void)
{
	if (par_await_applied() == 0)
		return;
	/* Gone before it was ready: say how, as a start-up failure. */
	for (int i = 0; i < 100 && !par.reaped; i++) {
		par_reap();
		if (!par.reaped)
			usleep(10000);
	}
	if (par.reaped)
		par_log_acceptor();
	fatalx(EX_OSERR, "acceptor: not ready; not starting");
}

/* ---- the loop ------------------------------------------------------------ */

static int
par_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static void
par_reload_failed(const char *err)
{
	log_errx("reload failed: %s", err);
	sts_reload(err);
}

/* The acceptor takes the new configuration, then it is in force. */
static void
par_reload_apply(struct cfg *next)
{
	if (!par_same(next->user, par.cfg->user) ||
	    !par_same(next->group, par.cfg->group))
		log_warnx("reload: user/group change needs a restart");
	if (!par_same(next->pidfile, par.cfg->pidfile))
		log_warnx("reload: pidfile change needs a restart");
	if (par.lsn->inherited && !cfg_listen_equal(next, par.cfg))
		log_warnx("reload: listen change ignored: the listeners come "
		    "from the service manager");
	log_configure(next->log_facility, next->log_level);
	cfg_free(par.cfg);
	*par.cfg = *next;
	if (par.chan == -1 || msg_config_send(par.chan, par.cfg, par.lsn,
	    par_heartbeat()) == -1 || par_await_applied() == -1) {
		log_errx("reload failed: the acceptor did not take the new "
		    "configuration");
		sts_reload("the acceptor did not take the new configuration");
		return;
	}
	log_info("reload ok");
	sts_reload(NULL);
}

static void
par_reload(void)
{
	struct cfg *next;
	char err[CFG_ERRLEN], state[64];
	struct timespec ts;
	int status;

	/* MONOTONIC_USEC lets systemd's notify-reload tell this reload
	 * from an older one. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(state, sizeof(state), "RELOADING=1\nMONOTONIC_USEC=%lld",
	    (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
	dmn_notify(state);
	if ((next = malloc(sizeof(*next))) == NULL) {
		snprintf(err, sizeof(err), "%s: %s", par.cfg->path,
		    strerror(errno));
		par_reload_failed(err);
	} else if (cfg_load(par.cfg->path, next, err, sizeof(err)) == -1 ||
	    lsn_reconcile(par.lsn, next, err, sizeof(err), &status) == -1) {
		par_reload_failed(err);
		cfg_free(next);
	} else
		par_reload_apply(next);
	free(next);
	par.log_wanted = par.log_wanted || par.chan != -1;
	par_log_socket(par_now());
	dmn_notify("READY=1");
}

static void
par_begin_stop(int64_t now)
{
	par.stopping = 1;
	dmn_notify("STOPPING=1");
	lsn_close_all(par.lsn);
	par.deadline = now + (int64_t)par.cfg->shutdown_timeout * 1000 +
	    PAR_STOP_GRACE;
	if (par.chan != -1 && msg_send(par.chan, MSG_STOP, NULL, 0, -1, 0) == -1)
		(void)chd_signal(par.pidfd, SIGTERM);
}

static void
par_signals(int64_t now)
{
	char drain[64];

	while (read(par_wake[0], drain, sizeof(drain)) > 0)
		;
	if (par_got_chld) {
		par_got_chld = 0;
		par_reap();
	}
	if (par_got_term && !par.stopping) {
		par_got_term = 0;
		par_begin_stop(now);
	}
	if (par_got_hup) {
		par_got_hup = 0;
		if (!par.stopping)
			par_reload();
	}
	if (par_got_usr1) {
		par_got_usr1 = 0;
		if (par.chan != -1)
			(void)msg_send(par.chan, MSG_STATS, NULL, 0, -1, 0);
	}
}

static void
par_title(void)
{
	static size_t shown = SIZE_MAX;

	if (par.lsn->n == shown)
		return;
	shown = par.lsn->n;
	pt_set("main [listeners=%zu]", shown);
}

static void
par_turn(void)
{
	struct pollfd pfd[2] = {
		{ .fd = par_wake[0], .events = POLLIN },
		{ .fd = par.chan, .events = POLLIN },
	};
	int64_t now = par_now(), t = sts_timeout(now);

	if (t < 0 || t > 1000)
		t = 1000;
	if (poll(pfd, 2, (int)t) == -1 && errno != EINTR)
		fatal(EX_OSERR, "poll");
	now = par_now();
	par_signals(now);
	if (pfd[1].revents != 0)
		par_messages(now);
	par_log_socket(now);
	(void)sts_turn(now, &par.counts, 0);
	/* The channel closed but no SIGCHLD yet: it comes. */
	par_reap();
	if (par.stopping && now >= par.deadline && !par.killed) {
		log_warnx("acceptor: still running after shutdown_timeout; "
		    "killed");
		(void)chd_signal(par.pidfd, SIGKILL);
		par.killed = 1;
	}
}

int
par_run(struct cfg *cfg, struct lsn_set *set)
{
	int ok;

	par.cfg = cfg;
	par.lsn = set;
	par.counts.heard = par_now();
	(void)sts_turn(par_now(), &par.counts, 0);	/* STATUS= after READY=1 */
	while (!par.reaped) {
		par_title();
		par_turn();
	}
	ok = par.stopping && WIFEXITED(par.status) &&
	    WEXITSTATUS(par.status) == 0;
	if (!ok)
		par_log_acceptor();
	close(par.pidfd);
	if (par.chan != -1)
		close(par.chan);
	lsn_close_all(par.lsn);		/* already, unless the acceptor died */
	dmn_pidfile_remove();
	log_info("exiting");
	return ok ? EX_OK : EX_SOFTWARE;
}
