/*
 * landlock.h - the second wall: Landlock rulesets for each process role.
 *
 * Best effort, as the kernel documentation asks: each function handles
 * only the access rights that the running kernel's Landlock ABI knows,
 * and returns the ABI it put in force (0: the kernel has no Landlock, or
 * it is disabled; nothing was restricted).  -1 (errno set) only when the
 * kernel has Landlock and restricting failed: the caller must then stop,
 * since the wall it relies on is not standing.
 *
 * Each call adds a layer for the calling thread and its future children;
 * no layer can ever be removed.  PR_SET_NO_NEW_PRIVS is set first.
 */
#ifndef CASESERV_LANDLOCK_H
#define CASESERV_LANDLOCK_H

#include <stddef.h>

/* The highest ABI whose rights this build handles. */
#define LL_ABI_KNOWN	5

/*
 * The kernel's Landlock ABI (cached after the first call): 0 when Landlock
 * is not built in or disabled at boot.  Call it once before any seccomp
 * filter, so that later calls cost nothing.
 */
int ll_abi(void);
/* The ABI a restriction puts in force here: min(ll_abi(), LL_ABI_KNOWN). */
int ll_abi_used(void);
/*
 * One line for the log and for -t: "landlock: ABI 5 in force (kernel ABI
 * 7)", "landlock: ABI 4 in force", "landlock: not supported by this
 * kernel", "landlock: disabled in this kernel".
 */
const char *ll_describe(char *buf, size_t len);
/*
 * A session: no file access at all, and (ABI >= 4) no TCP bind or
 * connect.  Every right is handled and no rule is added.
 */
int ll_restrict_session(void);
/* The acceptor (privsep layout): the same walls as a session. */
int ll_restrict_acceptor(void);
/*
 * The main process: read-only access beneath each of read_paths (NULL
 * terminated: the configuration's and the @include files' directories)
 * and beneath what NSS reads (/etc, /usr, /lib*, the resolver's
 * directory under /run); beneath write_dir (the pidfile's directory, or
 * NULL) it may also write, truncate and remove files.  No right to make
 * anything anywhere, nor to execute.  Network rights are not handled:
 * reload binds any configured port, and an NSS module may connect where
 * it must (DNS over TCP, LDAP, NIS).  A path that does not exist is
 * skipped.
 */
int ll_restrict_main(const char *const *read_paths, const char *write_dir);

#endif
