/*
 * test_sandbox.c - the seccomp filters and the privilege drop, as the
 * kernel enforces them: every probe runs in its own forked child, and the
 * parent looks at how the child died and what it reported.  The
 * session's and the acceptor's filters are allow-lists (a forbidden call
 * is reported and kills); main's is a deny-list (a forbidden call fails
 * with an errno, which the probe checks, and main goes on).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <pthread.h>
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
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <netinet/tcp.h>
#include <linux/sched.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "conf.h"
#include "log.h"
#include "msg.h"
#include "privs.h"
#include "sandbox.h"

#define NO_REPORT	(-1L)
#define WAIT_MS		5000

enum filters { F_SESSION = 1, F_ACCEPTOR = 2, F_BOTH = 3, F_MAIN = 4 };

static int report_fd = -1;	/* the child's end for the violation report */
static long probe_arg;		/* e.g. the parent's pid, read before the filter */
static int probe_fds[3] = { -1, -1, -1 };	/* made before the filter */

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
		if (f & F_MAIN)
			sbx_enter_main();
		if (f & F_ACCEPTOR)
			sbx_enter_acceptor(report_violation);
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

/* main's netlink answer: an errno it can live with, not death. */
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

/* ---- acceptor probes: each one thing its allow-list forbids ---------- */

#define SCRATCH	"/tmp/caseserv-test-sandbox"

static void p_unlink(void) { syscall(SYS_unlink, SCRATCH); }
static void p_unlinkat(void) { syscall(SYS_unlinkat, AT_FDCWD, SCRATCH, 0); }
static void p_rename(void) { syscall(SYS_rename, SCRATCH, SCRATCH ".2"); }
static void p_ftruncate(void) { syscall(SYS_ftruncate, 2, 0); }
static void p_truncate(void) { syscall(SYS_truncate, SCRATCH, 0); }
static void p_flock(void) { syscall(SYS_flock, 0, LOCK_EX); }
static void p_socket_unix(void) { syscall(SYS_socket, AF_UNIX, SOCK_DGRAM, 0); }
static void p_listen(void) { syscall(SYS_listen, probe_fds[0], 1); }
static void p_kill_init(void) { syscall(SYS_kill, 1, 0); }
static void p_tgkill_parent(void) { syscall(SYS_tgkill, (pid_t)probe_arg, (pid_t)probe_arg, 0); }
static void p_pidfd_open(void) { syscall(SYS_pidfd_open, (pid_t)probe_arg, 0); }
static void p_fork(void) { syscall(SYS_clone, CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, 0, 0, 0, 0); }
static void p_clone_thread(void) { syscall(SYS_clone, CLONE_VM | CLONE_THREAD | CLONE_SIGHAND, 0, 0, 0, 0); }
static void p_ioctl(void) { int n; syscall(SYS_ioctl, 0, FIONREAD, &n); }
static void p_fcntl_setown(void) { syscall(SYS_fcntl, probe_fds[0], F_SETOWN, -(long)probe_arg); }
static void p_fcntl_setsig(void) { syscall(SYS_fcntl, probe_fds[0], F_SETSIG, SIGIO); }
static void p_fcntl_async(void) { syscall(SYS_fcntl, probe_fds[0], F_SETFL, O_ASYNC | O_NONBLOCK); }
static void p_fcntl_dupfd(void) { syscall(SYS_fcntl, probe_fds[0], F_DUPFD, 0); }
static void p_pipe2_blocking(void) { int p[2]; syscall(SYS_pipe2, p, O_CLOEXEC); }
static void p_pipe2(void) { int p[2]; syscall(SYS_pipe2, p, O_CLOEXEC | O_NONBLOCK); }
/* A session's channel is a socket pair of exactly one kind; no other. */
static void p_socketpair_stream(void)
{
	int p[2];

	syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, p);
}
static void p_socketpair_dgram(void)
{
	int p[2];

	syscall(SYS_socketpair, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, p);
}
static void p_socketpair_inherit(void)
{
	int p[2];

	syscall(SYS_socketpair, AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, p);
}
static void p_accept4_flags(void) { syscall(SYS_accept4, probe_fds[0], 0, 0, 0); }
static void p_sendmsg(void) { struct msghdr mh; memset(&mh, 0, sizeof(mh)); syscall(SYS_sendmsg, probe_fds[0], &mh, 0); }
static void p_mmap_x(void)
{
	syscall(SYS_mmap, 0, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}
static void p_mprotect_x(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);

	syscall(SYS_mprotect, p, 4096, PROT_READ | PROT_EXEC);
}
static void p_prctl_dumpable(void) { syscall(SYS_prctl, PR_SET_DUMPABLE, 1, 0, 0, 0); }
static void p_setsockopt_other(void)
{
	int one = 1;

	syscall(SYS_setsockopt, probe_fds[0], SOL_SOCKET, SO_REUSEPORT, &one,
	    sizeof(one));
}
static void p_connect(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(9),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	syscall(SYS_connect, probe_fds[0], &sin, sizeof(sin));
}
static void p_bind_unix(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", SCRATCH ".sock");
	syscall(SYS_bind, probe_fds[0], &sun, sizeof(sun));
}
static void p_sendto_addr(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	snprintf(sun.sun_path, sizeof(sun.sun_path), "/dev/log");
	syscall(SYS_sendto, probe_fds[0], "x", 1, 0, &sun, sizeof(sun));
}

/* What the acceptor does in its loop: all of it must run. */
static void
p_acceptor_calls(void)
{
	struct msg_status st = { 1, 2, 3 };
	struct msg m;
	int p[2], one = 1, pidfd, status, fl;
	void *mem;
	pid_t pid;

	/* A session's channel. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0, p) == -1)
		_exit(1);
	if ((pid = chd_spawn(&pidfd)) == -1)
		_exit(2);
	if (pid == 0) {
		(void)poll(NULL, 0, -1);	/* until SIGTERM */
		_exit(0);
	}
	if (chd_signal(pidfd, SIGTERM) == -1 ||
	    waitpid(pid, &status, 0) != pid || !WIFSIGNALED(status))
		_exit(3);
	if (kill(getpid(), 0) == -1 || syscall(SYS_tgkill, getpid(), getpid(), 0) == -1)
		_exit(4);
	if ((fl = fcntl(p[0], F_GETFL)) == -1 ||
	    fcntl(p[0], F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(p[0], F_SETFD, FD_CLOEXEC) == -1)
		_exit(5);
	/* probe_fds[2] is a TCP socket made before the filter. */
	if (setsockopt(probe_fds[0], IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)) == -1 || setsockopt(probe_fds[0], SOL_SOCKET,
	    SO_OOBINLINE, &one, sizeof(one)) == -1)
		_exit(6);
	if ((mem = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0)) == MAP_FAILED ||
	    mprotect(mem, 4096, PROT_READ) == -1 || munmap(mem, 8192) == -1)
		_exit(7);
	/* Messages to main: send() on a connected socket; main's back. */
	if (msg_status_send(probe_fds[1], &st) == -1 ||
	    msg_recv(probe_fds[2], &m) != 1 || m.type != MSG_STATUS)
		_exit(8);
	if (syscall(SYS_clone3, NULL, 0) != -1 || errno != ENOSYS)
		_exit(9);
}

/* ---- main probes: each checks its errno, and the work main does ------------ */

#define EXPECT(call, err)	do { errno = 0; \
	if ((call) != -1 || errno != (err)) _exit(__LINE__ % 250 + 1); } while (0)

static void
p_main_denied(void)
{
	static char *const argv[] = { NULL };
	int fds[2], n;

	EXPECT(syscall(SYS_execve, "/bin/true", argv, argv), EPERM);
#ifndef CASESERV_SANITIZERS
	EXPECT(syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0), EPERM);
	EXPECT(syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0), EPERM);
#endif
	EXPECT(syscall(SYS_fork), EPERM);
	EXPECT(syscall(SYS_kill, (pid_t)probe_arg, 0), EPERM);
	EXPECT(syscall(SYS_kill, -1L, 0), EPERM);
	EXPECT(syscall(SYS_kill, 0L, 0), EPERM);
	EXPECT(syscall(SYS_tgkill, (pid_t)probe_arg, (pid_t)probe_arg, 0), EPERM);
	EXPECT(syscall(SYS_pidfd_open, (pid_t)probe_arg, 0), EPERM);
	EXPECT(syscall(SYS_process_vm_readv, (pid_t)probe_arg, 0, 0, 0, 0, 0), EPERM);
	EXPECT(syscall(SYS_unshare, CLONE_NEWUSER), EPERM);
	EXPECT(syscall(SYS_clone, CLONE_NEWUSER | CLONE_THREAD, 0, 0, 0, 0), EPERM);
	EXPECT(syscall(SYS_clone3, NULL, 0), ENOSYS);
	EXPECT(syscall(SYS_setuid, 0), EPERM);
	EXPECT(syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, 0), EPERM);
	EXPECT(syscall(SYS_bpf, 0, 0, 0), EPERM);
	EXPECT(syscall(SYS_memfd_create, "x", 0), EPERM);
	EXPECT(syscall(SYS_mmap, 0, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EPERM);
	EXPECT(syscall(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EPERM);
	EXPECT(syscall(SYS_socket, AF_PACKET, SOCK_RAW, 0), EAFNOSUPPORT);
	EXPECT(syscall(SYS_socket, AF_NETLINK, SOCK_RAW, 0), EAFNOSUPPORT);
	EXPECT(syscall(SYS_socket, 0x100000002L, SOCK_STREAM, 0), EAFNOSUPPORT);
	EXPECT(syscall(1000L), ENOSYS);
	if (pipe(fds) == -1)
		_exit(250);
	EXPECT(fcntl(fds[0], F_SETOWN, -(int)probe_arg), EPERM);
	EXPECT(fcntl(fds[0], F_SETSIG, SIGIO), EPERM);
	EXPECT(fcntl(fds[0], F_SETFL, O_ASYNC), EPERM);
	EXPECT(ioctl(fds[0], FIOASYNC, &n), EPERM);
	EXPECT(flock(fds[0], LOCK_EX), EPERM);
}

/* An executable page that a file backs: yes; made executable: no. */
static void
p_main_memory(void)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	void *p;

	if (fd == -1 || mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE,
	    fd, 0) == MAP_FAILED)
		_exit(1);
	EXPECT(syscall(SYS_mmap, 0, 4096, PROT_READ | PROT_EXEC, MAP_SHARED,
	    fd, 0), EPERM);
	if ((p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0)) == MAP_FAILED)
		_exit(2);
	EXPECT(mprotect(p, 4096, PROT_READ | PROT_EXEC), EPERM);
	close(fd);
}

static void *
p_thread(void *arg)
{
	return arg;
}

/* What main does: files, sockets, itself, threads (an NSS module may),
 * a library loaded the way the NSS loads a module. */
static void
p_main_calls(void)
{
	struct addrinfo hints, *res;
	pthread_t t;
	int fd;

	if ((fd = open("/dev/null", O_RDONLY)) == -1 || close(fd) == -1)
		_exit(1);
	if ((fd = socket(AF_INET6, SOCK_STREAM, 0)) == -1 || close(fd) == -1)
		_exit(2);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1 || close(fd) == -1)
		_exit(3);
	if (kill(getpid(), 0) == -1)
		_exit(4);
	if (pthread_create(&t, NULL, p_thread, NULL) != 0 ||
	    pthread_join(t, NULL) != 0)
		_exit(5);
	if (dlopen("libnss_dns.so.2", RTLD_NOW) == NULL &&
	    dlopen("libnss_files.so.2", RTLD_NOW) == NULL)
		_exit(6);
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_PASSIVE;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo("localhost", "1205", &hints, &res) != 0)
		_exit(7);
	freeaddrinfo(res);
	/* A name no file knows: every module of the hosts line is asked
	 * (and loaded, if it was not), then the answer is "no such name". */
	if (getaddrinfo("caseserv-no-such-host.invalid", "1205", &hints,
	    &res) == 0)
		freeaddrinfo(res);
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
 * In real life a session runs under both filters, the acceptor's and its
 * own, and the kernel takes the stricter verdict: a call the acceptor
 * traps, allows or refuses with an errno is still named by the session's
 * trap.
 */
static void
session_under_acceptor(void **state)
{
	(void)state;
	expect_reported(F_BOTH, p_execve, SYS_execve);
	expect_reported(F_BOTH, p_ptrace, SYS_ptrace);
	expect_reported(F_BOTH, p_openat_rd, SYS_openat);
	expect_reported(F_BOTH, p_socket_inet, SYS_socket);
	expect_reported(F_BOTH, p_socket_netlink, SYS_socket);
	expect_allowed(F_BOTH, p_pipe_write);
	/* Calls whose arguments fail the acceptor's tests meet its default
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
		sbx_enter_acceptor(report_violation);
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

/* ---- acceptor filter ------------------------------------------------------ */

/* One forbidden call at a time, each reported by name and killing. */
static void
acceptor_forbidden(void **state)
{
	static const struct { void (*probe)(void); long nr; } no[] = {
		{ p_openat_rd, SYS_openat }, { p_openat_wr, SYS_openat },
		{ p_socket_inet, SYS_socket }, { p_socket_unix, SYS_socket },
		{ p_connect, SYS_connect }, { p_bind_unix, SYS_bind },
		{ p_listen, SYS_listen }, { p_sendto_addr, SYS_sendto },
		{ p_sendmsg, SYS_sendmsg }, { p_unlink, SYS_unlink },
		{ p_unlinkat, SYS_unlinkat }, { p_rename, SYS_rename },
		{ p_ftruncate, SYS_ftruncate }, { p_truncate, SYS_truncate },
		{ p_flock, SYS_flock }, { p_execve, SYS_execve },
		{ p_ptrace, SYS_ptrace }, { p_kill_parent, SYS_kill },
		{ p_kill_init, SYS_kill }, { p_kill_all, SYS_kill },
		{ p_kill_group, SYS_kill }, { p_tgkill_parent, SYS_tgkill },
		{ p_pidfd_open, SYS_pidfd_open }, { p_fork, SYS_clone },
		{ p_clone_thread, SYS_clone }, { p_clone_newuser, SYS_clone },
		{ p_newuser, SYS_unshare }, { p_setuid, SYS_setuid },
		{ p_mmap_x, SYS_mmap }, { p_mmap_wx, SYS_mmap },
		{ p_mprotect_x, SYS_mprotect }, { p_ioctl, SYS_ioctl },
		{ p_fcntl_setown, SYS_fcntl }, { p_fcntl_setsig, SYS_fcntl },
		{ p_fcntl_async, SYS_fcntl }, { p_fcntl_dupfd, SYS_fcntl },
		{ p_pipe2_blocking, SYS_pipe2 }, { p_pipe2, SYS_pipe2 },
		{ p_socketpair_stream, SYS_socketpair },
		{ p_socketpair_dgram, SYS_socketpair },
		{ p_socketpair_inherit, SYS_socketpair },
		{ p_accept4_flags, SYS_accept4 },
		{ p_setsockopt_other, SYS_setsockopt },
		{ p_prctl_dumpable, SYS_prctl },
	};

	(void)state;
	assert_true((probe_fds[0] = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		print_message("acceptor forbidden %zu: %ld\n", i, no[i].nr);
#ifdef CASESERV_SANITIZERS
		/* Allowed there for the sanitizers (docs/SECURITY.md). */
		if (no[i].nr == SYS_ptrace || no[i].nr == SYS_openat ||
		    no[i].nr == SYS_prctl || no[i].nr == SYS_kill ||
		    no[i].nr == SYS_tgkill || no[i].nr == SYS_clone ||
		    no[i].nr == SYS_mmap || no[i].nr == SYS_mprotect ||
		    no[i].nr == SYS_setsockopt)
			continue;
#endif
		expect_reported(F_ACCEPTOR, no[i].probe, no[i].nr);
	}
	close(probe_fds[0]);
	assert_true(access(SCRATCH, F_OK) == -1);
	assert_true(access(SCRATCH ".sock", F_OK) == -1);
}

static void
acceptor_allowed(void **state)
{
	int sp[2];

	(void)state;
	assert_true((probe_fds[0] = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
	probe_fds[1] = sp[0];
	probe_fds[2] = sp[1];
	expect_allowed(F_ACCEPTOR, p_acceptor_calls);
	expect_allowed(F_ACCEPTOR, p_pipe_write);
	close(probe_fds[0]);
	close(sp[0]);
	close(sp[1]);
}

/* ---- main filter ---------------------------------------------------------- */

/* Every "no" of main's deny-list is an errno, and main lives on. */
static void
main_denied(void **state)
{
	(void)state;
	expect_allowed(F_MAIN, p_main_denied);
	expect_allowed(F_MAIN, p_main_memory);
}

static void
main_allowed(void **state)
{
	(void)state;
	expect_allowed(F_MAIN, p_main_calls);
}

/* What a reload resolves must not kill main (found in review: a SIGHUP
 * with host = "*" died of SIGSYS under the old master's allow-list). */
static void
main_reload_resolves(void **state)
{
	(void)state;
	expect_allowed(F_MAIN, p_netlink_refused);
	expect_allowed(F_MAIN, p_resolve_wildcard);
	expect_allowed(F_MAIN, p_resolve_scoped);
}

/* The architecture check kills whatever the list says. */
static void
main_foreign_arch(void **state)
{
	(void)state;
#if defined(__x86_64__)
	expect_killed(F_MAIN, p_x32);
	expect_killed(F_MAIN, p_int80);
#else
	skip();
#endif
}

/* Another architecture's calls end the process without the handler. */
static void
foreign_arch(void **state)
{
	(void)state;
#if defined(__x86_64__)
	expect_killed(F_SESSION, p_x32);
	expect_killed(F_SESSION, p_int80);
	expect_killed(F_ACCEPTOR, p_x32);
	expect_killed(F_ACCEPTOR, p_int80);
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
		cmocka_unit_test(session_under_acceptor),
		cmocka_unit_test(session_allowed),
		cmocka_unit_test(session_signals),
		cmocka_unit_test(acceptor_forbidden),
		cmocka_unit_test(acceptor_allowed),
		cmocka_unit_test(main_denied),
		cmocka_unit_test(main_allowed),
		cmocka_unit_test(main_reload_resolves),
		cmocka_unit_test(main_foreign_arch),
		cmocka_unit_test(foreign_arch),
		cmocka_unit_test(selftest_and_names),
		cmocka_unit_test(drop_to_nobody),
		cmocka_unit_test(drop_keep_bind),
		cmocka_unit_test(lookup_as_root),
		cmocka_unit_test(lookup_unprivileged),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
