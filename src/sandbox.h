/*
 * sandbox.h - the seccomp filters of the master and of every session.
 *
 * Both filters are built once, at start-up, in the master; a session only
 * installs its precompiled program (one system call).
 */
#ifndef CASESERV_SANDBOX_H
#define CASESERV_SANDBOX_H

/* Build both filters; fatal (EX_OSERR) if libseccomp cannot. */
void sbx_init(void);
/* Enter the master's filter; fatal on failure. */
void sbx_enter_master(void);
/*
 * Enter the session's filter.  A forbidden system call that has a name
 * calls on_violation(nr) from the SIGSYS handler (it must be
 * async-signal-safe); any other number is killed outright.  Either way the
 * process dies of SIGSYS.  0 or -1 (errno set).
 */
int sbx_enter_session(void (*on_violation)(long nr));
/*
 * For -t: load both filters in a throwaway child and check that they are
 * enforced.  0, or -1 with a message in err.
 */
int sbx_selftest(char *err, size_t errlen);
/* Name of a system call number of this architecture, or "?" (master only). */
const char *sbx_syscall_name(long nr, char *buf, size_t len);

#endif
