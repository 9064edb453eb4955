/*
 * exit_dump.c - coverage builds only (configure --enable-coverage): every
 * _exit() of ours is linked to this wrapper (-Wl,--wrap=_exit), which has
 * libgcov write the counters first.  Sessions, the detaching parent and
 * the sandbox's test children all end with _exit(), which skips the dump
 * libgcov does at exit(); without this their lines would count as never
 * run.  The filters let the dump through in these builds only
 * (src/sandbox.c, docs/SECURITY.md).  Linked into libcaseserv.a and the
 * test library; it lives here, not in src/, as it is no part of the
 * daemon and its coverage is not the daemon's.
 */
#include "config.h"

#include <unistd.h>

void __gcov_dump(void);
void __real__exit(int) __attribute__((noreturn));
void __wrap__exit(int) __attribute__((noreturn));

void
__wrap__exit(int status)
{
	__gcov_dump();
	__real__exit(status);
}
