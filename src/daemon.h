/*
 * daemon.h - detaching, the pidfile, and readiness for service managers.
 */
#ifndef CASESERV_DAEMON_H
#define CASESERV_DAEMON_H

#include <sys/types.h>

#include <stdint.h>

/*
 * First thing at start: descriptors 0-2 open (on /dev/null where they were
 * closed, so no socket or pipe of ours can land there), nothing else
 * inherited from whoever started us but the keep descriptors from 3 on
 * (the sockets of socket activation).
 */
void dmn_clean_fds(int keep);
/*
 * Detach: fork, setsid, chdir /.  The parent stays until dmn_ready() or
 * until the child exits, and exits with the child's status, so the command
 * that started the daemon reports start-up failures.  Standard streams stay
 * open until dmn_ready() so a failure can still be printed.
 */
void dmn_detach(void);
/*
 * Create and lock the pidfile, before binding, so that a second instance
 * is told which pid runs.  An existing file must be a regular file (not
 * followed if a link) with one name, owned by us or by run_uid (the user
 * it is handed to, who may have left it behind).  Returns 0, or -1 with
 * err set (the message names the running pid when another instance holds
 * the lock).  Warns when others may write its directory (not sticky).
 */
int dmn_pidfile_open(const char *path, uid_t run_uid, char *err,
    size_t errlen);
/* Once listening: write our pid into it (nothing without a pidfile). */
int dmn_pidfile_write(char *err, size_t errlen);
/* Hand the pidfile to the account the daemon drops to, so it can remove it. */
void dmn_pidfile_chown(uid_t uid, gid_t gid);
void dmn_pidfile_remove(void);
/*
 * In a child of main (the acceptor), first thing: standard streams to
 * /dev/null when detaching (standard error kept with -e), and the
 * descriptors that are main's alone closed and forgotten: the pipe to the
 * waiting parent, the pidfile (so no exit here removes it), the notify
 * socket.
 */
void dmn_child(int keep_stderr);
/* Open $NOTIFY_SOCKET now, while the file system is still reachable. */
void dmn_notify_init(void);
/*
 * sd_notify-style state string ("READY=1", "RELOADING=1", "STOPPING=1",
 * "STATUS=...", "WATCHDOG=1").
 */
void dmn_notify(const char *state);
/* Is there a service manager to tell ($NOTIFY_SOCKET opened)? */
int dmn_notify_enabled(void);
/*
 * $WATCHDOG_USEC when it is meant for us ($WATCHDOG_PID unset or ours) and
 * there is a socket to send WATCHDOG=1 on; 0: no watchdog.
 */
uint64_t dmn_watchdog_usec(void);
/*
 * Listening: release the waiting parent, standard streams to /dev/null
 * (standard error kept when it is the log, -e), READY=1.
 */
void dmn_ready(int keep_stderr);

#endif
