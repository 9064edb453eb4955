/*
 * sandbox.c - the seccomp filters of the master and of every session.
 *
 * The policy is data: grouped, commented tables of system calls, each
 * optionally with one argument test, turned into a filter by one loop
 * with one error path.  Both filters are compiled once by sbx_init() in
 * the master and kept as BPF programs, so that a session pays for one
 * prctl() and nothing else (figures in docs/SECURITY.md).
 *
 * Whatever the policy does not allow meets the default action, which is
 * SECCOMP_RET_KILL_PROCESS (SPEC section 5) for a number this architecture
 * has no system call for, and a trap (SIGSYS) for one it has, so that a
 * violation can be named: a session reports it from its SIGSYS handler
 * and then dies of SIGSYS; the master has no SIGSYS handler, so for it a
 * trap is the same death.  A foreign architecture's calls (int 0x80, x32)
 * are killed outright.
 * docs/SECURITY.md explains every call and every choice.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sysexits.h>
#include <termios.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"
#ifdef CASESERV_COVERAGE
void __gcov_dump(void);		/* libgcov: write the counters now */
#endif

/* One allowed system call; arg < 0 means "any arguments". */
struct sbx_call {
	const char	*name;
	int		 arg;
	enum scmp_compare op;
	uint64_t	 a;		/* SCMP_CMP_MASKED_EQ: the mask */
	uint64_t	 b;
};

#define ANY(n)			{ n, -1, SCMP_CMP_EQ, 0, 0 }
#define ARG_EQ(n, i, v)		{ n, i, SCMP_CMP_EQ, (v), 0 }
#define ARG_MASK(n, i, m, v)	{ n, i, SCMP_CMP_MASKED_EQ, (m), (v) }

struct sbx_group {
	const struct sbx_call	*calls;
	size_t			 n;
	uint32_t		 action;
};

#define GROUP(g, act)		{ g, sizeof(g) / sizeof(g[0]), act }

/* ---- the session ---------------------------------------------------------- */

/* The toggle loop: bytes in and out of its socket, the report at the end. */
static const struct sbx_call ses_io[] = {
	ANY("read"), ANY("write"),
	/* SECURITY: after close_range only the socket and the report socket are
	 * open and nothing here can make a new descriptor, so a test on the
	 * descriptor number would add nothing. */
	ANY("shutdown"), ANY("close"),
};

/* Timeouts: glibc's poll() is poll on x86_64, ppoll where poll is gone. */
static const struct sbx_call ses_time[] = {
	ANY("poll"), ANY("ppoll"), ANY("clock_gettime"),
};

/* The SIGTERM flag handler returns through rt_sigreturn; a poll interrupted
 * by SIGSTOP/SIGCONT resumes through restart_syscall; the end is _exit. */
static const struct sbx_call ses_exit[] = {
	ANY("rt_sigreturn"), ANY("restart_syscall"),
	ANY("exit_group"), ANY("exit"),
};

#ifdef CASESERV_SANITIZERS
/* ASan/UBSan runtimes: the few calls their error path makes before dying,
 * so that a sanitizer report is not mistaken for a sandbox violation. */
static const struct sbx_call ses_sanitizers[] = {
	ANY("getpid"), ANY("gettid"), ANY("mmap"), ANY("munmap"),
	ANY("madvise"), ANY("sigaltstack"), ANY("rt_sigprocmask"),
	ANY("sched_yield"), ANY("futex"),
};
#endif

#ifdef CASESERV_COVERAGE
/* gcov's dump at _exit (tests/coverage/exit_dump.c): open each .gcda
 * read-write (made beforehand; mkdir if not), lock it, read, merge,
 * rewrite through stdio.  Coverage builds only, never shipped; opening a
 * file to read stays forbidden. */
#define COV_OPEN	(O_RDWR | O_CREAT)
static const struct sbx_call ses_coverage[] = {
	ARG_MASK("openat", 2, O_ACCMODE | O_CREAT | O_TRUNC, COV_OPEN),
	ARG_MASK("open", 1, O_ACCMODE | O_CREAT | O_TRUNC, COV_OPEN),
	ANY("mkdir"), ANY("mkdirat"), ANY("fcntl"), ANY("fstat"),
	ANY("newfstatat"), ANY("lseek"), ANY("brk"), ANY("mmap"),
	ANY("munmap"), ANY("getpid"),
};
#endif

static const struct sbx_group ses_policy[] = {
	GROUP(ses_io, SCMP_ACT_ALLOW),
	GROUP(ses_time, SCMP_ACT_ALLOW),
	GROUP(ses_exit, SCMP_ACT_ALLOW),
#ifdef CASESERV_SANITIZERS
	GROUP(ses_sanitizers, SCMP_ACT_ALLOW),
#endif
#ifdef CASESERV_COVERAGE
	GROUP(ses_coverage, SCMP_ACT_ALLOW),
#endif
};

/* ---- the master ----------------------------------------------------------- */

/* Read-only: SECURITY: never create, truncate or open for writing. */
#define RDONLY_MASK	(O_ACCMODE | O_CREAT | O_TRUNC)
/* SECURITY: no new namespaces (unprivileged user namespaces widen the
 * kernel's attack surface); plain fork()s only. */
#define CLONE_NS_MASK	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | \
			 CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | \
			 CLONE_NEWCGROUP)
/* SECURITY: never a page both writable and executable (W^X). */
#define WX		(PROT_WRITE | PROT_EXEC)

/* Accepting and serving: the accept loop, its poll, the report socket. */
static const struct sbx_call mst_loop[] = {
	ANY("accept"), ANY("accept4"), ANY("poll"), ANY("ppoll"),
	ANY("read"), ANY("readv"), ANY("write"), ANY("writev"),
	ANY("close"), ANY("close_range"), ANY("dup"), ANY("dup2"),
	ANY("dup3"), ANY("pipe2"), ANY("fcntl"), ANY("getpeername"),
	ANY("getsockname"), ANY("shutdown"),
};

/* Sessions: fork (glibc's is clone), reap, signal only real pids. */
static const struct sbx_call mst_proc[] = {
	ARG_MASK("clone", 0, CLONE_NS_MASK, 0),
	ANY("wait4"), ANY("waitid"), ANY("set_robust_list"),
	ANY("getpid"), ANY("getppid"), ANY("gettid"),
	ANY("exit"), ANY("exit_group"),
};

/* glibc falls back to clone when clone3 says ENOSYS (and clone3's flags
 * sit in memory, out of the filter's sight). */
static const struct sbx_call mst_clone3[] = {
	ANY("clone3"),
};

/* Signal handling: handlers, masks, interrupted calls. */
static const struct sbx_call mst_signals[] = {
	ANY("rt_sigaction"), ANY("rt_sigprocmask"), ANY("rt_sigreturn"),
	ANY("restart_syscall"), ANY("sigaltstack"),
};

/* Time: timeouts, rate buckets, syslog time stamps, short waits. */
static const struct sbx_call mst_time[] = {
	ANY("clock_gettime"), ANY("gettimeofday"), ANY("nanosleep"),
	ANY("clock_nanosleep"),
};

/* Memory for malloc and for NSS modules getaddrinfo may load on reload. */
static const struct sbx_call mst_memory[] = {
	ANY("brk"), ANY("munmap"), ANY("mremap"), ANY("madvise"),
	ARG_MASK("mmap", 2, WX, 0), ARG_MASK("mmap", 2, WX, PROT_WRITE),
	ARG_MASK("mmap", 2, WX, PROT_EXEC),
	ARG_MASK("mprotect", 2, WX, 0), ARG_MASK("mprotect", 2, WX, PROT_WRITE),
	ARG_MASK("mprotect", 2, WX, PROT_EXEC),
	ANY("futex"), ANY("getrandom"),
};

/* Reload: read the configuration, resolve hosts (/etc/hosts, nsswitch.conf,
 * gai.conf, resolv.conf), rebind listeners; remove the pidfile at exit. */
static const struct sbx_call mst_files[] = {
	ARG_MASK("openat", 2, RDONLY_MASK, O_RDONLY),
	ARG_MASK("open", 1, RDONLY_MASK, O_RDONLY),
	ANY("fstat"), ANY("newfstatat"), ANY("stat"), ANY("lstat"),
	ANY("statx"), ANY("lseek"), ANY("access"), ANY("faccessat"),
	ANY("faccessat2"), ANY("readlink"), ANY("getdents64"),
	ANY("flock"), ANY("ftruncate"), ANY("unlink"), ANY("unlinkat"),
	ANY("uname"), ANY("getuid"), ANY("geteuid"), ANY("getgid"),
	ANY("getegid"),
	/* stdio asks whether stderr is a terminal; the resolver asks how much
	 * a datagram holds; a scoped listen host (fe80::1%lo) makes
	 * getaddrinfo call if_nametoindex.  SECURITY: these three only read;
	 * nothing else (no TIOCSTI, no SIOCSIF*). */
	ARG_EQ("ioctl", 1, TCGETS), ARG_EQ("ioctl", 1, FIONREAD),
	ARG_EQ("ioctl", 1, SIOCGIFINDEX),
};

/* Sockets: listeners, syslog's /dev/log, sd_notify, the DNS resolver.
 * SECURITY: only the three families the daemon speaks; no netlink, no raw
 * packets. */
static const struct sbx_call mst_net[] = {
	ARG_EQ("socket", 0, AF_INET), ARG_EQ("socket", 0, AF_INET6),
	ARG_EQ("socket", 0, AF_UNIX),
	ANY("bind"), ANY("listen"), ANY("connect"), ANY("setsockopt"),
	ANY("getsockopt"), ANY("sendto"), ANY("sendmsg"), ANY("sendmmsg"),
	ANY("recvfrom"), ANY("recvmsg"),
};

/* A reload whose host yields several addresses ("*", a name with A and
 * AAAA) makes getaddrinfo sort them, asking the kernel's routing netlink
 * about local addresses first; glibc sorts without it when the socket
 * fails.  SECURITY: refused, not allowed: no netlink in the master. */
static const struct sbx_call mst_net_refused[] = {
	ARG_EQ("socket", 0, AF_NETLINK),
};

/* What a new session does under this filter before it enters its own:
 * its ps name (PR_SET_NAME changes only its own comm), core limit,
 * parent-death signal, dropping capabilities, the filter. */
static const struct sbx_call mst_session_setup[] = {
	ARG_EQ("prlimit64", 0, 0), ANY("setrlimit"), ANY("getrlimit"),
	ARG_EQ("prctl", 0, PR_SET_PDEATHSIG), ARG_EQ("prctl", 0, PR_SET_NO_NEW_PRIVS),
	ARG_EQ("prctl", 0, PR_GET_NO_NEW_PRIVS), ARG_EQ("prctl", 0, PR_SET_SECCOMP),
	ARG_EQ("prctl", 0, PR_GET_SECCOMP), ARG_EQ("prctl", 0, PR_CAPBSET_READ),
	ARG_EQ("prctl", 0, PR_GET_DUMPABLE), ARG_EQ("prctl", 0, PR_SET_NAME),
	ANY("capget"), ANY("capset"),
};

#ifdef CASESERV_SANITIZERS
/* LeakSanitizer checks at exit() from a tracer process that ptraces the
 * master (found by running it under this filter); without these it dies
 * and the master spins for ever.  Test builds only: never shipped. */
static const struct sbx_call mst_sanitizers[] = {
	ANY("ptrace"), ANY("prctl"), ANY("getdents"), ANY("sched_yield"),
};
#endif

#ifdef CASESERV_COVERAGE
/* gcov's dump at exit: the .gcda files opened read-write (and created
 * where missing).  Coverage builds only. */
static const struct sbx_call mst_coverage[] = {
	ARG_MASK("openat", 2, RDONLY_MASK, COV_OPEN),
	ARG_MASK("open", 1, RDONLY_MASK, COV_OPEN),
	ANY("mkdir"), ANY("mkdirat"),
};
#endif

static const struct sbx_group mst_policy[] = {
	GROUP(mst_loop, SCMP_ACT_ALLOW),
	GROUP(mst_proc, SCMP_ACT_ALLOW),
	GROUP(mst_clone3, SCMP_ACT_ERRNO(ENOSYS)),
	GROUP(mst_signals, SCMP_ACT_ALLOW),
	GROUP(mst_time, SCMP_ACT_ALLOW),
	GROUP(mst_memory, SCMP_ACT_ALLOW),
	GROUP(mst_files, SCMP_ACT_ALLOW),
	GROUP(mst_net, SCMP_ACT_ALLOW),
	GROUP(mst_net_refused, SCMP_ACT_ERRNO(EAFNOSUPPORT)),
	GROUP(mst_session_setup, SCMP_ACT_ALLOW),
#ifdef CASESERV_SANITIZERS
	GROUP(mst_sanitizers, SCMP_ACT_ALLOW),
#endif
#ifdef CASESERV_COVERAGE
	GROUP(mst_coverage, SCMP_ACT_ALLOW),
#endif
};

/* ---- building ------------------------------------------------------------- */

/* Above every system call number of the architectures we build for. */
#define SBX_NR_MAX	1024
/* Marks the default action in libseccomp's program until it is replaced
 * (a trace action with this data is used nowhere else). */
#define SBX_DEFAULT	SCMP_ACT_TRACE(0x5ca5)

static struct sock_fprog ses_prog, mst_prog;
static void (*volatile ses_on_violation)(long);

static int
add_call(scmp_filter_ctx ctx, const struct sbx_call *c, uint32_t action)
{
	struct scmp_arg_cmp cmp;
	int nr;

	nr = seccomp_syscall_resolve_name(c->name);
	if (nr == __NR_SCMP_ERROR)
		return -EINVAL;
	/* Calls this architecture lacks (poll, open on aarch64) are skipped by
	 * libseccomp itself: their numbers here are negative pseudo-calls. */
	if (c->arg < 0)
		return seccomp_rule_add(ctx, action, nr, 0);
	memset(&cmp, 0, sizeof(cmp));
	cmp.arg = (unsigned int)c->arg;
	cmp.op = c->op;
	cmp.datum_a = c->a;
	cmp.datum_b = c->b;
	return seccomp_rule_add_array(ctx, action, nr, 1, &cmp);
}

/*
 * kill(pid > 0) only.  SECURITY: the kernel reads pid as 32 bits, so the
 * test must ignore the upper half; libseccomp has neither a masked "not
 * equal" nor two tests of one argument, hence one rule per low bit: bit 31
 * (the sign) clear and bit k set, for k = 0..30.
 */
static int
add_kill_positive(scmp_filter_ctx ctx)
{
	struct scmp_arg_cmp cmp;
	unsigned int k;
	int rc;

	for (k = 0; k < 31; k++) {
		cmp = SCMP_A0_64(SCMP_CMP_MASKED_EQ, 0x80000000ULL | (1ULL << k),
		    1ULL << k);
		rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW,
		    SCMP_SYS(kill), 1, &cmp);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The highest number this architecture has a system call name for. */
static uint32_t
highest_named(void)
{
	uint32_t high = 0;
	char *name;

	for (int nr = 0; nr < SBX_NR_MAX; nr++)
		if ((name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE,
		    nr)) != NULL) {
			free(name);
			high = (uint32_t)nr;
		}
	return high;
}

/*
 * Give the program its default action.  Every return of the marker becomes
 * a jump to four instructions at the end: a number above every named call
 * is killed (SECCOMP_RET_KILL_PROCESS), any other traps, so that it can be
 * named.  One jump replaces one return, so no other offset moves; this
 * costs four instructions where a trap rule per named call would cost
 * hundreds, and with them a slower filter set-up for every session.
 */
static int
set_default(struct sock_fprog *prog)
{
	const struct sock_filter tail[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, highest_named(), 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	size_t n = prog->len, ntail = sizeof(tail) / sizeof(tail[0]);
	struct sock_filter *f;

	if (n + ntail > BPF_MAXINSNS ||
	    (f = realloc(prog->filter, (n + ntail) * sizeof(*f))) == NULL)
		return -E2BIG;
	for (size_t i = 0; i < n; i++)
		if (f[i].code == (BPF_RET | BPF_K) && f[i].k == SBX_DEFAULT)
			f[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA,
			    (uint32_t)(n - i - 1), 0, 0);
	memcpy(f + n, tail, sizeof(tail));
	prog->filter = f;
	prog->len = (unsigned short)(n + ntail);
	return 0;
}

/* Compile ctx into prog: libseccomp only exports to a descriptor. */
static int
export_prog(scmp_filter_ctx ctx, struct sock_fprog *prog)
{
	struct stat st;
	ssize_t got;
	int fd, rc;

	if ((fd = memfd_create("caseserv-bpf", MFD_CLOEXEC)) == -1)
		return -errno;
	rc = seccomp_export_bpf(ctx, fd);
	if (rc == 0 && fstat(fd, &st) == -1)
		rc = -errno;
	if (rc == 0 && (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter)
	    || st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS))
		rc = -E2BIG;
	if (rc == 0 && (prog->filter = malloc((size_t)st.st_size)) == NULL)
		rc = -ENOMEM;
	if (rc == 0) {
		got = pread(fd, prog->filter, (size_t)st.st_size, 0);
		if (got != st.st_size)
			rc = got == -1 ? -errno : -EIO;
		prog->len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
	}
	close(fd);
	return rc;
}

static void
build(const struct sbx_group *policy, size_t ngroups, int master,
    struct sock_fprog *prog, const char *what)
{
	scmp_filter_ctx ctx;
	size_t g, i;
	int rc = 0;

	/* SECURITY: whatever is not listed below meets set_default(). */
	if ((ctx = seccomp_init(SBX_DEFAULT)) == NULL)
		fatalx(EX_OSERR, "sandbox: %s filter: seccomp_init failed", what);
	/* SECURITY: another architecture's calls (int 0x80, x32) bypass the
	 * number checks, so they end the process without a handler. */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	/* A binary tree: an argument-checked call of the master (kill has 31
	 * rules) is found in about 20 instructions instead of up to 190. */
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (g = 0; rc == 0 && g < ngroups; g++)
		for (i = 0; rc == 0 && i < policy[g].n; i++)
			rc = add_call(ctx, &policy[g].calls[i], policy[g].action);
	if (rc == 0 && master)
		rc = add_kill_positive(ctx);
	if (rc == 0)
		rc = export_prog(ctx, prog);
	if (rc == 0)
		rc = set_default(prog);
	seccomp_release(ctx);
	if (rc != 0)
		fatalx(EX_OSERR, "sandbox: %s filter: cannot build: %s", what,
		    strerror(-rc));
}

void
sbx_init(void)
{
	if (mst_prog.filter != NULL)
		return;
	build(ses_policy, sizeof(ses_policy) / sizeof(ses_policy[0]), 0,
	    &ses_prog, "session");
	build(mst_policy, sizeof(mst_policy) / sizeof(mst_policy[0]), 1,
	    &mst_prog, "master");
	log_debug("sandbox: filters built: session %u, master %u instructions",
	    ses_prog.len, mst_prog.len);
}

/* ---- entering ------------------------------------------------------------- */

static int
load(const struct sock_fprog *prog)
{
	if (prog->filter == NULL) {
		errno = EINVAL;
		return -1;
	}
	/* Needed by an unprivileged caller; the master set it already, but
	 * saying it again here costs one call and removes an ordering trap. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog, 0, 0);
}

void
sbx_enter_master(void)
{
	/* SECURITY: a forbidden call that has a name traps; with SIGSYS at
	 * its default the trap ends the master as surely as
	 * SECCOMP_RET_KILL_PROCESS ends it for the rest. */
	if (signal(SIGSYS, SIG_DFL) == SIG_ERR || load(&mst_prog) == -1)
		fatal(EX_OSERR, "sandbox: master filter");
}

/*
 * SIGSYS in a session: report, then die of SIGSYS.  The handler runs with
 * SIGSYS blocked and its disposition reset (SA_RESETHAND), so the next
 * forbidden call is forced through with the default action: the process
 * dies of SIGSYS, and the forbidden call never runs.  getpgid() is on no
 * list and would be harmless if it ever were.
 */
static void
ses_sigsys(int sig, siginfo_t *info, void *uctx)
{
	void (*cb)(long) = ses_on_violation;

	(void)sig;
	(void)uctx;
	if (cb != NULL)
		cb(info->si_syscall);
#ifdef CASESERV_COVERAGE
	__gcov_dump();		/* the counters, before dying of SIGSYS */
#endif
	syscall(SYS_getpgid, 0);
	_exit(EX_SOFTWARE);
}

int
sbx_enter_session(void (*on_violation)(long nr))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = ses_sigsys;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	ses_on_violation = on_violation;
	/* SECURITY: installed before the filter: rt_sigaction is not allowed
	 * afterwards, so the handler cannot be replaced. */
	if (sigaction(SIGSYS, &sa, NULL) == -1)
		return -1;
	return load(&ses_prog);
}

/* ---- names and the self-test ------------------------------------------- */

const char *
sbx_syscall_name(long nr, char *buf, size_t len)
{
	char *name;

	name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)nr);
	snprintf(buf, len, "%s", name != NULL ? name : "?");
	free(name);
	return buf;
}

static int selftest_fd = -1;

static void
selftest_report(long nr)
{
	/* Nothing to do on failure: the parent sees the word missing. */
	if (write(selftest_fd, &nr, sizeof(nr)) != sizeof(nr))
		return;
}

/* The throwaway child: both filters, an allowed call, a forbidden one. */
static void __attribute__((noreturn))
selftest_child(int fd)
{
	static const struct rlimit nocore = { 0, 0 };
	long ok = 0;

	selftest_fd = fd;
	if (setrlimit(RLIMIT_CORE, &nocore) == -1)
		_exit(EX_OSERR);
	sbx_enter_master();
	if (sbx_enter_session(selftest_report) == -1)
		_exit(EX_OSERR);
	if (write(fd, &ok, sizeof(ok)) != sizeof(ok))	/* allowed */
		_exit(EX_OSERR);
	syscall(SYS_getppid);				/* forbidden */
	_exit(EX_SOFTWARE);
}

/* Read the child's two words: 0 (the allowed call worked), then the number
 * its violation handler reported.  Bounded: 5 s at most. */
static int
selftest_read(int fd, long got[2])
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	size_t have = 0;
	ssize_t n;
	int i;

	for (i = 0; i < 50 && have < 2 * sizeof(long); i++) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(fd, (char *)got + have, 2 * sizeof(long) - have);
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	return have == 2 * sizeof(long) ? 0 : -1;
}

int
sbx_selftest(char *err, size_t errlen)
{
	long got[2] = { -1, -1 };
	int p[2], status, rc;
	pid_t pid;

	sbx_init();
	if (pipe2(p, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "sandbox: self-test: pipe: %s",
		    strerror(errno));
		return -1;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "sandbox: self-test: fork: %s",
		    strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		selftest_child(p[1]);
	}
	close(p[1]);
	rc = selftest_read(p[0], got);
	close(p[0]);
	if (rc == -1)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (rc == 0 && got[0] == 0 && got[1] == SYS_getppid &&
	    WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		return 0;
	snprintf(err, errlen, "sandbox: kernel does not enforce seccomp "
	    "filters: test child %s %d, reported call %ld",
	    WIFSIGNALED(status) ? "killed by signal" : "exited with",
	    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), got[1]);
	return -1;
}
