/*
 * child.c - child processes held by a pidfd.
 *
 * A process that signals its children by pid can, if compromised, signal
 * any process of its account, and between a child's exit and its reaping
 * a pid can even be reused.  Here every child comes with a pidfd from the
 * clone() that made it, and is signalled through it: the acceptor's
 * filter then allows pidfd_send_signal() but neither kill() of another
 * pid nor pidfd_open(), so it can reach its own children and nothing
 * else.  glibc's fork() cannot return a pidfd (its clone3 path is out of
 * a filter's sight anyway), hence the raw system call.
 */
#include "config.h"

#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"

#ifndef P_PIDFD
#define P_PIDFD	3
#endif

pid_t
chd_spawn(int *pidfd)
{
	int fd = -1;
	long pid;

	/* SECURITY: exactly these flags; the acceptor's filter allows clone
	 * with this value of its first argument and no other.  The child
	 * shares nothing and runs on a copy of this stack, as after fork().
	 * The pidfd is written where the parent's tid would be: the third
	 * argument on every architecture but s390's. */
#if defined(__s390__) || defined(__s390x__)
	pid = syscall(SYS_clone, 0, CLONE_PIDFD | SIGCHLD, &fd, NULL, 0);
#else
	pid = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &fd, NULL, 0);
#endif
	if (pid > 0)
		*pidfd = fd;
	return (pid_t)pid;
}

pid_t
chd_spawn_sibling(int *pidfd)
{
	int fd = -1;
	long pid;

	/* SECURITY: exactly these flags (the spawner's filter allows no
	 * other value).  CLONE_PARENT makes the child our parent's: its
	 * exit is reported there (with our own exit signal, SIGCHLD: the
	 * kernel takes the caller's for CLONE_PARENT, not the one given),
	 * its parent-death signal follows that parent, and getppid() names
	 * it.  The pidfd still comes back to us, the caller. */
#if defined(__s390__) || defined(__s390x__)
	pid = syscall(SYS_clone, 0, CLONE_PARENT | CLONE_PIDFD | SIGCHLD, &fd,
	    NULL, 0);
#else
	pid = syscall(SYS_clone, CLONE_PARENT | CLONE_PIDFD | SIGCHLD, 0, &fd,
	    NULL, 0);
#endif
	if (pid > 0)
		*pidfd = fd;
	return (pid_t)pid;
}

pid_t
chd_spawn_paired(int pair[2], int *pidfd)
{
	sigset_t all, old;
	int saved;
	pid_t pid;

	/* Refused, old would be garbage: restoring it could block SIGCHLD
	 * for good, and no child would ever be reaped. */
	sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, &old) == -1) {
		saved = errno;
		close(pair[0]);
		close(pair[1]);
		errno = saved;
		return -1;
	}
	if ((pid = chd_spawn(pidfd)) == 0) {
		close(pair[0]);
		return 0;
	}
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(pair[1]);
	if (pid == -1) {
		close(pair[0]);
		errno = saved;
	}
	return pid;
}

int
chd_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int
chd_is_child(pid_t pid)
{
	siginfo_t si;

	if (pid <= 0)
		return 0;
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0;
}

int
chd_pidfd_is_child(int pidfd)
{
	siginfo_t si;

	if (pidfd < 0)
		return 0;
	return waitid(P_PIDFD, (id_t)pidfd, &si,
	    WEXITED | WNOHANG | WNOWAIT) == 0;
}
