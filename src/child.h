/*
 * child.h - child processes held by a pidfd: the acceptor (main's child)
 * and every session (the acceptor's).
 */
#ifndef CASESERV_CHILD_H
#define CASESERV_CHILD_H

#include <sys/types.h>

/*
 * fork(), as clone(CLONE_PIDFD | SIGCHLD): in the parent, the child's pid
 * and *pidfd a close-on-exec descriptor that names that very process (no
 * pid reuse can make it name another); in the child 0; -1 on failure
 * (errno set).  Not glibc's fork(): no atfork handlers run, so the caller
 * must be single-threaded and the child must not rely on them.
 */
pid_t chd_spawn(int *pidfd);
/*
 * The same, with CLONE_PARENT: the child is our parent's (the spawner
 * makes sessions that are the acceptor's children); the pidfd is ours.
 */
pid_t chd_spawn_sibling(int *pidfd);
/*
 * chd_spawn() for a child that talks to us over a socket pair, with every
 * signal blocked in the caller across the clone, so that none of the
 * caller's handlers runs in the child before it sets its own.  In the
 * parent: the pid, pair[1] closed, pair[0] kept, the mask as it was.  In
 * the child: 0, pair[0] closed, pair[1] kept, every signal still blocked.
 * -1 on failure (errno set), both ends closed.
 */
pid_t chd_spawn_paired(int pair[2], int *pidfd);
/* Send sig to the process pidfd names.  0, or -1 (errno set). */
int chd_signal(int pidfd, int sig);
/*
 * Whether pid is a child of ours not reaped yet (running, or exited and
 * waiting to be reaped): waitid(WNOWAIT) looks and takes nothing.
 */
int chd_is_child(pid_t pid);
/* The same for the process a pidfd names: 0 too when fd is no pidfd. */
int chd_pidfd_is_child(int pidfd);

#endif
