/*
 * test_sandbox.c - the seccomp filters and the privilege drop, as the
 * kernel enforces them: every probe runs in its own forked child, and the
 * parent looks at how the child died and what it reported.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "privs.h"
#include "sandbox.h"

#define NO_REPORT	(-1L)
#define WAIT_MS		5000

enum filters { F_SESSION = 1, F_MASTER = 2, F_BOTH = 3 };

static int report_fd = -1;	/* the child's end for the violation report */
static long probe_arg;		/* e.g. the parent's pid, read before the filter */
static int probe_fds[2] = { -1, -1 };	/* a socketpair made before the filter */

static void
report_violation(long nr)
{
	if (write(report_fd, &nr, sizeof(nr)) != sizeof(nr))
		_exit(99);
}

/* Bounded read of up to len bytes; returns how many arrived. */
static size_t
read_bounded(int fd, void *buf, size_t len)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	size_t have = 0;
	ssize_t n;
	int i;

	for (i = 0; i < WAIT_MS / 50 && have < len; i++) {
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		if ((n = read(fd, (char *)buf + have, len - have)) <= 0)
			break;
		have += (size_t)n;
	}
	return have;
}

/* Reap pid within WAIT_MS, killing it if it hangs; the wait status. */
static int
reap(pid_t pid)
{
	int status, i;

	for (i = 0; i < WAIT_MS / 10; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	fail_msg("child %ld hung", (long)pid);
	return status;
}

/* State letter of pid from /proc/PID/stat ('S', 'T', ...), or 0. */
static char
proc_state(pid_t pid)
{
	char path[64], buf[512], *rp, st = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	/* The command name may hold ')': the state follows the last one. */
	if ((rp = strrchr(buf, ')')) != NULL && rp[1] == ' ')
		st = rp[2];
	return st;
}

/* Wait (bounded) until pid is in state st: the state, not a guess. */
static void
wait_state(pid_t pid, char st)
{
	int i;

	for (i = 0; i < WAIT_MS / 5; i++) {
		if (proc_state(pid) == st)
			return;
		usleep(5000);
	}
	fail_msg("pid %ld not in state %c (last %c)", (long)pid, st,
	    proc_state(pid));
}

/*
 * Run probe in a child under the given filters.  *reported is the number
 * the violation handler wrote, or NO_REPORT.  Returns the wait status.
 */
static int
run_probe(enum filters f, void (*probe)(void), long *reported)
{
	static const struct rlimit nocore = { 0, 0 };
	int p[2], status;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	probe_arg = getpid();
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		close(p[0]);
		report_fd = p[1];
		if (setrlimit(RLIMIT_CORE, &nocore) == -1 ||
		    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
			_exit(98);
		if (f & F_MASTER)
			sbx_enter_master();
		if ((f & F_SESSION) && sbx_enter_session(report_violation) == -1)
			_exit(97);
		probe();
		_exit(0);
	}
	close(p[1]);
	*reported = NO_REPORT;
	(void)read_bounded(p[0], reported, sizeof(*reported));
	close(p[0]);
	status = reap(pid);
	return status;
}

static void
assert_sigsys(int status)
{
	if (!WIFSIGNALED(status))
		fail_msg("child exited %d instead of dying of SIGSYS",
		    WEXITSTATUS(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
}

/* Forbidden: the child dies of SIGSYS and the session filter names nr. */
static void
expect_reported(enum filters f, void (*probe)(void), long nr)
{
	long got;

	assert_sigsys(run_probe(f, probe, &got));
	assert_int_equal(got, nr);
}

/* Killed by SECCOMP_RET_KILL_PROCESS (no handler runs), or a forbidden call
 * outside any session: dies of SIGSYS, nothing reported. */
static void
expect_killed(enum filters f, void (*probe)(void))
{
	long got;

	assert_sigsys(run_probe(f, probe, &got));
	assert_int_equal(got, NO_REPORT);
}

/* Allowed: the probe runs to its end (exit 0). */
static void
expect_allowed(enum filters f, void (*probe)(void))
{
	long got;
	int status = run_probe(f, probe, &got);

	if (WIFSIGNALED(status))
		fail_msg("child killed by signal %d (reported call %ld)",
		    WTERMSIG(status), got);
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(got, NO_REPORT);
}

/* ---- probes ------------------------------------------------------------ */

static void p_openat_rd(void) { syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY); }
static void p_openat_wr(void)
{
	syscall(SYS_openat, AT_FDCWD, "/tmp/caseserv-test-sandbox",
	    O_WRONLY | O_CREAT, 0600);
}
static void p_openat_trunc(void) { syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY | O_TRUNC); }
static void p_socket_inet(void) { syscall(SYS_socket, AF_INET, SOCK_STREAM, 0); }
static void p_socket_packet(void) { syscall(SYS_socket, AF_PACKET, SOCK_RAW, 0); }
static void p_socket_netlink(void) { syscall(SYS_socket, AF_NETLINK, SOCK_RAW, 0); }
/* Numbers no architecture table names: only the default action sees them. */
static long boundary_nr;
static void p_boundary(void) { syscall(boundary_nr); }
static void p_nr1000(void) { syscall(1000L); }
static void p_nr999(void) { syscall(999L); }
static void p_nr_minus1(void) { syscall(-1L); }
static void p_execve(void)
{
	static char *const argv[] = { (char *)(uintptr_t)"true", NULL };

	syscall(SYS_execve, "/bin/true", argv, argv + 1);
}
static void p_ptrace(void) { syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0); }
static void p_kill_parent(void) { syscall(SYS_kill, (pid_t)probe_arg, 0); }
static void p_kill_all(void) { syscall(SYS_kill, -1L, 0); }
static void p_kill_group(void) { syscall(SYS_kill, 0L, 0); }
/* The kernel reads pid as 32 bits: this is kill(0, 0) in disguise. */
static void p_kill_high(void) { syscall(SYS_kill, 0x100000000L, 0); }
static void p_setuid(void) { syscall(SYS_setuid, 0); }
static void p_getppid(void) { syscall(SYS_getppid); }
static void p_newuser(void) { syscall(SYS_unshare, CLONE_NEWUSER); }
static void p_clone_newuser(void) { syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0); }
static void p_mmap_wx(void)
{
	syscall(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}
#if defined(__x86_64__)
/* x32 numbering: another architecture as far as the filter goes. */
static void p_x32(void) { syscall(0x40000000L | SYS_getpid); }
/* The i386 entry point, getpid there being 20. */
static void p_int80(void)
{
	long ret = 20;

	__asm__ volatile ("int $0x80" : "+a" (ret) : : "memory");
}
#endif

/* The master's netlink answer: an errno it can live with, not death. */
static void
p_netlink_refused(void)
{
	if (socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0) != -1)
		_exit(1);
	if (errno != EAFNOSUPPORT)
		_exit(2);
}

/* What a reload of host = "*" does: two addresses, so glibc sorts them and
 * asks netlink first (it sorts without it when the socket fails). */
static void
p_resolve_wildcard(void)
{
	struct addrinfo hints, *res;
	int n = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_PASSIVE;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(NULL, "1205", &hints, &res) != 0)
		_exit(1);
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next)
		n++;
	freeaddrinfo(res);
	if (n != 2)
		_exit(2);
}

/* A scoped listen host: getaddrinfo asks ioctl(SIOCGIFINDEX) for "lo". */
static void
p_resolve_scoped(void)
{
	struct addrinfo hints, *res;
	unsigned int lo = 0, scope;

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo("fe80::1%lo", "1205", &hints, &res) != 0)
		_exit(1);
	scope = ((struct sockaddr_in6 *)(void *)res->ai_addr)->sin6_scope_id;
	freeaddrinfo(res);
	if ((lo = if_nametoindex("lo")) == 0 || scope != lo)
		_exit(2);
}

static void
p_pipe_write(void)
{
	int fd = report_fd == -1 ? 1 : report_fd;

	/* A zero-length write: allowed, and the parent reads nothing. */
	if (write(fd, "", 0) != 0)
		_exit(1);
}

/* The session loop's calls: poll, read, write, shutdown, close, the clock. */
static void
p_session_loop(void)
{
	struct pollfd pfd = { probe_fds[1], POLLIN, 0 };
	struct timespec ts;
	char c = 'a';

	if (write(probe_fds[0], &c, 1) != 1 || poll(&pfd, 1, 1000) != 1 ||
	    read(probe_fds[1], &c, 1) != 1 ||
	    clock_gettime(CLOCK_MONOTONIC, &ts) != 0 ||
	    shutdown(probe_fds[0], SHUT_WR) != 0 || close(probe_fds[0]) != 0 ||
	    read(probe_fds[1], &c, 1) != 0)
		_exit(1);
}

static void
p_master_calls(void)
{
	struct addrinfo hints, *res;
	int fd, status;
	pid_t pid;

	if ((fd = open("/dev/null", O_RDONLY)) == -1 || close(fd) == -1)
		_exit(1);
	if ((fd = socket(AF_INET6, SOCK_STREAM, 0)) == -1 || close(fd) == -1)
		_exit(2);
	if ((pid = fork()) == -1)
		_exit(3);
	if (pid == 0)
		_exit(0);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		_exit(4);
	if (kill(getpid(), 0) == -1)
		_exit(5);
	/* clone3 answers ENOSYS so that glibc falls back to clone. */
	if (syscall(SYS_clone3, NULL, 0) != -1 || errno != ENOSYS)
		_exit(6);
	/* Reload resolves hosts: files, nsswitch, perhaps a module. */
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_PASSIVE;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo("localhost", "1205", &hints, &res) != 0)
		_exit(7);
	freeaddrinfo(res);
	if (mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0) == MAP_FAILED)
		_exit(8);
}

/* ---- session filter ------------------------------------------------------ */

static void
session_forbidden(void **state)
{
	(void)state;
	expect_reported(F_SESSION, p_openat_rd, SYS_openat);
	expect_reported(F_SESSION, p_socket_inet, SYS_socket);
	expect_reported(F_SESSION, p_execve, SYS_execve);
	expect_reported(F_SESSION, p_ptrace, SYS_ptrace);
	expect_reported(F_SESSION, p_kill_parent, SYS_kill);
	expect_reported(F_SESSION, p_setuid, SYS_setuid);
	expect_reported(F_SESSION, p_getppid, SYS_getppid);
}

/* The default action kills: a number no table names is never reported. */
static void
session_unknown_killed(void **state)
{
	(void)state;
	expect_killed(F_SESSION, p_nr1000);
	expect_killed(F_SESSION, p_nr999);
	expect_killed(F_SESSION, p_nr_minus1);
	expect_killed(F_BOTH, p_nr1000);
}

/*
 * The default's edge: the highest number this architecture names still
 * traps and is reported; the next one is unknown and killed unnamed.
 */
static void
session_default_boundary(void **state)
{
	char *name;
	long nr, high = -1;

	(void)state;
	for (nr = 0; nr < 1024; nr++)
		if ((name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE,
		    (int)nr)) != NULL) {
			free(name);
			high = nr;
		}
	assert_true(high > 0);
	boundary_nr = high;
	expect_reported(F_SESSION, p_boundary, high);
	expect_reported(F_BOTH, p_boundary, high);
	boundary_nr = high + 1;
	expect_killed(F_SESSION, p_boundary);
	expect_killed(F_BOTH, p_boundary);
}

/*
 * In real life a session runs under both filters, and the kernel takes the
 * stricter verdict: a call the master traps, allows or refuses with an
 * errno is still named by the session's trap.
 */
static void
session_under_master(void **state)
{
	(void)state;
	expect_reported(F_BOTH, p_execve, SYS_execve);
	expect_reported(F_BOTH, p_ptrace, SYS_ptrace);
	expect_reported(F_BOTH, p_openat_rd, SYS_openat);
	expect_reported(F_BOTH, p_socket_inet, SYS_socket);
	expect_reported(F_BOTH, p_socket_netlink, SYS_socket);
	expect_allowed(F_BOTH, p_pipe_write);
	/* Calls whose arguments fail the master's tests meet its default
	 * too, which traps a named call: the session names them as well. */
	expect_reported(F_BOTH, p_socket_packet, SYS_socket);
	expect_reported(F_BOTH, p_openat_wr, SYS_openat);
}

static void
session_allowed(void **state)
{
	(void)state;
	expect_allowed(F_SESSION, p_pipe_write);
	/* Fresh each time: the child's shutdown is the socket's, not its fd's. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, probe_fds), 0);
	expect_allowed(F_SESSION, p_session_loop);
	close(probe_fds[0]);
	close(probe_fds[1]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, probe_fds), 0);
	expect_allowed(F_BOTH, p_session_loop);
	close(probe_fds[0]);
	close(probe_fds[1]);
}

static void
on_term(int sig)
{
	(void)sig;
}

/*
 * Signals a real session meets: SIGSTOP/SIGCONT while in poll (the kernel
 * resumes through restart_syscall) and the master's SIGTERM (a handler,
 * then rt_sigreturn).  The child waits in poll under both filters.
 */
static void
session_signals(void **state)
{
	struct sigaction sa;
	struct pollfd pfd;
	int p[2], quiet[2], status;
	char c;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(quiet), 0);	/* never written to */
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_term;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGTERM, &sa, NULL) == -1 ||
		    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
			_exit(97);
		sbx_enter_master();
		if (sbx_enter_session(report_violation) == -1)
			_exit(97);
		report_fd = p[1];
		pfd.fd = quiet[0];
		pfd.events = POLLIN;
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		/* Woken by SIGTERM: EINTR, after the stop and the restart. */
		if (poll(&pfd, 1, 4000) != -1 || errno != EINTR)
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read_bounded(p[0], &c, 1), 1);
	/* Asleep in poll(), not merely about to call it. */
	wait_state(pid, 'S');
	assert_int_equal(kill(pid, SIGSTOP), 0);
	assert_int_equal(waitpid(pid, &status, WUNTRACED), pid);
	if (!WIFSTOPPED(status))
		fail_msg("not stopped: status 0x%x", status);
	wait_state(pid, 'T');
	assert_int_equal(kill(pid, SIGCONT), 0);
	/* Back asleep: poll() resumed through restart_syscall. */
	wait_state(pid, 'S');
	assert_int_equal(kill(pid, SIGTERM), 0);
	status = reap(pid);
	close(p[0]);
	close(quiet[0]);
	close(quiet[1]);
	if (WIFSIGNALED(status))
		fail_msg("session killed by signal %d", WTERMSIG(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- master filter ------------------------------------------------------- */

static void
master_forbidden(void **state)
{
	(void)state;
	expect_killed(F_MASTER, p_execve);
#ifndef CASESERV_SANITIZERS
	/* Sanitizer builds allow it for LeakSanitizer (docs/SECURITY.md). */
	expect_killed(F_MASTER, p_ptrace);
#endif
	expect_killed(F_MASTER, p_setuid);
	expect_killed(F_MASTER, p_openat_wr);
	expect_killed(F_MASTER, p_openat_trunc);
	expect_killed(F_MASTER, p_socket_packet);
	expect_killed(F_MASTER, p_nr1000);
	expect_killed(F_MASTER, p_nr_minus1);
	expect_killed(F_MASTER, p_kill_all);
	expect_killed(F_MASTER, p_kill_group);
	expect_killed(F_MASTER, p_kill_high);
	expect_killed(F_MASTER, p_newuser);
	expect_killed(F_MASTER, p_clone_newuser);
	expect_killed(F_MASTER, p_mmap_wx);
	assert_true(access("/tmp/caseserv-test-sandbox", F_OK) == -1);
}

static void
master_allowed(void **state)
{
	(void)state;
	expect_allowed(F_MASTER, p_master_calls);
	expect_allowed(F_MASTER, p_kill_parent);
}

/* What a reload resolves must not kill the master (found in review: a
 * SIGHUP with host = "*" died of SIGSYS). */
static void
master_reload_resolves(void **state)
{
	(void)state;
	expect_allowed(F_MASTER, p_netlink_refused);
	expect_allowed(F_MASTER, p_resolve_wildcard);
	expect_allowed(F_MASTER, p_resolve_scoped);
}

/* Another architecture's calls end the process without the handler. */
static void
foreign_arch(void **state)
{
	(void)state;
#if defined(__x86_64__)
	expect_killed(F_SESSION, p_x32);
	expect_killed(F_SESSION, p_int80);
	expect_killed(F_MASTER, p_x32);
	expect_killed(F_MASTER, p_int80);
#else
	skip();
#endif
}

static void
selftest_and_names(void **state)
{
	char err[256] = "", buf[32];

	(void)state;
	if (sbx_selftest(err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(sbx_syscall_name(SYS_openat, buf, sizeof(buf)), "openat");
	assert_string_equal(sbx_syscall_name(SYS_execve, buf, sizeof(buf)), "execve");
	assert_string_equal(sbx_syscall_name(99999, buf, sizeof(buf)), "?");
	assert_string_equal(sbx_syscall_name(SYS_socket, buf, 4), "soc");
}

/* ---- privileges ---------------------------------------------------------- */

/* The lines of /proc/self/status that matter, from a child. */
struct status {
	char	uid[64], gid[64], groups[64];
	char	capinh[32], capeff[32], capprm[32], capbnd[32], nnp[8];
	int	bind_ok, setuid_failed;
};

static void
status_field(const char *line, const char *key, char *out, size_t len)
{
	size_t k = strlen(key);
	const char *v;

	if (strncmp(line, key, k) != 0)
		return;
	for (v = line + k; *v == ' ' || *v == '\t'; v++)
		;
	snprintf(out, len, "%.*s", (int)strcspn(v, "\n"), v);
}

static void
read_status(struct status *st)
{
	char line[256];
	FILE *f;

	assert_non_null(f = fopen("/proc/self/status", "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		status_field(line, "Uid:", st->uid, sizeof(st->uid));
		status_field(line, "Gid:", st->gid, sizeof(st->gid));
		status_field(line, "Groups:", st->groups, sizeof(st->groups));
		status_field(line, "CapInh:", st->capinh, sizeof(st->capinh));
		status_field(line, "CapEff:", st->capeff, sizeof(st->capeff));
		status_field(line, "CapPrm:", st->capprm, sizeof(st->capprm));
		status_field(line, "CapBnd:", st->capbnd, sizeof(st->capbnd));
		status_field(line, "NoNewPrivs:", st->nnp, sizeof(st->nnp));
	}
	fclose(f);
}

/* A free privileged loopback port, found while still root. */
static int
free_low_port(void)
{
	struct sockaddr_in sin;
	int fd, port;

	for (port = 1023; port > 900; port--) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		assert_true(fd >= 0);
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0) {
			close(fd);
			return port;
		}
		close(fd);
	}
	fail_msg("no free port below 1024");
	return -1;
}

static int
try_bind(int port)
{
	struct sockaddr_in sin;
	int fd, rc;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	rc = bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	close(fd);
	return rc;
}

static void
lookup_nobody(struct prv_ids *ids)
{
	struct cfg cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.user = (char *)(uintptr_t)"nobody";
	prv_lookup(&cfg, ids);
}

/* prv_drop in a child; its /proc/self/status and two probes come back. */
static void
drop_in_child(int keep_bind, struct status *st)
{
	struct prv_ids ids;
	int p[2], port = keep_bind ? free_low_port() : 0;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		lookup_nobody(&ids);
		prv_drop(&ids, keep_bind);
		memset(st, 0, sizeof(*st));
		read_status(st);
		st->bind_ok = port != 0 && try_bind(port) == 0;
		st->setuid_failed = setuid(0) == -1;
		_exit(write(p[1], st, sizeof(*st)) == sizeof(*st) ? 0 : 1);
	}
	close(p[1]);
	assert_int_equal(read_bounded(p[0], st, sizeof(*st)), sizeof(*st));
	close(p[0]);
	assert_true(WIFEXITED(reap(pid)));
}

static void
drop_to_nobody(void **state)
{
	struct passwd *pw;
	struct status st;
	char want[64];

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_non_null(pw = getpwnam("nobody"));
	drop_in_child(0, &st);
	snprintf(want, sizeof(want), "%u\t%u\t%u\t%u", (unsigned)pw->pw_uid,
	    (unsigned)pw->pw_uid, (unsigned)pw->pw_uid, (unsigned)pw->pw_uid);
	assert_string_equal(st.uid, want);
	snprintf(want, sizeof(want), "%u\t%u\t%u\t%u", (unsigned)pw->pw_gid,
	    (unsigned)pw->pw_gid, (unsigned)pw->pw_gid, (unsigned)pw->pw_gid);
	assert_string_equal(st.gid, want);
	assert_string_equal(st.groups, "");
	assert_string_equal(st.capinh, "0000000000000000");
	assert_string_equal(st.capeff, "0000000000000000");
	assert_string_equal(st.capprm, "0000000000000000");
	assert_string_equal(st.capbnd, "0000000000000000");
	assert_string_equal(st.nnp, "1");
	assert_true(st.setuid_failed);
}

static void
drop_keep_bind(void **state)
{
	struct status st;

	(void)state;
	if (geteuid() != 0)
		skip();
	drop_in_child(1, &st);
	assert_string_equal(st.capeff, "0000000000000400");
	assert_string_equal(st.capprm, "0000000000000400");
	assert_string_equal(st.capinh, "0000000000000000");
	assert_string_equal(st.capbnd, "0000000000000000");
	assert_string_equal(st.nnp, "1");
	assert_true(st.bind_ok);
	assert_true(st.setuid_failed);
}

/*
 * prv_lookup in a child: its exit status, what it said on stderr (out),
 * and the ids it found.
 */
static int lookup_in_child_as(const struct passwd *, const char *,
    const char *, char *, size_t, struct prv_ids *);

static int
lookup_in_child(const char *user, const char *group, char *out, size_t len,
    struct prv_ids *ids)
{
	return lookup_in_child_as(NULL, user, group, out, len, ids);
}

/* The same, in a child that first becomes as (when not NULL). */
static int
lookup_in_child_as(const struct passwd *as, const char *user,
    const char *group, char *out, size_t len, struct prv_ids *ids)
{
	struct cfg cfg;
	int p[2], q[2], status;
	size_t n;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(q), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		if (as != NULL && (setgroups(0, NULL) == -1 ||
		    setgid(as->pw_gid) == -1 || setuid(as->pw_uid) == -1))
			_exit(96);
		dup2(p[1], 2);
		log_init(1, 0, -1);
		log_startup_stderr(1);
		memset(&cfg, 0, sizeof(cfg));
		cfg.user = (char *)(uintptr_t)user;
		cfg.group = (char *)(uintptr_t)group;
		prv_lookup(&cfg, ids);
		_exit(write(q[1], ids, sizeof(*ids)) == sizeof(*ids) ? 0 : 1);
	}
	close(p[1]);
	close(q[1]);
	n = read_bounded(p[0], out, len - 1);
	out[n] = '\0';
	memset(ids, 0, sizeof(*ids));
	(void)read_bounded(q[0], ids, sizeof(*ids));
	close(p[0]);
	close(q[0]);
	status = reap(pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void
lookup_as_root(void **state)
{
	struct prv_ids ids;
	struct passwd *pw;
	struct group *gr;
	char out[512];

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(lookup_in_child("no-such-user-cs", NULL, out,
	    sizeof(out), &ids), EX_NOUSER);
	assert_non_null(strstr(out, "user: no-such-user-cs: no such user"));
	assert_int_equal(lookup_in_child("nobody", "no-such-group-cs", out,
	    sizeof(out), &ids), EX_NOUSER);
	assert_non_null(strstr(out, "group: no-such-group-cs: no such group"));
	assert_int_equal(lookup_in_child("root", NULL, out, sizeof(out), &ids),
	    EX_CONFIG);
	/* No group: the user's primary group. */
	assert_non_null(pw = getpwnam("nobody"));
	assert_int_equal(lookup_in_child("nobody", NULL, out, sizeof(out),
	    &ids), 0);
	assert_int_equal(ids.as_root, 1);
	assert_int_equal(ids.uid, pw->pw_uid);
	assert_int_equal(ids.gid, pw->pw_gid);
	assert_string_equal(ids.user, "nobody");
	/* A named group wins. */
	assert_non_null(gr = getgrnam("daemon"));
	assert_int_equal(lookup_in_child("nobody", "daemon", out, sizeof(out),
	    &ids), 0);
	assert_int_equal(ids.gid, gr->gr_gid);
}

/*
 * Not root: the invoking account is kept, whatever the file says.  As
 * root the child first becomes nobody, so this runs (and means the same)
 * whoever runs the suite.
 */
static void
lookup_unprivileged(void **state)
{
	struct prv_ids ids;
	struct passwd *pw = NULL;
	char out[512], want[256];
	uid_t uid = getuid();
	gid_t gid = getgid();

	(void)state;
	if (geteuid() == 0) {
		assert_non_null(pw = getpwnam("nobody"));
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	assert_int_equal(lookup_in_child_as(pw, "no-such-user-cs", NULL, out,
	    sizeof(out), &ids), 0);
	print_message("%s", out);
	assert_int_equal(ids.as_root, 0);
	assert_int_equal(ids.uid, uid);
	assert_int_equal(ids.gid, gid);
	snprintf(want, sizeof(want), "privileges: not started as root: "
	    "running as %s (uid %u, gid %u), not as user no-such-user-cs",
	    pw != NULL ? "nobody" : ids.user, (unsigned)uid, (unsigned)gid);
	assert_non_null(strstr(out, want));
}

static int
setup(void **state)
{
	(void)state;
	log_init(1, 0, -1);
	sbx_init();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(session_forbidden),
		cmocka_unit_test(session_unknown_killed),
		cmocka_unit_test(session_default_boundary),
		cmocka_unit_test(session_under_master),
		cmocka_unit_test(session_allowed),
		cmocka_unit_test(session_signals),
		cmocka_unit_test(master_forbidden),
		cmocka_unit_test(master_allowed),
		cmocka_unit_test(master_reload_resolves),
		cmocka_unit_test(foreign_arch),
		cmocka_unit_test(selftest_and_names),
		cmocka_unit_test(drop_to_nobody),
		cmocka_unit_test(drop_keep_bind),
		cmocka_unit_test(lookup_as_root),
		cmocka_unit_test(lookup_unprivileged),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
