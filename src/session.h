/*
 * session.h - one client connection, served by its own forked child.
 *
 * The child never logs: it tells the acceptor how it ended with one
 * fixed-size record (report.h) written to its own channel, a socket pair
 * no other session shares, and the acceptor writes the `close` line.
 * Behind a PROXY-protocol listener it reads the header inside its
 * sandbox, names the client on the same channel and waits for the
 * acceptor's verdict before it serves a byte.
 */
#ifndef CASESERV_SESSION_H
#define CASESERV_SESSION_H

#include <stdint.h>
#include <sys/types.h>

enum ses_reason {
	SES_OK,			/* not ended (internal to the loop) */
	SES_EOF,		/* the client closed or half-closed */
	SES_IDLE,		/* idle_timeout */
	SES_TIMEOUT,		/* session_timeout */
	SES_BYTELIMIT,		/* max_session_bytes */
	SES_RESET,		/* the connection was reset or broke */
	SES_SHUTDOWN,		/* the daemon is stopping */
	SES_ERROR,		/* a local failure (sandbox set-up, ...) */
	SES_SANDBOX,		/* a forbidden system call */
	SES_PROXY_ERROR,	/* no valid PROXY header in proxy_timeout */
	SES_NREASONS
};

struct ses_params {
	int		 idle_timeout;		/* seconds, 0 = none */
	int		 session_timeout;	/* seconds, 0 = none */
	int64_t		 max_bytes;		/* 0 = no limit */
	pid_t		 parent;		/* the acceptor, to notice it is gone */
	const char	*title;			/* for ps: "session [::1]:40312" */
	/* A PROXY-protocol listener: seconds the proxy has to send its
	 * header (0: none comes), and its name for the title. */
	int		 proxy_timeout;
	const char	*via;
};

/*
 * The client's descriptors: one socket (rfd == wfd, the daemon's case and
 * -i on a socket), or an input and a separate output (-i on two pipes).
 */
struct ses_conn {
	int	rfd;
	int	wfd;
	int	report_fd;		/* its channel (-i: a pipe's write end) */
};

/*
 * In the child, right after fork(): lock the process down, serve the
 * client until the session ends, write its record to report_fd and exit.  Never
 * returns.
 */
void ses_run(const struct ses_conn *c, const struct ses_params *p)
    __attribute__((noreturn));
/*
 * In a session forked ahead of need (by the spawner, as the acceptor's
 * child): the same lock-down with only its channel, chan, then wait
 * there for the hand-over (the client's socket and its settings, see
 * report.h) and serve that one client as ses_run() does.  A channel
 * closed while waiting ends it silently.  Never returns.
 */
void ses_pool_run(int chan, pid_t acceptor) __attribute__((noreturn));
const char *ses_reason_name(int reason);

#endif
