/*
 * activation.h - socket activation: listening sockets handed over by the
 * service manager ($LISTEN_FDS, $LISTEN_PID, $LISTEN_FDNAMES, as systemd
 * and its imitators pass them: descriptors 3 .. 3+N-1).
 */
#ifndef CASESERV_ACTIVATION_H
#define CASESERV_ACTIVATION_H

#include "listeners.h"

/*
 * First thing at start, before any descriptor is opened or closed: read
 * and unset the variables.  Returns how many descriptors from 3 on were
 * handed to us (0: none), which the descriptor clean-up must keep.
 * Nothing is logged yet: see act_listeners().
 */
int act_take(void);
/*
 * Once logging is set up: report what act_take() found wrong, and put the
 * handed sockets into set (logged "listening on ADDR (socket activation)").
 * Returns their count; 0 when not activated.  A descriptor that is not a
 * listening TCP socket is fatal (exit 71).  cfg's `listen` is not used
 * then; a proxy_protocol in it is warned about: the handed sockets serve
 * direct clients.
 */
size_t act_listeners(struct lsn_set *set, const struct cfg *cfg);

#endif
