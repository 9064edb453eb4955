/*
 * inetd.h - -i: serve the one connection on standard input and output
 * (inetd, xinetd, tcpserver, systemd Accept=yes), then exit.
 */
#ifndef CASESERV_INETD_H
#define CASESERV_INETD_H

#include "conf.h"

/*
 * Straight after the command line, before logging starts: standard error
 * must never carry log lines to the client, who may be on it (inetd and
 * systemd hand the connection over as 0, 1 and 2).  Without -e it is
 * pointed at /dev/null; with -e, if it is the client's connection,
 * *to_stderr is cleared and the log goes to syslog instead.
 */
void ind_stdio(int *to_stderr);
/*
 * Serve the connection: check the peer against allow/deny, drop
 * privileges, enter the acceptor's filter, fork the session (locked down
 * exactly as the daemon's), log `open` and `close`.  Returns the exit
 * status: 0 for a session that ended normally or a refused peer.
 */
int ind_run(const struct cfg *cfg);

#endif
