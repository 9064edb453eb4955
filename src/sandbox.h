/*
 * sandbox.h - the seccomp filters of main, the acceptor and every session.
 *
 * The session's is built once, at start-up, in main, so that a session
 * only installs its precompiled program (one system call); main's and the
 * acceptor's are built by the process that enters them, as their rules
 * name its pid.
 */
#ifndef CASESERV_SANDBOX_H
#define CASESERV_SANDBOX_H

#include <stddef.h>

/* Build the session's filter; fatal (EX_OSERR) if libseccomp cannot. */
void sbx_init(void);
/*
 * Enter main's deny-list: what main never needs fails with an errno
 * (EPERM, EAFNOSUPPORT, ENOSYS), everything else is allowed.  Fatal on
 * failure.
 */
void sbx_enter_main(void);
/*
 * Enter the acceptor's allow-list.  A forbidden system call that has a
 * name calls on_violation(nr) from the SIGSYS handler (async-signal-safe);
 * then, or for any other number at once, the process dies of SIGSYS.
 * Fatal on failure.
 */
void sbx_enter_acceptor(void (*on_violation)(long nr));
/*
 * Enter the spawner's allow-list (built by sbx_init with the session's):
 * its loop, and what its sessions do before they enter their own.  A
 * violation kills it with SIGSYS.  0 or -1 (errno set).
 */
int sbx_enter_spawner(void);
/* Enter the session's filter, violations as above.  0 or -1 (errno set). */
int sbx_enter_session(void (*on_violation)(long nr));
/*
 * For -t: load the filters in a throwaway child and check that they are
 * enforced.  0, or -1 with a message in err.
 */
int sbx_selftest(char *err, size_t errlen);
/* Name of a system call number of this architecture, or "?". */
const char *sbx_syscall_name(long nr, char *buf, size_t len);

#endif
