/*
 * supervisor.h - the master's loop: accept, admit or refuse, fork a
 * session, reap it, log it; reload, stats and graceful stop on signals.
 */
#ifndef CASESERV_SUPERVISOR_H
#define CASESERV_SUPERVISOR_H

#include "conf.h"
#include "listeners.h"

/* Install signal handlers and the report socket; before privileges drop. */
void sup_init(void);
/*
 * Serve until SIGTERM/SIGINT, then stop gracefully.  cfg and set are the
 * supervisor's from now on (replaced on reload).  Returns the exit status.
 */
int sup_run(struct cfg *cfg, struct lsn_set *set);

#endif
