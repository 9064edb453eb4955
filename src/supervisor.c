/*
 * supervisor.c - the master's event loop.
 *
 * One poll() over the self-pipe (signals), the report socket (sessions
 * say how they ended) and the listeners.  Signal handlers only set flags,
 * except SIGCHLD's, which reaps into a ring that the loop empties; a
 * session's `close` line is written once both its report and its exit
 * status are in.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
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

#include "daemon.h"
#include "admit.h"
#include "log.h"
#include "proctitle.h"
#include "refuselog.h"
#include "report.h"
#include "sandbox.h"
#include "session.h"
#include "status.h"
#include "supervisor.h"

#ifdef CASESERV_TEST_HOOKS
#define SUP_REAP_RING	4	/* the test build's: a test overflows it */
#else
#define SUP_REAP_RING	4096	/* exits the handler can hold between loops */
#endif
#define SUP_ACCEPT_BURST 64	/* accepts per listener per loop turn */
#define SUP_EMFILE_PAUSE 100	/* ms without accepting when out of fds */
#define SUP_EMFILE_LOG	10000	/* ms between two such complaints */

struct sup_session {
	pid_t			 pid;		/* 0: free slot */
	int			 killed;	/* we sent SIGKILL */
	int			 reported;
	int64_t			 start;
	struct adm_host		*host;
	struct rpt_record	 rep;
	char			 peer[64];
};

static struct {
	struct cfg		*cfg;
	struct lsn_set		*lsn;
	pid_t			 pid;		/* ours, for the sessions' check */
	struct sup_session	*tab;		/* open addressing on pid */
	size_t			 cap, active;
	int			 stopping;
	int64_t			 deadline;	/* shutdown_timeout */
	int64_t			 accept_pause;	/* EMFILE back-off */
	int64_t			 accept_logged;	/* last `accept:` line */
	unsigned		 accept_quiet;	/* failures not logged since */
	int64_t			 expired;	/* last adm_expire() */
	int			 rebuild;	/* listeners changed: new poll set */
	struct {
		uint64_t accepted, refused[ADM_NVERDICTS], in, out;
		uint64_t killed_sandbox, killed_other, fork_failed;
	} st;
} sup;

static int sup_wake[2] = { -1, -1 };	/* self-pipe: handlers -> loop */
static int sup_report[2] = { -1, -1 };	/* [0] master, [1] sessions */
static volatile sig_atomic_t sup_got_term, sup_got_hup, sup_got_usr1;
static volatile sig_atomic_t sup_reap_overflow;
static volatile unsigned sup_reap_head;	/* written by the handler only */
static unsigned sup_reap_tail;		/* written by the loop only */
static volatile struct { pid_t pid; int status; } sup_reaped[SUP_REAP_RING];

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
	else if (sig == SIGHUP)
		sup_got_hup = 1;
	else if (sig == SIGUSR1)
		sup_got_usr1 = 1;
	sup_poke();
	errno = saved;
}

/* Reap every exited session into the ring; async-signal-safe. */
static void
sup_on_sigchld(int sig)
{
	int saved = errno, status;
	pid_t pid;

	(void)sig;
	for (;;) {
		unsigned h = sup_reap_head;

		if (h - sup_reap_tail >= SUP_REAP_RING) {
			sup_reap_overflow = 1;	/* the loop calls us again */
			break;
		}
		if ((pid = waitpid(-1, &status, WNOHANG)) <= 0)
			break;
		sup_reaped[h % SUP_REAP_RING].pid = pid;
		sup_reaped[h % SUP_REAP_RING].status = status;
		__atomic_signal_fence(__ATOMIC_RELEASE);
		sup_reap_head = h + 1;
	}
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

void
sup_init(void)
{
	int one = 1;

	if (pipe2(sup_wake, O_NONBLOCK | O_CLOEXEC) == -1)
		fatal(EX_OSERR, "pipe");
	/*
	 * Datagrams keep every report whole, and SO_PASSCRED makes the kernel
	 * stamp each with the sender's real pid: a compromised session can
	 * neither desynchronise the channel nor speak for another one.
	 */
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sup_report) == -1 ||
	    fcntl(sup_report[0], F_SETFL, O_NONBLOCK) == -1 ||
	    setsockopt(sup_report[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) == -1)
		fatal(EX_OSERR, "report channel");
	if (sup_handle(SIGCHLD, sup_on_sigchld, SA_RESTART | SA_NOCLDSTOP) == -1 ||
	    sup_handle(SIGTERM, sup_on_signal, SA_RESTART) == -1 ||
	    sup_handle(SIGINT, sup_on_signal, SA_RESTART) == -1 ||
	    sup_handle(SIGHUP, sup_on_signal, SA_RESTART) == -1 ||
	    sup_handle(SIGUSR1, sup_on_signal, SA_RESTART) == -1 ||
	    sup_handle(SIGPIPE, SIG_IGN, 0) == -1)
		fatal(EX_OSERR, "sigaction");
}

/* ---- the session table ------------------------------------------------ */

static size_t
sup_slot(pid_t pid, size_t cap)
{
	return ((size_t)pid * 2654435761u) & (cap - 1);
}

static struct sup_session *
sup_find(pid_t pid)
{
	if (sup.cap == 0)
		return NULL;
	for (size_t i = sup_slot(pid, sup.cap);; i = (i + 1) & (sup.cap - 1)) {
		if (sup.tab[i].pid == pid)
			return &sup.tab[i];
		if (sup.tab[i].pid == 0)
			return NULL;
	}
}

static struct sup_session *
sup_insert_at(struct sup_session *tab, size_t cap, pid_t pid)
{
	size_t i = sup_slot(pid, cap);

	while (tab[i].pid != 0)
		i = (i + 1) & (cap - 1);
	tab[i].pid = pid;
	return &tab[i];
}

/* Keep the table at most half full; grows by doubling. */
static int
sup_reserve(void)
{
	struct sup_session *nt;
	size_t ncap;

	if ((sup.active + 1) * 2 <= sup.cap)
		return 0;
	ncap = sup.cap ? sup.cap * 2 : 64;
	if ((nt = calloc(ncap, sizeof(*nt))) == NULL)
		return -1;
	for (size_t i = 0; i < sup.cap; i++)
		if (sup.tab[i].pid != 0)
			*sup_insert_at(nt, ncap, sup.tab[i].pid) = sup.tab[i];
	free(sup.tab);
	sup.tab = nt;
	sup.cap = ncap;
	return 0;
}

/* Linear-probing delete: shift later entries back into the hole. */
static void
sup_remove(struct sup_session *s)
{
	size_t hole = (size_t)(s - sup.tab), i = hole, want;

	memset(s, 0, sizeof(*s));
	for (;;) {
		i = (i + 1) & (sup.cap - 1);
		if (sup.tab[i].pid == 0)
			break;
		want = sup_slot(sup.tab[i].pid, sup.cap);
		if (((i - want) & (sup.cap - 1)) >= ((i - hole) & (sup.cap - 1))) {
			sup.tab[hole] = sup.tab[i];
			memset(&sup.tab[i], 0, sizeof(sup.tab[i]));
			hole = i;
		}
	}
	sup.active--;
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

static void
sup_log_end(struct sup_session *s, int status)
{
	long ms = (long)(sup_now() - s->start);
	char sig[16], sc[64];

	sup.st.in += s->rep.in;
	sup.st.out += s->rep.out;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS) {
		sup.st.killed_sandbox++;
		log_warnx("killed peer=%s pid=%ld signal=SIGSYS reason=sandbox syscall=%s",
		    s->peer, (long)s->pid, s->reported && s->rep.reason == SES_SANDBOX ?
		    sbx_syscall_name(s->rep.sysno, sc, sizeof(sc)) : "?");
	} else if (WIFSIGNALED(status)) {
		sup.st.killed_other++;
		log_warnx("killed peer=%s pid=%ld signal=%s reason=%s in=%llu out=%llu ms=%ld",
		    s->peer, (long)s->pid, sup_signame(WTERMSIG(status), sig, sizeof(sig)),
		    s->killed ? "shutdown_timeout" : "crash",
		    (unsigned long long)s->rep.in, (unsigned long long)s->rep.out, ms);
	} else {
		log_info("close peer=%s pid=%ld in=%llu out=%llu ms=%ld reason=%s",
		    s->peer, (long)s->pid, (unsigned long long)s->rep.in,
		    (unsigned long long)s->rep.out, ms,
		    s->reported ? ses_reason_name(s->rep.reason) : "error");
	}
}

/*
 * The sender's credentials as the kernel stamped them: one whole
 * SOL_SOCKET/SCM_CREDENTIALS message and nothing else, nothing truncated.
 */
static int
sup_credentials(struct msghdr *msg, struct ucred *cred)
{
	struct cmsghdr *c;
	int found = 0;

	if (msg->msg_flags & (MSG_CTRUNC | MSG_TRUNC))
		return -1;
	for (c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
		if (found || c->cmsg_level != SOL_SOCKET ||
		    c->cmsg_type != SCM_CREDENTIALS ||
		    c->cmsg_len != CMSG_LEN(sizeof(*cred)))
			return -1;
		memcpy(cred, CMSG_DATA(c), sizeof(*cred));
		found = 1;
	}
	return found ? 0 : -1;
}

/*
 * Reports first: a session writes its report before it exits.
 * SECURITY: a record is hostile input (report.c checks every field); the
 * pid is the kernel's, and a session is heard once: the first valid
 * record counts, any later one is dropped.
 */
static void
sup_read_reports(void)
{
	union { char buf[CMSG_SPACE(sizeof(struct ucred))]; struct cmsghdr align; } cm;
	unsigned char buf[RPT_SIZE + 1];	/* a longer datagram shows */
	struct iovec iov = { buf, sizeof(buf) };
	struct rpt_record rep;
	struct msghdr msg;
	struct ucred cred;
	struct sup_session *s;
	ssize_t n;

	/* SECURITY: bounded, so a session that keeps sending cannot hold
	 * the master here; each honest session sends one report. */
	for (size_t left = 2 * sup.active + 16; left > 0; left--) {
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof(cm.buf);
		if ((n = recvmsg(sup_report[0], &msg, MSG_DONTWAIT)) == -1)
			break;
		if (sup_credentials(&msg, &cred) == -1 ||
		    rpt_decode(buf, (size_t)n, &rep) == -1)
			continue;
		if ((s = sup_find(cred.pid)) != NULL && !s->reported) {
			s->rep = rep;
			s->reported = 1;
		}
	}
}

static void
sup_collect(int reports_ready)
{
	unsigned head = sup_reap_head;
	sigset_t chld, old;

	__atomic_signal_fence(__ATOMIC_ACQUIRE);
	if (reports_ready || head != sup_reap_tail)
		sup_read_reports();
	for (; sup_reap_tail != head; sup_reap_tail++) {
		pid_t pid = sup_reaped[sup_reap_tail % SUP_REAP_RING].pid;
		int status = sup_reaped[sup_reap_tail % SUP_REAP_RING].status;
		struct sup_session *s = sup_find(pid);

		if (s == NULL)
			continue;
		sup_log_end(s, status);
		adm_release(s->host);
		sup_remove(s);
	}
	if (sup_reap_overflow) {
		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		sigprocmask(SIG_BLOCK, &chld, &old);
		sup_reap_overflow = 0;
		sup_on_sigchld(SIGCHLD);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
}

/* ---- admission and fork --------------------------------------------------- */

static void
sup_log_refused(const char *peer, const char *reason, int64_t now)
{
	char line[RFL_LINELEN];

	/* SECURITY: a flood must not fill the disk: summarise past a rate. */
	while (rfl_summary_line(now, line, sizeof(line)))
		log_info("%s", line);
	if (peer != NULL && rfl_refused(peer, reason, now))
		log_info("refused peer=%s reason=%s", peer, reason);
}

static void
sup_spawn(int fd, const char *peer, struct adm_host *host, int64_t now)
{
	struct ses_params p = {
		.idle_timeout = sup.cfg->idle_timeout,
		.session_timeout = sup.cfg->session_timeout,
		.max_bytes = sup.cfg->max_session_bytes,
		.master = sup.pid,
	};
	struct ses_conn c = { fd, fd, sup_report[1] };
	struct sup_session *s;
	sigset_t all, old;
	char title[80];
	pid_t pid;

	snprintf(title, sizeof(title), "session %s", peer);
	p.title = title;
	if (sup_reserve() == -1) {
		sup_log_refused(peer, "no_memory", now);
		adm_release(host);
		return;
	}
	/* Blocked across fork: the child must not run our handlers. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0)
		ses_run(&c, &p);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid == -1) {
		/* Out of processes or memory: a refusal, rate-limited like one. */
		sup.st.fork_failed++;
		sup_log_refused(peer, "fork_failed", now);
		adm_release(host);
		return;
	}
	s = sup_insert_at(sup.tab, sup.cap, pid);
	s->start = now;
	s->host = host;
	snprintf(s->peer, sizeof(s->peer), "%s", peer);
	sup.active++;
	sup.st.accepted++;
	log_info("open peer=%s pid=%ld active=%zu", peer, (long)pid, sup.active);
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
	sup.accept_pause = now + SUP_EMFILE_PAUSE;
	if (sup.accept_logged != 0 && now - sup.accept_logged < SUP_EMFILE_LOG) {
		sup.accept_quiet++;
		return;
	}
	if (sup.accept_quiet > 0)
		log_warn("accept (%u more since the last report)",
		    sup.accept_quiet);
	else
		log_warn("accept");
	sup.accept_logged = now;
	sup.accept_quiet = 0;
}

static void
sup_accept(int lfd, int64_t now)
{
	struct sockaddr_storage ss;
	struct adm_host *host;
	char peer[64];

	for (int i = 0; i < SUP_ACCEPT_BURST; i++) {
		socklen_t len = sizeof(ss);
		int fd = accept4(lfd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC), verdict;

		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				sup_accept_failed(now);
			return;		/* EAGAIN, ECONNABORTED, ...: next turn */
		}
		lsn_addr_name((struct sockaddr *)&ss, peer, sizeof(peer));
		verdict = adm_admit(sup.cfg, (struct sockaddr *)&ss,
		    (unsigned)sup.active, now, &host);
		if (verdict != ADM_OK) {
			/* SECURITY: refused before a byte is read or sent. */
			close(fd);
			sup.st.refused[verdict]++;
			sup_log_refused(peer, adm_reason_name(verdict), now);
			continue;
		}
		sup_spawn(fd, peer, host, now);
		close(fd);
	}
}

/* ---- signals handled in the loop ------------------------------------------ */

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
	    "refused_rate=%llu refused_rate_per_host=%llu bytes_in=%llu "
	    "bytes_out=%llu killed_sandbox=%llu killed_other=%llu fork_failed=%llu",
	    sup.active, (unsigned long long)sup.st.accepted,
	    (unsigned long long)sup_refused(),
	    (unsigned long long)sup.st.refused[ADM_ACL],
	    (unsigned long long)sup.st.refused[ADM_MAX_CLIENTS],
	    (unsigned long long)sup.st.refused[ADM_PER_HOST],
	    (unsigned long long)sup.st.refused[ADM_RATE],
	    (unsigned long long)sup.st.refused[ADM_RATE_PER_HOST],
	    (unsigned long long)sup.st.in, (unsigned long long)sup.st.out,
	    (unsigned long long)sup.st.killed_sandbox,
	    (unsigned long long)sup.st.killed_other,
	    (unsigned long long)sup.st.fork_failed);
	if (requested)
		log_requested("%s", line);
	else
		log_info("%s", line);
}

static int
sup_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static void
sup_reload(void)
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
		snprintf(err, sizeof(err), "%s: %s", sup.cfg->path,
		    strerror(errno));
		log_errx("reload failed: %s", err);
		sts_reload(err);
		goto out;
	}
	if (cfg_load(sup.cfg->path, next, err, sizeof(err)) == -1 ||
	    lsn_reconcile(sup.lsn, next, err, sizeof(err), &status) == -1) {
		log_errx("reload failed: %s", err);
		sts_reload(err);
		cfg_free(next);
		free(next);
		goto out;
	}
	if (!sup_same(next->user, sup.cfg->user) ||
	    !sup_same(next->group, sup.cfg->group))
		log_warnx("reload: user/group change needs a restart");
	if (!sup_same(next->pidfile, sup.cfg->pidfile))
		log_warnx("reload: pidfile change needs a restart");
	if (sup.lsn->inherited && !cfg_listen_equal(next, sup.cfg))
		log_warnx("reload: listen change ignored: the listeners come "
		    "from the service manager");
	log_configure(next->log_facility, next->log_level);
	sup.rebuild = 1;
	/* Sessions in progress keep the settings they were forked with. */
	cfg_free(sup.cfg);
	*sup.cfg = *next;
	free(next);
	log_info("reload ok");
	sts_reload(NULL);
out:
	dmn_notify("READY=1");
}

static void
sup_begin_stop(int64_t now)
{
	sup.stopping = 1;
	dmn_notify("STOPPING=1");
	lsn_close_all(sup.lsn);
	sup.rebuild = 1;
	log_info("shutting down: sessions=%zu", sup.active);
	sup.deadline = now + (int64_t)sup.cfg->shutdown_timeout * 1000;
	for (size_t i = 0; i < sup.cap; i++)
		if (sup.tab[i].pid != 0)
			kill(sup.tab[i].pid, SIGTERM);
}

/* shutdown_timeout is over: whatever is left is killed. */
static void
sup_kill_rest(void)
{
	for (size_t i = 0; i < sup.cap; i++)
		if (sup.tab[i].pid != 0 && !sup.tab[i].killed) {
			sup.tab[i].killed = 1;
			kill(sup.tab[i].pid, SIGKILL);
		}
}

static void
sup_signals(int64_t now)
{
	char drain[64];

	while (read(sup_wake[0], drain, sizeof(drain)) > 0)
		;
	if (sup_got_term && !sup.stopping) {
		sup_got_term = 0;
		sup_begin_stop(now);
	}
	if (sup_got_hup) {
		sup_got_hup = 0;
		if (!sup.stopping)
			sup_reload();
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

	if (sup.lsn->n == shown_lsn && sup.active == shown_active)
		return;
	shown_lsn = sup.lsn->n;
	shown_active = sup.active;
	pt_set("master [listeners=%zu sessions=%zu]", shown_lsn, shown_active);
}

/* The service manager's STATUS= and watchdog, the periodic stats line. */
static void
sup_scheduled(int64_t now)
{
	struct sts_counts c = { sup.active, sup.st.accepted, sup_refused() };

	if (sts_turn(now, &c, sup.cfg->stats_interval))
		sup_stats(0);
}

static int
sup_timeout(int64_t now)
{
	int64_t t = rfl_pending() ? 1000 : -1, due = sts_timeout(now);

	if (sup.stopping)
		t = sup.deadline > now ? sup.deadline - now : 1000;
	else if (sup.accept_pause > now)
		t = sup.accept_pause - now;
	else if (t < 0)
		t = 1000;	/* forget idle hosts of the rate limits */
	if (due >= 0 && due < t)
		t = due;	/* the watchdog, STATUS=, stats */
	return (int)(t > 1000 ? 1000 : t);
}

static void
sup_turn(struct pollfd *pfd, size_t npfd)
{
	int64_t now = sup_now();

	for (size_t i = 0; i < npfd; i++) {
		pfd[i].revents = 0;
		/* Paused: a readable backlog must not end every poll at once. */
		if (i >= 2)
			pfd[i].events = sup.accept_pause > now ? 0 : POLLIN;
	}
	if (poll(pfd, npfd, sup_timeout(sup_now())) == -1 && errno != EINTR)
		fatal(EX_OSERR, "poll");
	now = sup_now();
	sup_signals(now);
	sup_collect(pfd[1].revents != 0);
	sup_log_refused(NULL, NULL, now);
	sup_scheduled(now);
	if (sup.stopping) {
		if (now >= sup.deadline)
			sup_kill_rest();
		return;
	}
	if (now - sup.expired >= 1000) {
		adm_expire(sup.cfg, now);
		sup.expired = now;
	}
	if (sup.accept_pause > now)
		return;
	for (size_t i = 2; i < npfd; i++)
		if (pfd[i].revents & POLLIN)
			sup_accept(pfd[i].fd, now);
}

int
sup_run(struct cfg *cfg, struct lsn_set *set)
{
	struct pollfd *pfd = NULL;
	size_t npfd = 0;

	sup.cfg = cfg;
	sup.lsn = set;
	sup.pid = getpid();
	sup.rebuild = 1;
	sup_scheduled(sup_now());	/* STATUS= right after READY=1 */
	while (!sup.stopping || sup.active > 0) {
		if (sup.rebuild) {
			size_t want = 2 + set->n;
			struct pollfd *np = realloc(pfd, want * sizeof(*pfd));

			if (np == NULL)
				fatal(EX_OSERR, "poll set");
			pfd = np;
			npfd = want;
			pfd[0] = (struct pollfd){ .fd = sup_wake[0], .events = POLLIN };
			pfd[1] = (struct pollfd){ .fd = sup_report[0], .events = POLLIN };
			for (size_t i = 2; i < npfd; i++)
				pfd[i] = (struct pollfd){ .fd = set->v[i - 2].fd, .events = POLLIN };
			sup.rebuild = 0;
		}
		sup_title();
		sup_turn(pfd, npfd);
	}
	free(pfd);
	dmn_pidfile_remove();
	log_info("exiting");
	return EX_OK;
}
