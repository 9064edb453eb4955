/*
 * parent.h - main: the process the service manager and the pidfile
 * know.  It keeps the configuration, the listening sockets and the
 * pidfile, reloads, answers the service manager, and keeps the acceptor
 * (supervisor.c) running with what it needs.
 */
#ifndef CASESERV_PARENT_H
#define CASESERV_PARENT_H

#include "conf.h"
#include "listeners.h"

/* Signal handlers, before anything is bound: SIGTERM then stops cleanly. */
void par_init(void);
/*
 * Fork the acceptor (which never returns here) and send it its settings
 * and the listeners.  Fatal on failure.  Before main's filter.
 */
void par_start(const struct cfg *cfg, const struct lsn_set *set,
    int keep_stderr);
/*
 * main's Landlock layer: read beneath the configuration's directories and
 * what NSS reads, write beneath the pidfile's directory.  Fatal on failure.
 */
void par_restrict(const struct cfg *cfg);
/* Wait until the acceptor has its configuration in force; fatal if it
 * dies first. */
void par_wait_ready(void);
/*
 * Serve until SIGTERM/SIGINT, then stop the acceptor and wait for it.
 * cfg and set are main's from now on (replaced on reload).  Returns the
 * exit status: 0, or EX_SOFTWARE when the acceptor died.
 */
int par_run(struct cfg *cfg, struct lsn_set *set);

#endif
