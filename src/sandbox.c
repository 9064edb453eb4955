/*
 * sandbox.c - the seccomp filters of the three kinds of process.
 *
 * The policy is data: grouped, commented tables of system calls, each
 * with up to three argument tests, turned into a filter by one loop with one
 * error path.
 *
 *  - A session runs an allow-list (read, write, poll, ...), compiled once
 *    by sbx_init() in main, so that a session pays for one prctl().
 *  - The acceptor runs an allow-list of what accepting, forking sessions
 *    and reading their records needs.  It is compiled in the acceptor
 *    itself, because its rules name the acceptor's own pid (kill only
 *    itself).
 *  - main runs a deny-list: it resolves names on reload, and an NSS module
 *    may make any call; so what main never needs fails with an errno, and
 *    everything else is allowed (docs/SECURITY.md says why this wall is
 *    Landlock plus a deny-list rather than an allow-list).
 *
 * Whatever an allow-list does not allow meets its default action, which is
 * SECCOMP_RET_KILL_PROCESS (SPEC section 5) for a number this architecture
 * has no system call for, and a trap (SIGSYS) for one it has, so that a
 * violation can be named: the process reports it from its SIGSYS handler
 * and then dies of SIGSYS.  main's default is to allow a named call and
 * to answer ENOSYS for a number past every named one.  A foreign
 * architecture's calls (int 0x80, x32) are killed outright in all three.
 * docs/SECURITY.md explains every call and every choice.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <termios.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"
#ifdef CASESERV_COVERAGE
void __gcov_dump(void);		/* libgcov: write the counters now */
#endif

/* One argument test; all of a rule's tests must hold for it to apply. */
struct sbx_test {
	unsigned int	 arg;
	enum scmp_compare op;
	uint64_t	 a;		/* SCMP_CMP_MASKED_EQ: the mask */
	uint64_t	 b;
};

/* One rule: a system call and up to three argument tests. */
struct sbx_call {
	const char	*name;
	unsigned int	 n;
	struct sbx_test	 t[3];
};

/* Stands for the pid of the process the filter is built for (kill only
 * itself); replaced when the rule is added. */
#define SELF		0x5e1f5e1f5e1fULL

#define T(i, op, a, b)		{ (i), (op), (a), (b) }
#define ANY(nm)			{ nm, 0, { T(0, SCMP_CMP_EQ, 0, 0) } }
#define ARG_EQ(nm, i, v)	{ nm, 1, { T(i, SCMP_CMP_EQ, (v), 0) } }
#define ARG_NE(nm, i, v)	{ nm, 1, { T(i, SCMP_CMP_NE, (v), 0) } }
#define ARG_GE(nm, i, v)	{ nm, 1, { T(i, SCMP_CMP_GE, (v), 0) } }
#define ARG_MASK(nm, i, m, v)	{ nm, 1, { T(i, SCMP_CMP_MASKED_EQ, (m), (v)) } }
#define ARG_EQ_EQ(nm, i, v, j, w) \
	{ nm, 2, { T(i, SCMP_CMP_EQ, (v), 0), T(j, SCMP_CMP_EQ, (w), 0) } }
#define ARG_EQ_MASK(nm, i, v, j, m, w) \
	{ nm, 2, { T(i, SCMP_CMP_EQ, (v), 0), T(j, SCMP_CMP_MASKED_EQ, (m), (w)) } }
#define ARG_EQ_EQ_EQ(nm, i, u, j, v, k, w) \
	{ nm, 3, { T(i, SCMP_CMP_EQ, (u), 0), T(j, SCMP_CMP_EQ, (v), 0), \
	    T(k, SCMP_CMP_EQ, (w), 0) } }
#define ARG_MASK_MASK(nm, i, m, v, j, n, w) \
	{ nm, 2, { T(i, SCMP_CMP_MASKED_EQ, (m), (v)), \
	    T(j, SCMP_CMP_MASKED_EQ, (n), (w)) } }

struct sbx_group {
	const struct sbx_call	*calls;
	size_t			 n;
	uint32_t		 action;
};

#define GROUP(g, act)		{ g, sizeof(g) / sizeof(g[0]), act }
#define NGROUPS(p)		(sizeof(p) / sizeof(p[0]))

/* ---- the session ---------------------------------------------------------- */

/* The toggle loop: bytes in and out of its socket, the record at the end;
 * a session forked ahead of need receives its client's socket on its
 * channel (recvmsg with exactly that flag; RLIMIT_NOFILE leaves room for
 * that one descriptor). */
static const struct sbx_call ses_io[] = {
	ANY("read"), ANY("write"), ARG_EQ("recvmsg", 2, MSG_CMSG_CLOEXEC),
	/* SECURITY: after close_range only the socket and the channel are
	 * open, RLIMIT_NOFILE is 0 and nothing here can make a descriptor, so
	 * a test on the descriptor number would add nothing. */
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

/* ---- the spawner: an allow-list -------------------------------------------- */

/* Its loop: a request byte in, a socket pair and a session made, the word
 * and two descriptors out to the acceptor on the one socket it holds.
 * SECURITY: clone with exactly these flags (the session is the
 * acceptor's child); sendmsg with exactly MSG_NOSIGNAL (its only sockets
 * are unnamed pairs: an address would be ignored); no socket but a pair. */
static const struct sbx_call spw_loop[] = {
	ANY("read"), ARG_EQ("sendmsg", 2, MSG_NOSIGNAL), ANY("close"),
	ARG_EQ_EQ_EQ("socketpair", 0, AF_UNIX,
	    1, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 2, 0),
	ARG_EQ("clone", 0, CLONE_PARENT | CLONE_PIDFD | SIGCHLD),
	ANY("exit"), ANY("exit_group"), ANY("rt_sigreturn"),
	ANY("restart_syscall"), ANY("brk"), ARG_MASK("mmap", 2, PROT_EXEC, 0),
	ANY("munmap"),
};

/* What a new session does under the spawner's filter before it enters its
 * own (session.c: ses_lock_down): its name, its handlers and mask, its
 * descriptors closed and its channel moved onto 0, its limits, the
 * parent-death signal and the check of its parent, no capability, its
 * filter.  No Landlock call: its domain is the spawner's, inherited from
 * the acceptor's (session.c).  SECURITY: each only ever takes away. */
static const struct sbx_call spw_session_setup[] = {
	ARG_EQ("prlimit64", 0, 0),
	ARG_EQ("prctl", 0, PR_SET_NAME), ARG_EQ("prctl", 0, PR_SET_PDEATHSIG),
	ARG_EQ("prctl", 0, PR_SET_NO_NEW_PRIVS),
	ARG_EQ("prctl", 0, PR_SET_SECCOMP),
	ANY("rt_sigaction"), ANY("rt_sigprocmask"), ANY("getppid"),
	ANY("capset"), ANY("close_range"),
	ARG_EQ("dup2", 1, 0), ARG_EQ_EQ("dup3", 1, 0, 2, 0),
};

#ifdef CASESERV_SANITIZERS
static const struct sbx_call spw_sanitizers[] = {
	ANY("getpid"), ANY("gettid"), ANY("mmap"), ANY("mprotect"),
	ANY("madvise"), ANY("sigaltstack"), ANY("sched_yield"), ANY("futex"),
	ANY("prctl"), ANY("write"), ANY("tgkill"), ANY("kill"),
};
#endif

/* The spawner's filter stays under its sessions' own: what they do in
 * their loop passes both (ses_io, ses_time, ses_exit). */
static const struct sbx_group spw_policy[] = {
	GROUP(spw_loop, SCMP_ACT_ALLOW),
	GROUP(spw_session_setup, SCMP_ACT_ALLOW),
	GROUP(ses_io, SCMP_ACT_ALLOW),
	GROUP(ses_time, SCMP_ACT_ALLOW),
	GROUP(ses_exit, SCMP_ACT_ALLOW),
#ifdef CASESERV_SANITIZERS
	GROUP(spw_sanitizers, SCMP_ACT_ALLOW),
#endif
#ifdef CASESERV_COVERAGE
	GROUP(ses_coverage, SCMP_ACT_ALLOW),
#endif
};

/* ---- the acceptor: an allow-list ------------------------------------------ */

/* The loop: accept, poll, main's messages (with the listeners they carry),
 * the per-session channels.  SECURITY: send() only, on a connected socket
 * (to main, to syslog): sendto with an address is not allowed, nor is
 * sendmsg; accept4 only with the flags the loop uses.  A session's
 * channel is an unnamed socket pair: AF_UNIX, SOCK_SEQPACKET with exactly
 * these flags, protocol 0; it has no address and no file, so it creates
 * nothing another process could reach (docs/SECURITY.md). */
static const struct sbx_call acc_loop[] = {
	ARG_EQ("accept4", 3, SOCK_NONBLOCK | SOCK_CLOEXEC),
	ANY("poll"), ANY("ppoll"), ANY("read"), ANY("write"), ANY("close"),
	ANY("recvmsg"), ARG_EQ("sendto", 4, 0),
	/* The hand-over: a client's socket to a pre-forked session, on
	 * its channel (an unnamed pair: an address would be ignored).
	 * SECURITY: sendmsg's address is out of a filter's sight; the
	 * acceptor's other sockets are its channel to main (a pair) and
	 * the syslog socket (docs/SECURITY.md weighs this). */
	ARG_EQ("sendmsg", 2, MSG_DONTWAIT | MSG_NOSIGNAL),
	ARG_EQ_EQ_EQ("socketpair", 0, AF_UNIX,
	    1, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 2, 0),
};

/* Descriptor flags only.  SECURITY: no F_SETOWN/F_SETSIG, and F_SETFL
 * never with O_ASYNC: nothing that makes the kernel signal others. */
static const struct sbx_call acc_fcntl[] = {
	ARG_EQ("fcntl", 1, F_GETFD), ARG_EQ("fcntl", 1, F_SETFD),
	ARG_EQ("fcntl", 1, F_GETFL),
	ARG_EQ_MASK("fcntl", 1, F_SETFL, 2, O_ASYNC, 0),
};

/* Sessions: created with exactly one clone() flag set, so that each comes
 * with a pidfd; signalled through that pidfd with SIGTERM or SIGKILL only,
 * so the acceptor can signal its own children and nothing else.
 * SECURITY: no pidfd_open (no pidfd of a process it did not create), and
 * kill/tgkill only to itself (raise, abort). */
static const struct sbx_call acc_proc[] = {
	ARG_EQ("clone", 0, CLONE_PIDFD | SIGCHLD),
	ARG_EQ("pidfd_send_signal", 1, SIGTERM),
	ARG_EQ("pidfd_send_signal", 1, SIGKILL),
	ARG_EQ("kill", 0, SELF), ARG_EQ("tgkill", 0, SELF),
	ANY("wait4"), ANY("waitid"), ANY("getpid"), ANY("getppid"),
	ANY("gettid"), ANY("exit"), ANY("exit_group"),
};

/* glibc falls back to clone when clone3 says ENOSYS (and clone3's flags
 * sit in memory, out of the filter's sight). */
static const struct sbx_call acc_clone3[] = {
	ANY("clone3"),
};

/* Handlers (SIGCHLD, SIGTERM, ...) and the masks around clone(). */
static const struct sbx_call acc_signals[] = {
	ANY("rt_sigaction"), ANY("rt_sigprocmask"), ANY("rt_sigreturn"),
	ANY("restart_syscall"),
};

/* Deadlines, rate buckets, durations. */
static const struct sbx_call acc_time[] = {
	ANY("clock_gettime"), ANY("gettimeofday"),
};

/* malloc.  SECURITY: never executable memory, mapped or made so. */
static const struct sbx_call acc_memory[] = {
	ANY("brk"), ANY("munmap"), ANY("mremap"), ANY("madvise"),
	ARG_MASK("mmap", 2, PROT_EXEC, 0), ARG_MASK("mprotect", 2, PROT_EXEC, 0),
	ANY("futex"), ANY("getrandom"),
};

/* What a new session does under the acceptor's filter before it enters its
 * own: its ps name (PR_SET_NAME changes only its own comm), its limits (own
 * process only), parent-death signal, no capability (capset can only
 * lower them), its descriptors closed, TCP_NODELAY and SO_OOBINLINE (the
 * two pairs, nothing else), its Landlock layer (the ABI query, a ruleset
 * without rules: no landlock_add_rule), its channel moved onto descriptor
 * 0, the filter, and shutdown() in its loop.  SECURITY: a Landlock layer only ever takes rights away. */
static const struct sbx_call acc_session_setup[] = {
	ARG_EQ("prlimit64", 0, 0),
	ARG_EQ("prctl", 0, PR_SET_NAME), ARG_EQ("prctl", 0, PR_SET_PDEATHSIG),
	ARG_EQ("prctl", 0, PR_SET_NO_NEW_PRIVS),
	ARG_EQ("prctl", 0, PR_SET_SECCOMP),
	ANY("capset"), ANY("close_range"), ANY("shutdown"),
	ARG_EQ_EQ("setsockopt", 1, IPPROTO_TCP, 2, TCP_NODELAY),
	ARG_EQ_EQ("setsockopt", 1, SOL_SOCKET, 2, SO_OOBINLINE),
	ARG_EQ("landlock_create_ruleset", 2, 0),
	ARG_EQ("landlock_create_ruleset", 2, LANDLOCK_CREATE_RULESET_VERSION),
	ARG_EQ("landlock_restrict_self", 1, 0),
	/* Its channel onto descriptor 0, the one RLIMIT_NOFILE 1 leaves
	 * (session.c: ses_take_fd0); dup3 is dup2 on aarch64. */
	ARG_EQ("dup2", 1, 0), ARG_EQ_EQ("dup3", 1, 0, 2, 0),
};

#ifdef CASESERV_SANITIZERS
/* LeakSanitizer checks at exit() from a tracer thread that ptraces the
 * process and reads /proc/self; ASan's error path.  Test builds only:
 * never shipped (docs/SECURITY.md). */
static const struct sbx_call acc_sanitizers[] = {
	ANY("ptrace"), ANY("prctl"), ANY("getdents"), ANY("getdents64"),
	ANY("sched_yield"), ANY("sigaltstack"), ANY("clone"),
	ANY("openat"), ANY("open"), ANY("fstat"), ANY("newfstatat"),
	ANY("readlink"), ANY("pread64"), ANY("lseek"), ANY("mmap"),
	ANY("mprotect"), ANY("kill"), ANY("tgkill"), ANY("setsockopt"),
};
#endif

#ifdef CASESERV_COVERAGE
/* The acceptor's exit: gcov's dump as a session's (ses_coverage); and a
 * session's Landlock layer, made under this filter, has one rule in
 * coverage builds: the build directory, for that dump (landlock.c). */
static const struct sbx_call acc_coverage[] = {
	ARG_MASK("openat", 2, O_ACCMODE | O_CREAT | O_TRUNC, COV_OPEN),
	ARG_MASK("open", 1, O_ACCMODE | O_CREAT | O_TRUNC, COV_OPEN),
	ANY("mkdir"), ANY("mkdirat"), ANY("fstat"), ANY("newfstatat"),
	ANY("lseek"), ANY("getpid"),
	/* libgcov's locks only: F_SETOWN and the like stay forbidden. */
	ARG_EQ("fcntl", 1, F_SETLKW), ARG_EQ("fcntl", 1, F_SETLK),
	ARG_EQ("fcntl", 1, F_GETLK),
	ARG_MASK("openat", 2, O_PATH, O_PATH), ANY("landlock_add_rule"),
};
#endif

static const struct sbx_group acc_policy[] = {
	GROUP(acc_loop, SCMP_ACT_ALLOW),
	GROUP(acc_fcntl, SCMP_ACT_ALLOW),
	GROUP(acc_proc, SCMP_ACT_ALLOW),
	GROUP(acc_clone3, SCMP_ACT_ERRNO(ENOSYS)),
	GROUP(acc_signals, SCMP_ACT_ALLOW),
	GROUP(acc_time, SCMP_ACT_ALLOW),
	GROUP(acc_memory, SCMP_ACT_ALLOW),
	GROUP(acc_session_setup, SCMP_ACT_ALLOW),
#ifdef CASESERV_SANITIZERS
	GROUP(acc_sanitizers, SCMP_ACT_ALLOW),
#endif
#ifdef CASESERV_COVERAGE
	GROUP(acc_coverage, SCMP_ACT_ALLOW),
#endif
};

/* ---- main: a deny-list ------------------------------------------------------ */

/* SECURITY: main runs no other program, and reads or writes no other
 * process's memory. */
static const struct sbx_call main_exec[] = {
	ANY("execve"), ANY("execveat"),
	ANY("process_vm_readv"), ANY("process_vm_writev"),
	ANY("process_madvise"), ANY("kcmp"), ANY("pidfd_getfd"),
#ifndef CASESERV_SANITIZERS
	ANY("ptrace"),		/* LeakSanitizer's tracer needs it */
#endif
};

/* SECURITY: signals to itself only; the acceptor is reached through the
 * pidfd main created it with, and no pidfd of anything else can be had. */
static const struct sbx_call main_signals[] = {
	ARG_NE("kill", 0, SELF), ARG_NE("tgkill", 0, SELF), ANY("tkill"),
	ARG_NE("rt_sigqueueinfo", 0, SELF), ARG_NE("rt_tgsigqueueinfo", 0, SELF),
	ANY("pidfd_open"),
	/* Asynchronous I/O ownership makes the kernel signal a process or
	 * a process group of one's choice (F_SETOWN with -pgid): never. */
	ARG_EQ("fcntl", 1, F_SETOWN), ARG_EQ("fcntl", 1, F_SETOWN_EX),
	ARG_EQ("fcntl", 1, F_SETSIG), ARG_EQ("fcntl", 1, F_SETLEASE),
	ARG_EQ("fcntl", 1, F_NOTIFY),
	ARG_EQ_MASK("fcntl", 1, F_SETFL, 2, O_ASYNC, O_ASYNC),
	ARG_EQ("ioctl", 1, FIOASYNC), ARG_EQ("ioctl", 1, FIOSETOWN),
	ARG_EQ("ioctl", 1, SIOCSPGRP), ARG_EQ("ioctl", 1, TIOCSTI),
	/* The pidfile is locked with fcntl(); flock() is never used. */
	ANY("flock"),
};

/* SECURITY: main starts no process once the acceptor runs (threads stay
 * possible for an NSS module), and never a namespace. */
static const struct sbx_call main_proc[] = {
	ANY("fork"), ANY("vfork"),
#ifndef CASESERV_SANITIZERS
	ARG_MASK("clone", 0, CLONE_THREAD, 0),	/* LeakSanitizer's tracer */
#endif
	ARG_MASK("clone", 0, CLONE_NEWNS, CLONE_NEWNS),
	ARG_MASK("clone", 0, CLONE_NEWUTS, CLONE_NEWUTS),
	ARG_MASK("clone", 0, CLONE_NEWIPC, CLONE_NEWIPC),
	ARG_MASK("clone", 0, CLONE_NEWUSER, CLONE_NEWUSER),
	ARG_MASK("clone", 0, CLONE_NEWPID, CLONE_NEWPID),
	ARG_MASK("clone", 0, CLONE_NEWNET, CLONE_NEWNET),
	ARG_MASK("clone", 0, CLONE_NEWCGROUP, CLONE_NEWCGROUP),
	ANY("unshare"), ANY("setns"),
};

/* glibc falls back to clone, whose flags the rules above can see. */
static const struct sbx_call main_clone3[] = {
	ANY("clone3"),
};

/*
 * SECURITY: W^X.  Never writable and executable at once, never executable
 * anonymous or shared memory, never made executable later.  What stays
 * allowed is how the dynamic loader maps a library: a private, read-only
 * mapping of a file, executable, which NSS modules need (see
 * docs/SECURITY.md: they are loaded at start, but one may be loaded the
 * first time a reload needs it).  No memfd: no file of one's own making
 * without a path.
 */
static const struct sbx_call main_memory[] = {
	ARG_MASK("mmap", 2, PROT_WRITE | PROT_EXEC, PROT_WRITE | PROT_EXEC),
	ARG_MASK_MASK("mmap", 2, PROT_EXEC, PROT_EXEC, 3, MAP_ANONYMOUS,
	    MAP_ANONYMOUS),
	ARG_MASK_MASK("mmap", 2, PROT_EXEC, PROT_EXEC, 3, MAP_SHARED,
	    MAP_SHARED),
	ARG_MASK("mprotect", 2, PROT_EXEC, PROT_EXEC),
	ARG_MASK("pkey_mprotect", 2, PROT_EXEC, PROT_EXEC),
	ARG_MASK("shmat", 2, SHM_EXEC, SHM_EXEC),
	ANY("remap_file_pages"), ANY("memfd_create"), ANY("memfd_secret"),
};

/* SECURITY: the identity is settled (privs.c): no id, group, capability
 * or personality change, nothing that makes main traceable or dumpable. */
static const struct sbx_call main_identity[] = {
	ANY("setuid"), ANY("setgid"), ANY("setreuid"), ANY("setregid"),
	ANY("setresuid"), ANY("setresgid"), ANY("setfsuid"), ANY("setfsgid"),
	ANY("setgroups"), ANY("capset"),
	ARG_NE("personality", 0, 0xffffffffu),
	ARG_EQ("prctl", 0, PR_SET_MM),
#ifndef CASESERV_SANITIZERS
	ARG_EQ("prctl", 0, PR_SET_DUMPABLE), ARG_EQ("prctl", 0, PR_SET_PTRACER),
#endif
};

/* SECURITY: the kernel's larger surfaces, none of which a daemon that
 * accepts TCP connections needs (most need a capability anyway; refused
 * here all the same, so nothing depends on that). */
static const struct sbx_call main_kernel[] = {
	ANY("mount"), ANY("umount2"), ANY("pivot_root"), ANY("chroot"),
	ANY("move_mount"), ANY("open_tree"), ANY("fsopen"), ANY("fsconfig"),
	ANY("fsmount"), ANY("fspick"), ANY("mount_setattr"),
	ANY("kexec_load"), ANY("kexec_file_load"), ANY("reboot"),
	ANY("bpf"), ANY("perf_event_open"), ANY("userfaultfd"),
	ANY("init_module"), ANY("finit_module"), ANY("delete_module"),
	ANY("keyctl"), ANY("add_key"), ANY("request_key"),
	ANY("io_uring_setup"), ANY("io_uring_enter"), ANY("io_uring_register"),
	ANY("syslog"), ANY("acct"), ANY("swapon"), ANY("swapoff"),
	ANY("quotactl"), ANY("open_by_handle_at"), ANY("name_to_handle_at"),
	ANY("fanotify_init"), ANY("seccomp"),
};

/* Only the three families the daemon speaks (AF_UNIX 1, AF_INET 2,
 * AF_INET6 10).  EAFNOSUPPORT rather than EPERM: glibc's getaddrinfo asks
 * routing netlink when it sorts several addresses, and sorts without it
 * when the family is not supported. */
static const struct sbx_call main_families[] = {
	ARG_EQ("socket", 0, 0), ARG_EQ("socket", 0, 3), ARG_EQ("socket", 0, 4),
	ARG_EQ("socket", 0, 5), ARG_EQ("socket", 0, 6), ARG_EQ("socket", 0, 7),
	ARG_EQ("socket", 0, 8), ARG_EQ("socket", 0, 9),
	ARG_GE("socket", 0, 11),
};

static const struct sbx_group main_policy[] = {
	GROUP(main_exec, SCMP_ACT_ERRNO(EPERM)),
	GROUP(main_signals, SCMP_ACT_ERRNO(EPERM)),
	GROUP(main_proc, SCMP_ACT_ERRNO(EPERM)),
	GROUP(main_clone3, SCMP_ACT_ERRNO(ENOSYS)),
	GROUP(main_memory, SCMP_ACT_ERRNO(EPERM)),
	GROUP(main_identity, SCMP_ACT_ERRNO(EPERM)),
	GROUP(main_kernel, SCMP_ACT_ERRNO(EPERM)),
	GROUP(main_families, SCMP_ACT_ERRNO(EAFNOSUPPORT)),
};

/* ---- building ------------------------------------------------------------- */

/* Above every system call number of the architectures we build for. */
#define SBX_NR_MAX	1024
/* Marks the default action in libseccomp's program until it is replaced
 * (a trace action with this data is used nowhere else). */
#define SBX_DEFAULT	SCMP_ACT_TRACE(0x5ca5)

enum sbx_kind { SBX_ALLOW_LIST, SBX_DENY_LIST };

static struct sock_fprog ses_prog, spw_prog;
static void (*volatile sbx_on_violation)(long);
static int sbx_violation_fd = -1;

/*
 * A rule of the table; self replaces SELF.  A name libseccomp does not
 * know is an error in an allow-list; in a deny-list it is skipped, since
 * the number (if this kernel has one) lies past every named call and
 * meets the deny-list's ENOSYS default anyway.
 */
static int
add_call(scmp_filter_ctx ctx, const struct sbx_call *c, uint32_t action,
    enum sbx_kind kind, uint64_t self)
{
	struct scmp_arg_cmp cmp[3];
	int nr;

	nr = seccomp_syscall_resolve_name(c->name);
	if (nr == __NR_SCMP_ERROR)
		return kind == SBX_DENY_LIST ? 0 : -EINVAL;
	/* Calls this architecture lacks (poll, open on aarch64) are skipped by
	 * libseccomp itself: their numbers here are negative pseudo-calls. */
	memset(cmp, 0, sizeof(cmp));
	for (unsigned int i = 0; i < c->n; i++) {
		cmp[i].arg = c->t[i].arg;
		cmp[i].op = c->t[i].op;
		cmp[i].datum_a = c->t[i].a == SELF ? self : c->t[i].a;
		cmp[i].datum_b = c->t[i].b;
	}
	return seccomp_rule_add_array(ctx, action, nr, c->n, cmp);
}

/* The highest number arch has a system call name for. */
static uint32_t
highest_named(uint32_t arch)
{
	static uint32_t native;		/* every filter asks: looked up once */
	uint32_t high = 0;
	char *name;

	if (arch == SCMP_ARCH_NATIVE && native != 0)
		return native;
	for (int nr = 0; nr < SBX_NR_MAX; nr++)
		if ((name = seccomp_syscall_resolve_num_arch(arch, nr)) != NULL) {
			free(name);
			high = (uint32_t)nr;
		}
	if (arch == SCMP_ARCH_NATIVE)
		native = high;
	return high;
}

/*
 * Give the program its default action.  Every return of the marker becomes
 * a jump to four instructions at the end, which look at the number: past
 * every named call, an allow-list kills (SECCOMP_RET_KILL_PROCESS) and the
 * deny-list answers ENOSYS (what glibc expects of a call the kernel lacks);
 * a named call traps in an allow-list, so that it can be named, and is
 * allowed by the deny-list.  One jump replaces one return, so no other
 * offset moves; four instructions where a rule per named call would cost
 * hundreds, and with them a slower filter set-up for every session.
 */
static int
set_default(struct sock_fprog *prog, enum sbx_kind kind, uint32_t arch)
{
	const uint32_t named = kind == SBX_ALLOW_LIST ? SECCOMP_RET_TRAP :
	    SECCOMP_RET_ALLOW;
	const uint32_t beyond = kind == SBX_ALLOW_LIST ?
	    SECCOMP_RET_KILL_PROCESS : SECCOMP_RET_ERRNO | ENOSYS;
	const struct sock_filter tail[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, highest_named(arch), 1, 0),
		BPF_STMT(BPF_RET | BPF_K, named),
		BPF_STMT(BPF_RET | BPF_K, beyond),
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

/*
 * The program of policy for arch, a SCMP_ARCH_* token: SCMP_ARCH_NATIVE
 * for this machine; another one only to check that the tables make a
 * filter there too (tests/unit/test_sandbox_arch.c).  Names are resolved
 * here and libseccomp translates them for arch, skipping what arch lacks
 * (open, poll, dup2 ... on aarch64).  self is the pid argument rules name
 * (kill to itself only).  0 or -errno.
 */
static int
compile(const struct sbx_group *policy, size_t ngroups, enum sbx_kind kind,
    uint64_t self, uint32_t arch, struct sock_fprog *prog)
{
	scmp_filter_ctx ctx;
	size_t g, i;
	int rc = 0;

	/* SECURITY: whatever is not listed below meets set_default(). */
	if ((ctx = seccomp_init(SBX_DEFAULT)) == NULL)
		return -ENOMEM;
	if (arch != SCMP_ARCH_NATIVE && arch != seccomp_arch_native() &&
	    (rc = seccomp_arch_add(ctx, arch)) == 0)
		rc = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
	/* SECURITY: another architecture's calls (int 0x80, x32) bypass the
	 * number checks, so they end the process without a handler. */
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
		    SCMP_ACT_KILL_PROCESS);
	/* A binary tree: an argument-checked call is found in a few tests
	 * rather than after every rule of the table. */
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (g = 0; rc == 0 && g < ngroups; g++)
		for (i = 0; rc == 0 && i < policy[g].n; i++)
			rc = add_call(ctx, &policy[g].calls[i], policy[g].action,
			    kind, self);
	if (rc == 0)
		rc = export_prog(ctx, prog);
	if (rc == 0)
		rc = set_default(prog, kind, arch);
	seccomp_release(ctx);
	return rc;
}

static void
build(const struct sbx_group *policy, size_t ngroups, enum sbx_kind kind,
    struct sock_fprog *prog, const char *what)
{
	int rc = compile(policy, ngroups, kind, (uint64_t)getpid(),
	    SCMP_ARCH_NATIVE, prog);

	if (rc != 0)
		fatalx(EX_OSERR, "sandbox: %s filter: cannot build: %s", what,
		    strerror(-rc));
	log_debug("sandbox: %s filter built: %u instructions", what, prog->len);
}

void
sbx_init(void)
{
	if (ses_prog.filter != NULL)
		return;
	build(ses_policy, NGROUPS(ses_policy), SBX_ALLOW_LIST, &ses_prog,
	    "session");
	build(spw_policy, NGROUPS(spw_policy), SBX_ALLOW_LIST, &spw_prog,
	    "spawner");
}

/* ---- entering ------------------------------------------------------------- */

static int
load(const struct sock_fprog *prog)
{
	if (prog->filter == NULL) {
		errno = EINVAL;
		return -1;
	}
	/* Needed by an unprivileged caller; privs.c set it already, but
	 * saying it again here costs one call and removes an ordering trap. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -1;
#ifdef CASESERV_TEST_HOOKS
	/* The test daemon: CASESERV_TEST_NO_SECCOMP=1 takes this wall down
	 * (both filters), so that the others can be shown to stand alone. */
	if (getenv("CASESERV_TEST_NO_SECCOMP") != NULL)
		return 0;
#endif
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog, 0, 0);
}

void
sbx_enter_main(void)
{
	struct sock_fprog prog = { 0, NULL };

	build(main_policy, NGROUPS(main_policy), SBX_DENY_LIST, &prog, "main");
	if (load(&prog) == -1)
		fatal(EX_OSERR, "sandbox: main filter");
	free(prog.filter);
}

/*
 * SIGSYS under an allow-list: report, then die of SIGSYS.  The handler
 * runs with SIGSYS blocked and its disposition reset (SA_RESETHAND), so
 * the next forbidden call is forced through with the default action: the
 * process dies of SIGSYS, and the forbidden call never runs.  getpgid() is
 * on no list and would be harmless if it ever were.
 */
static void
sbx_sigsys(int sig, siginfo_t *info, void *uctx)
{
	void (*cb)(long) = sbx_on_violation;

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

static int
sbx_trap(void (*on_violation)(long nr))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sbx_sigsys;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sbx_on_violation = on_violation;
	return sigaction(SIGSYS, &sa, NULL);
}

void
sbx_enter_acceptor(void (*on_violation)(long nr))
{
	struct sock_fprog prog = { 0, NULL };

	build(acc_policy, NGROUPS(acc_policy), SBX_ALLOW_LIST, &prog,
	    "acceptor");
	/* The handler first: a violation is then named, as a session's is. */
	if (sbx_trap(on_violation) == -1 || load(&prog) == -1)
		fatal(EX_OSERR, "sandbox: acceptor filter");
	free(prog.filter);
}

int
sbx_enter_spawner(void)
{
	/* No report: the acceptor sees it die of SIGSYS. */
	if (sbx_trap(NULL) == -1)
		return -1;
	return load(&spw_prog);
}

int
sbx_enter_session(void (*on_violation)(long nr))
{
	/* SECURITY: installed before the filter: rt_sigaction is not allowed
	 * afterwards, so the handler cannot be replaced. */
	if (sbx_trap(on_violation) == -1)
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

static void
selftest_report(long nr)
{
	/* Nothing to do on failure: the parent sees the word missing. */
	if (write(sbx_violation_fd, &nr, sizeof(nr)) != sizeof(nr))
		return;
}

/* main's filter in a grandchild: execve must fail with EPERM.  1 if so. */
static int
selftest_main(void)
{
	static char *const argv[] = { NULL };
	int status;
	pid_t pid;

	if ((pid = fork()) == -1)
		return 0;
	if (pid == 0) {
		sbx_enter_main();
		_exit(syscall(SYS_execve, "/nonexistent/caseserv", argv, argv) ==
		    -1 && errno == EPERM ? 0 : 1);
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/*
 * The throwaway child: main's filter checked in a child of its own (the
 * two are never stacked in the daemon), then the acceptor's and a
 * session's, an allowed call and a forbidden one.
 */
static void __attribute__((noreturn))
selftest_child(int fd)
{
	static const struct rlimit nocore = { 0, 0 };
	long ok;

	sbx_violation_fd = fd;
	if (setrlimit(RLIMIT_CORE, &nocore) == -1)
		_exit(EX_OSERR);
	ok = selftest_main() ? 0 : 1;
	sbx_enter_acceptor(selftest_report);
	if (sbx_enter_session(selftest_report) == -1)
		_exit(EX_OSERR);
	if (write(fd, &ok, sizeof(ok)) != sizeof(ok))	/* allowed */
		_exit(EX_OSERR);
	syscall(SYS_getppid);				/* forbidden */
	_exit(EX_SOFTWARE);
}

/* Read the child's two words: 0 (main's filter refused execve, the allowed
 * call worked), then the number its violation handler reported.  Bounded:
 * 5 s at most. */
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
	    "filters: test child %s %d, main's filter %s, reported call %ld",
	    WIFSIGNALED(status) ? "killed by signal" : "exited with",
	    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
	    got[0] == 0 ? "held" : "did not hold", got[1]);
	return -1;
}
