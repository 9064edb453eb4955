/*
 * privs.h - who the daemon runs as, and the one place privileges are dropped.
 */
#ifndef CASESERV_PRIVS_H
#define CASESERV_PRIVS_H

#include <sys/types.h>

#include "conf.h"

struct prv_ids {
	int	 as_root;	/* started as root: the drop applies */
	uid_t	 uid;
	gid_t	 gid;
	char	 user[64];
};

/*
 * Resolve cfg->user/cfg->group.  As root an unknown user or group is
 * fatal with EX_NOUSER; as non-root the invoking account is kept (a notice
 * is logged).
 */
void prv_lookup(const struct cfg *cfg, struct prv_ids *ids);
/*
 * Not started as root, with supplementary groups besides the primary one
 * (which only root can drop): 1 and the warning in buf ("privileges: not
 * started as root: supplementary groups disk, shadow are kept (only root
 * can drop them)"); else 0.
 */
int prv_groups_kept(char *buf, size_t len);
/*
 * Started as root: can the run user open each of files (what a reload
 * reads again)?  Checked in a short-lived child that takes the user's ids
 * as the drop will.  0; or -1 with "FILE: not readable by user U (reload
 * would fail): reason" (the first such file) in err.  Not root: 0.
 */
int prv_check_read(const struct prv_ids *ids, char *const *files,
    size_t nfiles, char *err, size_t errlen);
/*
 * Drop privileges for good, in a fixed order; fatal (EX_OSERR) on any
 * failure, and checks afterwards that root cannot come back.  keep_bind:
 * keep CAP_NET_BIND_SERVICE (a listener below 1024).  Sets NO_NEW_PRIVS.
 */
void prv_drop(const struct prv_ids *ids, int keep_bind);
/* In a session: no capability left in any set.  0 or -1. */
int prv_drop_session(void);
/* In the acceptor: no capability left in any set, checked; fatal on
 * failure. */
void prv_drop_acceptor(void);

#endif
