/*
 * spawner.h - sessions forked ahead of need.
 *
 * The acceptor forks the spawner once, at its start, while it holds
 * almost nothing: a process with one descriptor (its socket pair with
 * the acceptor) and a small memory, under a filter of its own.  For each
 * byte the acceptor writes, it clones a session with CLONE_PARENT (the
 * acceptor's child, reaped by its SIGCHLD handler), which locks itself
 * down and waits for a client (session.h: ses_pool_run), and sends the
 * acceptor the new session's pid, its pidfd and the acceptor's end of
 * its channel (SCM_RIGHTS).  Neither the clone nor the lock-down is on
 * the accept path any more, and a session never inherits the acceptor's
 * descriptors or the pages it dirtied.
 */
#ifndef CASESERV_SPAWNER_H
#define CASESERV_SPAWNER_H

#include <stddef.h>
#include <sys/types.h>

#define SPW_MAGIC	0x43535357u	/* "CSSW" */
#define SPW_VERSION	1
#define SPW_SIZE	16		/* bytes on the wire, exactly */

/* What the spawner says: a new session, or why it could not make one. */
struct spw_born {
	pid_t	pid;		/* 0: none (err says why) */
	int	err;		/* errno of the failed socketpair or clone */
	int	pidfd;		/* the session's, ours now; -1 with err */
	int	chan;		/* our end of its channel; -1 with err */
};

/*
 * In the acceptor, before its filter: fork the spawner.  Its pid, with
 * *fd our end of the pair (non-blocking, close-on-exec) and *pidfd; -1
 * on failure (errno set).  acceptor: our pid, the sessions' parent.
 */
pid_t spw_start(int *fd, int *pidfd, pid_t acceptor);
/*
 * The spawner runs as a fresh image of the binary: main() hands over to
 * spw_exec_main() (which does not return) when spw_is_exec() says its
 * arguments are the marker the acceptor gave it.
 */
#define SPW_EXEC_ARG	"--spawner"
int spw_is_exec(int argc, char **argv);
/* Called by caseserv's main(): the spawner may execute /proc/self/exe
 * (a test program running an acceptor of its own never does). */
void spw_exec_allow(void);
void spw_exec_main(void) __attribute__((noreturn));
/* Ask for n more sessions (n <= 64).  0, or -1 (errno set). */
int spw_request(int fd, unsigned n);
/*
 * The spawner's next word: 1 and *b; 0 when there is none now; -1 when
 * the spawner is gone or said something malformed (it is not used again).
 * SECURITY: checked as a record from another process: its size, magic,
 * version, a pid with exactly two descriptors, or an errno with none.
 */
int spw_receive(int fd, struct spw_born *b);
/* For the tests: the record's checks alone.  0 or -1. */
int spw_decode(const unsigned char *buf, size_t len, int nfds,
    struct spw_born *b);

#endif
