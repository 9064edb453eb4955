/*
 * proctitle.h - what ps(1) shows for each process (SPEC section 5).
 *
 * The classic technique: the argv strings (and the environment strings
 * that follow them) are one block of memory the kernel shows as
 * /proc/PID/cmdline; the program's own copies move to the heap, and the
 * block is overwritten with the title.  Setting it needs no system call,
 * so a session can still do it under the master's filter.
 */
#ifndef CASESERV_PROCTITLE_H
#define CASESERV_PROCTITLE_H

#include "log.h"

/*
 * First thing in main(): copy argv's strings and the environment to the
 * heap and repoint argv[] and environ at the copies, so that nothing reads
 * the block after it is overwritten.  On failure titles stay off.
 */
void pt_init(int argc, char **argv);
/* "caseserv: " and the formatted text, cut to the block's size. */
void pt_set(const char *fmt, ...) LOG_FMT(1, 2);
/* "caseserv: " and the strings up to the NULL, one after the other, cut
 * the same way.  No stdio: what a session sets under its filter, whose
 * code would be pages every session faults in (bench/README.md). */
void pt_title(const char *s, ...) __attribute__((sentinel));
/* The kernel's 15-byte name (comm: top, pgrep, the audit log). */
void pt_name(const char *name);

#endif
