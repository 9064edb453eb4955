/*
 * test_supervisor.c - the acceptor's statics that no client can steer:
 * the names of signals in its log lines.  The session table it used to
 * hold lives in sessions.c now and is tested there (test_sessions.c);
 * the daemon-level behaviour (every session's close line, under load and
 * when the reap ring overflows) is test_paths.c's.  The module is
 * included to reach its statics.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "supervisor.c"

static void
names(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(sup_signame(SIGKILL, buf, sizeof(buf)), "SIGKILL");
	assert_string_equal(sup_signame(SIGSYS, buf, sizeof(buf)), "SIGSYS");
	/* A real-time or unknown signal has no name: its number. */
	assert_string_equal(sup_signame(200, buf, sizeof(buf)), "200");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
