/*
 * test_failing.c - every failing allocation and system call, one at a time.
 *
 * Each sweep runs a piece of the daemon in a forked child, again and
 * again, making the k-th call fail (k = 1, 2, ...) among the allocations
 * and the system calls listed below, until a run makes no call past k.
 * Every run must end the way the code says that failure ends: an error
 * returned and reported as the module reports it (FILE:LINE: message,
 * "pidfile: PATH: reason", a session's SES_ERROR), or a fatal exit with
 * its status; never a crash, never a success that hid the failure, and
 * no descriptor left behind by a failed call.
 *
 * The functions are this program's, interposed over glibc's; only the
 * daemon's own calls (from this executable, where libcaseserv.a is
 * linked) are counted and failed (see fault).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "activation.h"
#include "admit.h"
#include "conf.h"
#include "daemon.h"
#include "inetd.h"
#include "listeners.h"
#include "log.h"
#include "privs.h"
#include "proctitle.h"
#include "sandbox.h"
#include "session.h"
#include "parent.h"

#define MAX_CALLS	20000	/* a sweep that never ends is a failure */
#define CST_PATH	128

#ifndef CASESERV_SANITIZERS	/* ASan owns malloc (see main) */

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

/* Shared with the sweep's parent: armed, counted, hit. */
static struct fault_state {
	long	at;		/* 0: never; else fail this call */
	long	count;		/* calls since arming */
	int	hit;
	char	what[32];	/* the call that failed */
} *flt;
static void *self_base;		/* where this program is mapped */

/*
 * Only calls this program makes (the daemon's code, linked in) are counted
 * and failed.  libconfig and libseccomp do not survive a failed allocation
 * of their own (config_init() and seccomp_export_bpf() crash or spin:
 * found by this test), which no code of ours can help.
 */
static int
fault(const void *caller, const char *what, int err)
{
	Dl_info info;

	if (flt == NULL || flt->at == 0 || dladdr(caller, &info) == 0 ||
	    info.dli_fbase != self_base)
		return 0;
	if (++flt->count != flt->at)
		return 0;
	flt->hit = 1;
	snprintf(flt->what, sizeof(flt->what), "%s", what);
	errno = err;
	return 1;
}

#define CALLER	__builtin_return_address(0)

void *
malloc(size_t n)
{
	return fault(CALLER, "malloc", ENOMEM) ? NULL : __libc_malloc(n);
}

void *
calloc(size_t n, size_t size)
{
	return fault(CALLER, "calloc", ENOMEM) ? NULL : __libc_calloc(n, size);
}

void *
realloc(void *p, size_t n)
{
	return fault(CALLER, "realloc", ENOMEM) ? NULL : __libc_realloc(p, n);
}

void *
reallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return fault(CALLER, "reallocarray", ENOMEM) ? NULL :
	    __libc_realloc(p, n * size);
}

static char *
copy(const char *s, size_t n)
{
	char *d = __libc_malloc(n + 1);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

char *
strdup(const char *s)
{
	return fault(CALLER, "strdup", ENOMEM) ? NULL : copy(s, strlen(s));
}

char *
strndup(const char *s, size_t n)
{
	return fault(CALLER, "strndup", ENOMEM) ? NULL :
	    copy(s, strnlen(s, n));
}

/* ---- system calls ----------------------------------------------------------- */

static void *
next(const char *name)
{
	void *fn = dlsym(RTLD_NEXT, name);

	if (fn == NULL)
		abort();
	return fn;
}

/* name(params) failing with err, else the next definition's (args). */
#define SYSCALL(ret, name, err, params, args, types)			\
ret									\
name params								\
{									\
	static ret (*real) types;					\
									\
	if (fault(CALLER, #name, err))					\
		return (ret)-1;						\
	if (real == NULL)						\
		real = (ret (*) types)next(#name);			\
	return real args;						\
}

SYSCALL(int, socket, EMFILE, (int d, int t, int p), (d, t, p), (int, int, int))
SYSCALL(int, socketpair, EMFILE, (int d, int t, int p, int sv[2]),
    (d, t, p, sv), (int, int, int, int *))
SYSCALL(int, setsockopt, ENOBUFS, (int fd, int l, int o, const void *v,
    socklen_t n), (fd, l, o, v, n), (int, int, int, const void *, socklen_t))
SYSCALL(int, getsockopt, ENOBUFS, (int fd, int l, int o, void *v,
    socklen_t *n), (fd, l, o, v, n), (int, int, int, void *, socklen_t *))
SYSCALL(int, getsockname, ENOBUFS, (int fd, struct sockaddr *a,
    socklen_t *n), (fd, a, n), (int, struct sockaddr *, socklen_t *))
SYSCALL(int, bind, EADDRINUSE, (int fd, const struct sockaddr *a,
    socklen_t n), (fd, a, n), (int, const struct sockaddr *, socklen_t))
SYSCALL(int, listen, EIO, (int fd, int b), (fd, b), (int, int))
SYSCALL(int, pipe2, EMFILE, (int p[2], int f), (p, f), (int *, int))
SYSCALL(pid_t, fork, EAGAIN, (void), (), (void))
SYSCALL(int, fstat, EIO, (int fd, struct stat *st), (fd, st),
    (int, struct stat *))
SYSCALL(int, ftruncate, EIO, (int fd, off_t n), (fd, n), (int, off_t))
SYSCALL(ssize_t, pwrite, EIO, (int fd, const void *b, size_t n, off_t o),
    (fd, b, n, o), (int, const void *, size_t, off_t))
SYSCALL(int, fchmod, EIO, (int fd, mode_t m), (fd, m), (int, mode_t))
SYSCALL(int, fchown, EPERM, (int fd, uid_t u, gid_t g), (fd, u, g),
    (int, uid_t, gid_t))
SYSCALL(int, unlink, EACCES, (const char *p), (p), (const char *))
SYSCALL(int, setrlimit, EPERM, (__rlimit_resource_t r,
    const struct rlimit *l), (r, l), (__rlimit_resource_t,
    const struct rlimit *))
SYSCALL(int, sigaction, EINVAL, (int s, const struct sigaction *a,
    struct sigaction *o), (s, a, o), (int, const struct sigaction *,
    struct sigaction *))
SYSCALL(int, sigprocmask, EINVAL, (int h, const sigset_t *a, sigset_t *o),
    (h, a, o), (int, const sigset_t *, sigset_t *))
SYSCALL(int, close_range, EINVAL, (unsigned lo, unsigned hi, int f),
    (lo, hi, f), (unsigned, unsigned, int))
SYSCALL(int, setgroups, EPERM, (size_t n, const gid_t *g), (n, g),
    (size_t, const gid_t *))

/* ---- a kernel that lies: for the privilege drop's own checks ------------- */

enum { LIE_ROOT = 1, LIE_IDS = 2, LIE_GROUPS = 4 };
static int lie;			/* set in a child only */

/* LIE_ROOT: setgid(0) works again after the drop. */
int
setgid(gid_t g)
{
	static int (*real)(gid_t);

	if (fault(CALLER, "setgid", EPERM))
		return -1;
	if ((lie & LIE_ROOT) && g == 0)
		return 0;
	if (real == NULL)
		real = (int (*)(gid_t))next("setgid");
	return real(g);
}

/* LIE_IDS: the saved uid is still 0. */
int
getresuid(uid_t *r, uid_t *e, uid_t *s)
{
	static int (*real)(uid_t *, uid_t *, uid_t *);
	int rc;

	if (real == NULL)
		real = (int (*)(uid_t *, uid_t *, uid_t *))next("getresuid");
	rc = real(r, e, s);
	if (rc == 0 && (lie & LIE_IDS))
		*s = 0;
	return rc;
}

/* LIE_GROUPS: a supplementary group is left. */
int
getgroups(int n, gid_t *list)
{
	static int (*real)(int, gid_t *);

	if (lie & LIE_GROUPS)
		return 1;
	if (real == NULL)
		real = (int (*)(int, gid_t *))next("getgroups");
	return real(n, list);
}

SYSCALL(int, setsid, EPERM, (void), (), (void))
SYSCALL(int, chdir, EACCES, (const char *p), (p), (const char *))
SYSCALL(int, memfd_create, EMFILE, (const char *n, unsigned f), (n, f),
    (const char *, unsigned))

/*
 * syscall(): only the calls the daemon makes through it (clone with a
 * pidfd, Landlock, pidfd signals); this program's own raw calls pass.
 */
long
syscall(long nr, ...)
{
	static long (*real)(long, ...);
	long a[6];
	va_list ap;

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if ((nr == SYS_clone || nr == SYS_landlock_create_ruleset ||
	    nr == SYS_landlock_add_rule || nr == SYS_landlock_restrict_self ||
	    nr == SYS_pidfd_send_signal) &&
	    fault(CALLER, "syscall", nr == SYS_clone ? EAGAIN : ENOMEM))
		return -1;
	if (real == NULL)
		real = (long (*)(long, ...))next("syscall");
	return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* The variadic ones: their last argument read as what the callers pass. */
int
fcntl(int fd, int cmd, ...)
{
	static int (*real)(int, int, ...);
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fault(CALLER, "fcntl", EIO))
		return -1;
	if (real == NULL)
		real = (int (*)(int, int, ...))next("fcntl");
	return real(fd, cmd, arg);
}

int
open(const char *path, int flags, ...)
{
	static int (*real)(const char *, int, ...);
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = (mode_t)va_arg(ap, int);
	va_end(ap);
	if (fault(CALLER, "open", EMFILE))
		return -1;
	if (real == NULL)
		real = (int (*)(const char *, int, ...))next("open");
	return real(path, flags, mode);
}

int
prctl(int option, ...)
{
	static int (*real)(int, ...);
	unsigned long a[4];
	va_list ap;

	va_start(ap, option);
	for (int i = 0; i < 4; i++)
		a[i] = va_arg(ap, unsigned long);
	va_end(ap);
	if (fault(CALLER, "prctl", EINVAL))
		return -1;
	if (real == NULL)
		real = (int (*)(int, ...))next("prctl");
	return real(option, a[0], a[1], a[2], a[3]);
}

/* Descriptors open now, counted without a call of ours that can fail. */
static int
nfds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		n += syscall(SYS_fcntl, fd, F_GETFD) != -1;
	return n;
}

/*
 * A run ends with exit() or _exit(): from there on nothing fails, so that
 * what follows (a coverage build's libgcov, linked into this program, is
 * counted as ours) writes its counters whatever the run was.
 */
static void
disarm_at_exit(void)
{
	flt->at = 0;
}

#ifdef CASESERV_COVERAGE
void __gcov_dump(void);
void __real__exit(int) __attribute__((noreturn));
void __wrap__exit(int) __attribute__((noreturn));

/* This program's, instead of tests/coverage/exit_dump.c's. */
void
__wrap__exit(int status)
{
	if (flt != NULL)
		flt->at = 0;
	__gcov_dump();
	__real__exit(status);
}
#endif

/* The test's own scaffolding inside a run: nothing of it fails. */
static long
disarm(void)
{
	long at = flt->at;

	flt->at = 0;
	return at;
}

static void
rearm(long at)
{
	flt->at = at;
}

static int run_child(void (*)(void), char *, size_t);

/* What a run ended in, as the child reports it (its exit status). */
enum { RUN_OK = 0, RUN_HANDLED = 1, RUN_BAD = 2 };

/*
 * Run fn in children with the k-th call failing, k = 1 .. until a run had
 * nothing left to fail.  fn returns RUN_OK (worked), RUN_HANDLED (the
 * failure was reported as it should be) or RUN_BAD.  A child may also exit
 * with one of the statuses in fatal[] (0-terminated; fatal paths, or a
 * function that never returns).
 */
static void
sweep(const char *what, int (*fn)(void), const int *fatal)
{
	int null = (int)syscall(SYS_openat, AT_FDCWD, "/dev/null", O_WRONLY);
	int handled = 0, fatals = 0, oks = 0;
	long k;

	for (k = 1; k < MAX_CALLS; k++) {
		int status, code;
		pid_t pid;

		memset(flt, 0, sizeof(*flt));
		assert_true((pid = (pid_t)syscall(SYS_fork)) != -1);
		if (pid == 0) {
			/* cmocka catches these in the test process: here a
			 * crash must show as one. */
			signal(SIGSEGV, SIG_DFL);
			signal(SIGBUS, SIG_DFL);
			signal(SIGABRT, SIG_DFL);
			/* Fatal paths' lines: expected, not worth showing. */
			if (getenv("TEST_FAILING_VERBOSE") == NULL)
				dup2(null, 2);
			atexit(disarm_at_exit);
			flt->at = k;
			code = fn();
			flt->at = 0;	/* exiting (gcov) may allocate */
			_exit(code);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		/* Its orphans (an acceptor whose main failed) are ours as the
		 * subreaper: gone before the next run counts calls again. */
		while (waitpid(-1, NULL, 0) > 0)
			continue;
		if (WIFSIGNALED(status))
			fail_msg("%s: call %ld (%s) failing: killed by signal %d",
			    what, k, flt->what, WTERMSIG(status));
		code = WEXITSTATUS(status);
		if (code == RUN_BAD)
			fail_msg("%s: call %ld (%s) failing: wrong outcome",
			    what, k, flt->what);
		if (!flt->hit) {
			print_message("%s: %ld calls; failing one: %d reported, "
			    "%d fatal, %d absorbed\n", what, k - 1, handled,
			    fatals, oks);
			assert_true(k > 1);
			close(null);
			return;
		}
		if (code == RUN_OK && getenv("TEST_FAILING_VERBOSE") != NULL)
			print_message("%s: call %ld (%s) failing: absorbed\n",
			    what, k, flt->what);
		if (code == RUN_OK || code == RUN_HANDLED) {
			handled += code == RUN_HANDLED;
			oks += code == RUN_OK;
			continue;
		}
		for (const int *f = fatal; f != NULL && *f != 0; f++)
			if (*f == code) {
				fatals++;
				code = -1;
				break;
			}
		if (code != -1)
			fail_msg("%s: call %ld (%s) failing: exit %d", what, k,
			    flt->what, code);
	}
	fail_msg("%s: more than %d calls", what, MAX_CALLS);
}

/* ---- the configuration ---------------------------------------------------- */

static char dir[] = "/tmp/test_failing.XXXXXX";
static char path[80], inc[96];	/* the file, and its @include */

static const char conf_text[] =
    "# every kind of setting\n"
    "listen = ( { host = \"127.0.0.1\"; port = 1205; },\n"
    "           { host = \"localhost\"; port = \"1206\"; } );\n"
    "backlog = 64;\nuser = \"nobody\";\ngroup = \"nogroup\";\n"
    "pidfile = \"/run/caseserv-test.pid\";\n"
    "max_clients = 100;\nmax_clients_per_host = 0;\n"
    "max_session_bytes = 9000000000;\n"
    "allow = ( \"192.0.2.0/24\", \"2001:db8::/32\" );\n"
    "deny = ( \"192.0.2.7\" );\n"
    "log_facility = \"local3\";\nlog_level = \"debug\";\n"
    "@include \"more.conf\"\n";

static const char more_text[] =
    "idle_timeout = 30;\nsession_timeout = 0x10;\nstats_interval = 5;\n";

static int
load_dump_free(void)
{
	char err[CFG_ERRLEN] = "";
	struct cfg c;
	FILE *null;
	long at;

	if (cfg_load(path, &c, err, sizeof(err)) == -1) {
		/* The one line a user sees: FILE:LINE: text; an @include's
		 * problem names the file as the @include does. */
		if ((strncmp(err, path, strlen(path)) == 0 ||
		    strncmp(err, inc, strlen(inc)) == 0 ||
		    strncmp(err, "more.conf:", 10) == 0) &&
		    strstr(err, ": ") != NULL)
			return flt->hit ? RUN_HANDLED : RUN_BAD;
		fprintf(stderr, "bad error: %s\n", err);
		return RUN_BAD;
	}
	if (c.nlisten != 2 || c.idle_timeout != 30 || c.session_timeout != 16 ||
	    c.max_session_bytes != 9000000000LL) {
		fprintf(stderr, "loaded, but wrong\n");
		return RUN_BAD;
	}
	at = disarm();
	null = fopen("/dev/null", "w");
	rearm(at);
	if (null != NULL) {
		cfg_dump(&c, null);
		fclose(null);
	}
	cfg_free(&c);
	return RUN_OK;
}

static void
write_text(const char *file, const char *text)
{
	FILE *f = fopen(file, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	chmod(file, 0644);
}

static void
test_conf_load(void **state)
{
	(void)state;
	write_text(path, conf_text);
	write_text(inc, more_text);
	assert_int_equal(load_dump_free(), RUN_OK);	/* the file is fine */
	sweep("cfg_load", load_dump_free, NULL);
}

/* ---- the listeners ---------------------------------------------------------- */

static struct cfg lcfg;

/* Bind, then reconcile again (a reload): both fail cleanly, leak nothing. */
static int
listen_twice(void)
{
	struct lsn_set set = { NULL, 0, 0 };
	char err[512] = "";
	int status, fds = nfds();

	if (lsn_reconcile(&set, &lcfg, err, sizeof(err), &status) == -1)
		return err[0] != '\0' && set.n == 0 && nfds() == fds ?
		    RUN_HANDLED : RUN_BAD;
	if (set.n != 2 || nfds() != fds + 2)
		return RUN_BAD;
	if (lsn_reconcile(&set, &lcfg, err, sizeof(err), &status) == -1)
		/* A failed reload leaves the set as it was. */
		return err[0] != '\0' && set.n == 2 && nfds() == fds + 2 ?
		    RUN_HANDLED : RUN_BAD;
	lsn_close_all(&set);
	return nfds() == fds ? RUN_OK : RUN_BAD;
}

/* Then a reload that binds one more address. */
static struct cfg lcfg2;

static int
listen_grow(void)
{
	struct lsn_set set = { NULL, 0, 0 };
	char err[512] = "";
	int status, fds;
	long at = disarm();

	if (lsn_reconcile(&set, &lcfg, err, sizeof(err), &status) == -1)
		return RUN_BAD;
	rearm(at);
	fds = nfds();
	if (lsn_reconcile(&set, &lcfg2, err, sizeof(err), &status) == -1) {
		if (strncmp(err, lcfg2.path, strlen(lcfg2.path)) != 0 &&
		    strstr(err, "socket: ") == NULL &&
		    strstr(err, "setsockopt: ") == NULL &&
		    strstr(err, "bind: ") == NULL && strstr(err, "listen: ") == NULL)
			return RUN_BAD;
		return set.n == 2 && nfds() == fds ? RUN_HANDLED : RUN_BAD;
	}
	return set.n == 3 && nfds() == fds + 1 ? RUN_OK : RUN_BAD;
}

/* A socket handed over by a service manager, adopted. */
static int
adopt(void)
{
	struct lsn_set set = { NULL, 0, 0 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	char err[512] = "";
	long at = disarm();
	int fd = (int)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || syscall(SYS_bind, fd, &sin, sizeof(sin)) == -1 ||
	    syscall(SYS_listen, fd, 5) == -1)
		return RUN_BAD;
	rearm(at);
	if (lsn_adopt(&set, fd, err, sizeof(err)) == -1)
		return strncmp(err, "socket activation: ", 19) == 0 &&
		    set.n == 0 ? RUN_HANDLED : RUN_BAD;
	return set.n == 1 && set.v[0].fd == fd ? RUN_OK : RUN_BAD;
}

/* A port the kernel found free on 127.0.0.1 (and, most likely, ::1). */
static int
free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	int s;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((s = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &sl), 0);
	close(s);
	return ntohs(sin.sin_port);
}

static void
test_listeners(void **state)
{
	char err[CFG_ERRLEN], file[CST_PATH], text[256];
	int port = free_port();

	(void)state;
	snprintf(file, sizeof(file), "%s/listen.conf", dir);
	snprintf(text, sizeof(text), "listen = ( { host = \"localhost\"; "
	    "port = %d; } );\n", port);
	write_text(file, text);
	assert_int_equal(cfg_load(file, &lcfg, err, sizeof(err)), 0);
	snprintf(file, sizeof(file), "%s/listen2.conf", dir);
	snprintf(text, sizeof(text), "listen = ( { host = \"localhost\"; "
	    "port = %d; },\n  { host = \"127.0.0.1\"; port = %d; } );\n",
	    port, port == 65535 ? 65534 : port + 1);
	write_text(file, text);
	assert_int_equal(cfg_load(file, &lcfg2, err, sizeof(err)), 0);
	sweep("lsn_reconcile", listen_twice, NULL);
	sweep("lsn_reconcile, one more", listen_grow, NULL);
	sweep("lsn_adopt", adopt, NULL);
	cfg_free(&lcfg);
	cfg_free(&lcfg2);
}

/* ---- the pidfile and the notify socket -------------------------------------- */

static char pidpath[96];

/* Open and lock, write, remove: each failure reported, nothing left. */
static int
pidfile_life(void)
{
	char err[512] = "", want[128];
	int fds = nfds();
	long at;

	snprintf(want, sizeof(want), "pidfile: %s: ", pidpath);
	if (dmn_pidfile_open(pidpath, getuid(), err, sizeof(err)) == -1)
		return strncmp(err, want, strlen(want)) == 0 && nfds() == fds ?
		    RUN_HANDLED : RUN_BAD;
	dmn_pidfile_chown(getuid(), getgid());
	if (dmn_pidfile_write(err, sizeof(err)) == -1) {
		if (strncmp(err, want, strlen(want)) != 0)
			return RUN_BAD;
		dmn_pidfile_remove();
		return RUN_HANDLED;
	}
	dmn_pidfile_remove();
	at = disarm();
	/* Removed, or (when unlink failed) emptied: no stale pid. */
	if (access(pidpath, F_OK) == 0) {
		struct stat st;

		if (stat(pidpath, &st) == -1 || st.st_size != 0)
			return RUN_BAD;
		unlink(pidpath);
	}
	rearm(at);
	return nfds() == fds ? RUN_OK : RUN_BAD;
}

/* Another instance holds the lock: its pid is named. */
static int
pidfile_held(void)
{
	char err[512] = "", want[256];

	snprintf(want, sizeof(want), "pidfile: %s: already running as pid %ld",
	    pidpath, (long)getppid());
	if (dmn_pidfile_open(pidpath, getuid(), err, sizeof(err)) == 0)
		return RUN_BAD;
	if (strcmp(err, want) == 0)
		return RUN_OK;
	snprintf(want, sizeof(want), "pidfile: %s: ", pidpath);
	return strncmp(err, want, strlen(want)) == 0 ? RUN_HANDLED : RUN_BAD;
}

static int
notify_socket(void)
{
	dmn_notify_init();
	dmn_notify("READY=1");
	return dmn_notify_enabled() ? RUN_OK : RUN_HANDLED;
}

/* In a child: the environment set, dmn_notify_init; the watchdog's usec. */
static uint64_t
watchdog_with(const char *usec, const char *pid)
{
	uint64_t v = (uint64_t)-1;
	int p[2], status;
	pid_t child;

	assert_int_equal(pipe(p), 0);
	assert_true((child = fork()) != -1);
	if (child == 0) {
		setenv("NOTIFY_SOCKET", "@caseserv-test-notify", 1);
		if (usec != NULL)
			setenv("WATCHDOG_USEC", usec, 1);
		if (pid != NULL)
			setenv("WATCHDOG_PID", pid, 1);
		dmn_notify_init();
		v = dmn_notify_enabled() ? dmn_watchdog_usec() : (uint64_t)-2;
		_exit(write(p[1], &v, sizeof(v)) == sizeof(v) ? 0 : 1);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &v, sizeof(v)), sizeof(v));
	close(p[0]);
	assert_int_equal(waitpid(child, &status, 0), child);
	return v;
}

/* What $WATCHDOG_USEC and $WATCHDOG_PID systemd would write, and not. */
static void
test_watchdog_env(void **state)
{
	char far[32], other[32];

	(void)state;
	/* The variables name another process (ours is the child's parent,
	 * or the highest pid there can be): not for us, no watchdog.  Our
	 * own pid is test_notify's, with the daemon. */
	snprintf(other, sizeof(other), "%ld", (long)getpid());
	snprintf(far, sizeof(far), "%d", INT_MAX);
	assert_int_equal(watchdog_with(NULL, NULL), 0);
	assert_int_equal(watchdog_with("", NULL), 0);
	assert_int_equal(watchdog_with("2000000", NULL), 2000000);
	assert_int_equal(watchdog_with("2000000", ""), 2000000);
	assert_int_equal(watchdog_with("2000000", other), 0);
	assert_int_equal(watchdog_with("2000000", far), 0);
	/* Not what systemd writes: ignored, with a warning. */
	assert_int_equal(watchdog_with("0", NULL), 0);
	assert_int_equal(watchdog_with("-5", NULL), 0);
	assert_int_equal(watchdog_with("12x", NULL), 0);
	assert_int_equal(watchdog_with("18446744073709551615", NULL), 0);
	assert_int_equal(watchdog_with("99999999999999999999", NULL), 0);
	assert_int_equal(watchdog_with("2000000", "0"), 0);
	assert_int_equal(watchdog_with("2000000", "2147483648"), 0);
	assert_int_equal(watchdog_with("2000000", "x1"), 0);
}

/* The pidfile's path: too long, or not a regular file (a FIFO). */
static void
test_pidfile_paths(void **state)
{
	char err[8192], fifo[128], want[256], *longpath = malloc(5000);

	(void)state;
	assert_non_null(longpath);
	memset(longpath, 'p', 4999);
	longpath[0] = '/';
	longpath[4999] = '\0';
	assert_int_equal(dmn_pidfile_open(longpath, getuid(), err, sizeof(err)), -1);
	assert_non_null(strstr(err, ": File name too long"));
	assert_int_equal(strncmp(err, "pidfile: /ppp", 13), 0);
	free(longpath);
	snprintf(fifo, sizeof(fifo), "%s/fifo.pid", dir);
	assert_int_equal(mkfifo(fifo, 0644), 0);
	assert_int_equal(dmn_pidfile_open(fifo, getuid(), err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "pidfile: %s: not a regular file", fifo);
	assert_string_equal(err, want);
	unlink(fifo);
}

static void
test_daemon(void **state)
{
	char err[512];
	int fd;

	(void)state;
	snprintf(pidpath, sizeof(pidpath), "%s/caseserv.pid", dir);
	sweep("pidfile", pidfile_life, NULL);
	/* Held by this process, with our pid in it (as a running one's). */
	assert_int_equal(dmn_pidfile_open(pidpath, getuid(), err, sizeof(err)), 0);
	assert_int_equal(dmn_pidfile_write(err, sizeof(err)), 0);
	sweep("pidfile held", pidfile_held, NULL);
	/* Held, but not written yet: the lock names the holder. */
	fd = (int)syscall(SYS_openat, AT_FDCWD, pidpath, O_RDWR | O_TRUNC);
	assert_true(fd != -1);
	sweep("pidfile held, empty", pidfile_held, NULL);
	close(fd);
	dmn_pidfile_remove();
	setenv("NOTIFY_SOCKET", "/run/no-such-notify.sock", 1);
	sweep("notify", notify_socket, NULL);
	unsetenv("NOTIFY_SOCKET");
}

/* ---- main's and the acceptor's set-up ---------------------------------------- */

static int
handlers(void)
{
	par_init();
	return RUN_OK;
}

/* As root: can the run user read the files again?  A pipe and a child. */
static struct prv_ids ids;

static int
check_read(void)
{
	char *files[1] = { path };
	char err[512] = "";

	char want[256];

	if (prv_check_read(&ids, files, 1, err, sizeof(err)) == 0)
		return RUN_OK;
	/* The probe could not become the user, or could not open the file
	 * (with the reason why). */
	snprintf(want, sizeof(want), "%s: not readable by user nobody (reload "
	    "would fail): ", path);
	return strncmp(err, "privileges: ", 12) == 0 ||
	    strncmp(err, want, strlen(want)) == 0 ? RUN_HANDLED : RUN_BAD;
}

/* The sandbox's self-test: its pipe, its child, the child's own set-up. */
static int
selftest(void)
{
	char err[512] = "";

	if (sbx_selftest(err, sizeof(err)) == 0)
		return RUN_OK;
	return strncmp(err, "sandbox: ", 9) == 0 ? RUN_HANDLED : RUN_BAD;
}

static int
enter_main(void)
{
	sbx_enter_main();
	return RUN_OK;
}

static int
enter_session(void)
{
	return sbx_enter_session(NULL) == 0 ? RUN_OK : RUN_HANDLED;
}

static struct cfg acfg;

/*
 * Start-up from the handlers on, as main() runs it with the sockets bound:
 * the acceptor forked and configured (its own lock-down: descriptors,
 * handlers, limits, capabilities, Landlock, its filter), main's Landlock
 * and filter, the acceptor's MSG_APPLIED; then SIGTERM and a clean stop.
 * A failing step in main is fatal (71); in the acceptor before it is
 * ready, main says so and exits 71; after, main's loop returns 70.
 */
static int
start_stop(void)
{
	struct lsn_set set = { NULL, 0, 0 };
	char err[512] = "";
	int status;
	long at = disarm();

	if (lsn_reconcile(&set, &acfg, err, sizeof(err), &status) == -1 ||
	    syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return RUN_BAD;		/* bound, and prv_drop's last step */
	rearm(at);
	par_init();
	par_start(&acfg, &set, 1);
	par_restrict(&acfg);
	sbx_enter_main();
	par_wait_ready();
	raise(SIGTERM);
	return par_run(&acfg, &set) == EX_OK ? RUN_OK : RUN_HANDLED;
}

static void
test_main_setup(void **state)
{
	static const int fatal[] = { EX_OSERR, 0 };
	struct cfg c;

	(void)state;
	sweep("par_init", handlers, fatal);
	sbx_init();	/* built once, as start-up does before -t's test */
	sweep("sbx_selftest", selftest, NULL);
	sweep("sbx_enter_main", enter_main, fatal);
	sweep("sbx_enter_session", enter_session, NULL);
	if (geteuid() != 0) {
		print_message("prv_check_read: only as root\n");
		return;
	}
	memset(&c, 0, sizeof(c));
	c.user = (char *)(uintptr_t)"nobody";
	prv_lookup(&c, &ids);
	sweep("prv_check_read", check_read, NULL);
}

static void
test_acceptor(void **state)
{
	static const int fatal[] = { EX_OSERR, 0 };
	char err[CFG_ERRLEN], file[CST_PATH], text[256];

	(void)state;
	snprintf(file, sizeof(file), "%s/acceptor.conf", dir);
	snprintf(text, sizeof(text), "listen = ( { host = \"127.0.0.1\"; "
	    "port = %d; } );\nshutdown_timeout = 1;\n", free_port());
	write_text(file, text);
	assert_int_equal(cfg_load(file, &acfg, err, sizeof(err)), 0);
	sbx_init();
	sweep("par_start, the acceptor, stop", start_stop, fatal);
	cfg_free(&acfg);
	unlink(file);
}

/* ---- a session's lock-down -------------------------------------------------- */

/*
 * A session on one end of a socketpair, the client's bytes already sent
 * and its end shut: lock-down, echo, end.  A failure anywhere in the
 * lock-down ends the session before it reads a byte (exit 1, SES_ERROR
 * reported); otherwise it serves and exits 0.  ses_run never returns.
 */
static int
session(void)
{
	struct ses_params p = { .idle_timeout = 5, .parent = getppid(),
	    .title = "session test" };
	struct ses_conn c;
	int sp[2], rp[2];
	long at = disarm();

	if (syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sp) == -1 ||
	    syscall(SYS_socketpair, AF_UNIX, SOCK_SEQPACKET, 0, rp) == -1 ||
	    write(sp[1], "hello", 5) != 5 || shutdown(sp[1], SHUT_WR) == -1)
		return RUN_BAD;
	rearm(at);
	c.rfd = c.wfd = sp[0];
	c.report_fd = rp[1];
	ses_run(&c, &p);
}

static void
test_session(void **state)
{
	static const int fatal[] = { 1, 0 };

	(void)state;
	sweep("ses_run", session, fatal);
}

/* ---- admission ----------------------------------------------------------------- */

/* Each new host needs an entry: without memory it is refused, no_memory. */
static int
admit_hosts(void)
{
	struct cfg c;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct adm_host *h;
	int i, v, refused = 0;

	memset(&c, 0, sizeof(c));
	c.host_prefix_ipv4 = 32;
	c.host_prefix_ipv6 = 64;
	c.max_clients = 100;
	c.max_clients_per_host = 2;
	c.max_connection_rate_per_host = 10;
	for (i = 1; i <= 8; i++) {
		sin.sin_addr.s_addr = htonl(0xc0000200u + (unsigned)i);
		v = adm_admit(&c, (struct sockaddr *)&sin, 0, 1000, &h);
		if (v == ADM_NO_MEMORY && h == NULL &&
		    strcmp(adm_reason_name(v), "no_memory") == 0)
			refused++;
		else if (v != ADM_OK || h == NULL)
			return RUN_BAD;
	}
	return refused > 0 ? RUN_HANDLED : RUN_OK;
}

static void
test_admit(void **state)
{
	(void)state;
	sweep("adm_admit", admit_hosts, NULL);
}

/* ---- socket activation ---------------------------------------------------------- */

/*
 * Three listening sockets handed over as a service manager hands them
 * (descriptors 3, 4, 5, $LISTEN_PID our own), with fewer names than
 * sockets: all three adopted, the missing name empty.  Then variables
 * meant for nobody: nothing adopted.
 */
static void
activated(void)
{
	struct lsn_set set = { NULL, 0, 0 };
	struct cfg none;
	char pid[32];

	for (int fd = 3; fd <= 5; fd++) {
		struct sockaddr_in sin = { .sin_family = AF_INET };
		int s = socket(AF_INET, SOCK_STREAM, 0);

		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (s == -1 || bind(s, (struct sockaddr *)&sin, sizeof(sin)) ||
		    listen(s, 4) || (s != fd && (dup2(s, fd) != fd || close(s))))
			_exit(10);
	}
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("LISTEN_FDS", "3", 1);
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDNAMES", "first:second", 1);
	if (act_take() != 3 || getenv("LISTEN_FDS") != NULL)
		_exit(11);
	memset(&none, 0, sizeof(none));
	if (act_listeners(&set, &none) != 3 || set.n != 3 || !set.inherited)
		_exit(12);
	setenv("LISTEN_FDS", "", 1);
	if (act_take() != 0)
		_exit(13);
	setenv("LISTEN_FDS", "1025", 1);	/* more than any unit hands */
	setenv("LISTEN_PID", pid, 1);
	if (act_take() != 0)
		_exit(14);
	setenv("LISTEN_FDS", "2", 1);
	setenv("LISTEN_PID", "1", 1);		/* another process's */
	if (act_take() != 0)
		_exit(15);
}

static void
test_activation(void **state)
{
	char out[2048];
	int status;

	(void)state;
	status = run_child(activated, out, sizeof(out));
	print_message("%s", out);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_non_null(strstr(out, "(socket activation: first)\n"));
	assert_non_null(strstr(out, "(socket activation: second)\n"));
	assert_non_null(strstr(out, "(socket activation)\n"));
	assert_non_null(strstr(out, "listen: setting not used: 3 sockets from "
	    "the service manager\n"));
}

/* ---- -i ------------------------------------------------------------------------ */

static struct cfg icfg;

/*
 * caseserv -i on a socketpair whose client has sent its bytes and shut
 * its end: 0 once served, 70 or 71 when a step failed (the session's
 * lock-down, or the monitor's own set-up, fatal).
 */
static int
inetd(void)
{
	int sp[2], r;
	long at = disarm();

	if (syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sp) == -1 ||
	    write(sp[1], "hi", 2) != 2 || shutdown(sp[1], SHUT_WR) == -1 ||
	    dup2(sp[0], 0) == -1 || dup2(sp[0], 1) == -1)
		return RUN_BAD;
	close(sp[0]);
	rearm(at);
	r = ind_run(&icfg);
	if (r == EX_OK)
		return RUN_OK;
	return r == EX_SOFTWARE || r == EX_OSERR ? RUN_HANDLED : RUN_BAD;
}

static void
test_inetd(void **state)
{
	static const int fatal[] = { EX_OSERR, 0 };
	char err[CFG_ERRLEN], file[CST_PATH];

	(void)state;
	snprintf(file, sizeof(file), "%s/inetd.conf", dir);
	write_text(file, "user = \"nobody\";\nidle_timeout = 5;\n"
	    "shutdown_timeout = 1;\n");
	assert_int_equal(cfg_load(file, &icfg, err, sizeof(err)), 0);
	unlink(file);
	sweep("ind_run", inetd, fatal);
	cfg_free(&icfg);
}

/* ---- detaching ---------------------------------------------------------------- */

/*
 * dmn_detach, then ready: the process that called it exits 0 once the
 * daemon is ready, or with the daemon's status when it failed first
 * (71); the daemon carries on.
 */
static int
detach(void)
{
	dmn_detach();
	dmn_ready(0);
	return RUN_OK;
}

/* Descriptors 0-2 closed at start: reopened on /dev/null, or exit 71. */
static int
clean_fds(void)
{
	long at = disarm();

	close(1);
	rearm(at);
	dmn_clean_fds(0);
	return syscall(SYS_fcntl, 1, F_GETFD) != -1 ? RUN_OK : RUN_BAD;
}

/* Run fn in a child; its exit status, its stderr into out. */
static int
run_child(void (*fn)(void), char *out, size_t len)
{
	int p[2], status;
	ssize_t n;
	size_t got = 0;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		dup2(p[1], 2);
		close(p[0]);
		fn();
		_exit(0);
	}
	close(p[1]);
	while (got + 1 < len && (n = read(p[0], out + got, len - got - 1)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void
killed_before_ready(void)
{
	dmn_detach();
	raise(SIGKILL);		/* the daemon, before it is ready */
}

static void
test_detach(void **state)
{
	static const int fatal[] = { EX_OSERR, 0 };
	char out[512];
	int status;

	(void)state;
	sweep("dmn_detach", detach, fatal);
	sweep("dmn_clean_fds", clean_fds, fatal);
	/* A daemon killed before it is ready: the one line, exit 71. */
	status = run_child(killed_before_ready, out, sizeof(out));
	print_message("%s", out);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), EX_OSERR);
	assert_non_null(strstr(out, "start-up: daemon pid "));
	assert_non_null(strstr(out, " killed by signal 9 (Killed)\n"));
}

/* ---- the privilege drop's checks ---------------------------------------------- */

static int lie_now;

static void
drop_lied_to(void)
{
	struct prv_ids who;
	struct cfg c;

	memset(&c, 0, sizeof(c));
	c.user = (char *)(uintptr_t)"nobody";
	log_init(1, 0, -1);
	prv_lookup(&c, &who);
	lie = lie_now;
	prv_drop(&who, 0);
}

/*
 * The drop is trusted only once the kernel says root cannot come back:
 * were setgid(0) to work, the saved uid still 0, or a group left, the
 * start fails with exit 71 and says which.
 */
static void
test_drop_checks(void **state)
{
	static const struct {
		int		 lie;
		const char	*line;
	} cases[] = {
		{ LIE_ROOT, "privileges: root can be regained after the drop\n" },
		{ LIE_IDS, "privileges: ids are not 65534/65534 after the drop\n" },
		{ LIE_GROUPS, "privileges: supplementary groups left after the "
		  "drop\n" },
		{ 0, NULL },
	};
	char out[512];
	int status;

	(void)state;
	if (geteuid() != 0) {
		print_message("only as root: the drop needs it\n");
		skip();
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lie_now = cases[i].lie;
		status = run_child(drop_lied_to, out, sizeof(out));
		print_message("lie %d: %s", cases[i].lie, out);
		assert_true(WIFEXITED(status));
		if (cases[i].line == NULL) {
			assert_int_equal(WEXITSTATUS(status), 0);
			continue;
		}
		assert_int_equal(WEXITSTATUS(status), EX_OSERR);
		assert_non_null(strstr(out, cases[i].line));
	}
}

/* ---- the process title ------------------------------------------------------ */

static char **main_argv;
static int main_argc;

/* Without memory the title stays as it is; the environment is kept. */
static int
title(void)
{
	char before[4096];

	/* Copied: pt_set writes over the block the variables were in. */
	snprintf(before, sizeof(before), "%s", getenv("PATH") ?
	    getenv("PATH") : "");
	pt_init(main_argc, main_argv);
	pt_set("master [%s]", "test");
	return strcmp(getenv("PATH") ? getenv("PATH") : "", before) == 0 ?
	    RUN_OK : RUN_BAD;
}

static void
test_proctitle(void **state)
{
	(void)state;
	sweep("pt_init", title, NULL);
}

/* ---- the sandbox's programs --------------------------------------------------- */

/*
 * Building the filters is start-up: without memory it is fatal, exit 71.
 * libseccomp's own allocations are never failed (see fault); ours are.
 */
static int
build_filters(void)
{
	sbx_init();
	return RUN_OK;
}

static void
test_sandbox_build(void **state)
{
	static const int fatal[] = { EX_OSERR, 0 };

	int status;
	pid_t pid;

	(void)state;
	/* Nothing built yet: entering a filter is refused, not a crash. */
	assert_true((pid = fork()) != -1);
	if (pid == 0)
		_exit(sbx_enter_session(NULL) == -1 && errno == EINVAL ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);
	sweep("sbx_init", build_filters, fatal);
}

static int
setup(void **state)
{
	Dl_info info;

	(void)state;
	if (dladdr((void *)setup, &info) == 0)
		return -1;
	self_base = info.dli_fbase;
	flt = mmap(NULL, sizeof(*flt), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (flt == MAP_FAILED || mkdtemp(dir) == NULL ||
	    syscall(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == -1)
		return -1;
	chmod(dir, 0755);	/* the run user's check reads in here */
	snprintf(path, sizeof(path), "%s/caseserv.conf", dir);
	snprintf(inc, sizeof(inc), "%s/more.conf", dir);
	log_init(1, 0, -1);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(inc);
	unlink(path);
	unlink(pidpath);
	snprintf(path, sizeof(path), "%s/listen.conf", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/listen2.conf", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_load),
		cmocka_unit_test(test_listeners),
		cmocka_unit_test(test_daemon),
		cmocka_unit_test(test_watchdog_env),
		cmocka_unit_test(test_pidfile_paths),
		cmocka_unit_test(test_activation),
		/* Before test_main_setup, which builds them for good. */
		cmocka_unit_test(test_sandbox_build),
		cmocka_unit_test(test_main_setup),
		cmocka_unit_test(test_acceptor),
		cmocka_unit_test(test_session),
		cmocka_unit_test(test_admit),
		cmocka_unit_test(test_inetd),
		cmocka_unit_test(test_detach),
		cmocka_unit_test(test_drop_checks),
		cmocka_unit_test(test_proctitle),
	};

	main_argc = argc;
	main_argv = argv;
	return cmocka_run_group_tests(tests, setup, teardown);
}

#else

/* ASan owns malloc: this program's would replace it.  A visible skip. */
int
main(void)
{
	fprintf(stderr, "test_failing: skipped in a sanitizer build\n");
	return 77;
}

#endif
