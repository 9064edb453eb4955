/*
 * supervisor.h - the acceptor: accept, admit or refuse, spawn a session,
 * reap it, log it; with the settings and listeners main sends.
 */
#ifndef CASESERV_SUPERVISOR_H
#define CASESERV_SUPERVISOR_H

#include <sys/types.h>

/*
 * In the acceptor, straight after main's chd_spawn(), with every signal
 * blocked: lock the process down (main's descriptors closed but chan and
 * logfd, no capability, its filter), then serve until main says stop (or
 * is gone) and every session has ended.  chan: its end of the channel to
 * main; logfd: a socket connected to syslog, or -1 (-e); main: main's
 * pid.  Never returns.
 */
void sup_acceptor(int chan, int logfd, int keep_stderr, pid_t main)
    __attribute__((noreturn));

#endif
