/*
 * test_session.c - the session's deadlines: which one poll() waits for,
 * and that one already passed is never mistaken for none.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/wait.h>

#include "session.c"

static struct ses_params
params(int idle, int session)
{
	return (struct ses_params){ .idle_timeout = idle,
	    .session_timeout = session };
}

/* No timeout configured: poll() waits for ever. */
static void
test_wait_none(void **state)
{
	struct ses_params p = params(0, 0);
	int64_t now = ses_now_ms();
	int which = -1;

	(void)state;
	assert_int_equal(ses_wait_ms(&p, now, now, &which), -1);
	assert_int_equal(which, SES_OK);
}

/* The nearer deadline wins, whichever it is. */
static void
test_wait_nearer(void **state)
{
	struct ses_params p = params(2, 8);
	int64_t now = ses_now_ms();
	int which = -1, ms;

	(void)state;
	ms = ses_wait_ms(&p, now, now, &which);
	assert_int_equal(which, SES_IDLE);
	assert_true(ms > 1000 && ms <= 2000);
	/* Seven seconds in, active half a second ago: the session deadline is
	 * nearer. */
	ms = ses_wait_ms(&p, now - 7000, now - 500, &which);
	assert_int_equal(which, SES_TIMEOUT);
	assert_true(ms > 0 && ms <= 1000);
}

/*
 * Issue 12: the idle deadline has passed (silent for 3 s of idle 2) while
 * the session deadline (8 s) is still ahead: the session ends now, idle.
 * It used to wait for the session deadline instead.
 */
static void
test_wait_idle_passed(void **state)
{
	struct ses_params p = params(2, 8);
	int64_t now = ses_now_ms();
	int which = -1;

	(void)state;
	assert_int_equal(ses_wait_ms(&p, now - 3000, now - 3000, &which), 0);
	assert_int_equal(which, SES_IDLE);
	/* Idle alone, passed: the same. */
	p = params(2, 0);
	assert_int_equal(ses_wait_ms(&p, now - 3000, now - 3000, &which), 0);
	assert_int_equal(which, SES_IDLE);
	/* Both passed: whichever passed first. */
	p = params(2, 3);
	assert_int_equal(ses_wait_ms(&p, now - 5000, now - 3000, &which), 0);
	assert_int_equal(which, SES_TIMEOUT);
}

/* Every reason the master may receive has its log name; others do not. */
static void
test_reason_names(void **state)
{
	static const char *const want[SES_NREASONS] = {
		"ok", "eof", "idle_timeout", "session_timeout", "byte_limit",
		"reset", "shutdown", "error", "sandbox", "proxy_error",
	};

	(void)state;
	for (int r = 0; r < SES_NREASONS; r++)
		assert_string_equal(ses_reason_name(r), want[r]);
	assert_string_equal(ses_reason_name(-1), "unknown");
	assert_string_equal(ses_reason_name(SES_NREASONS), "unknown");
}

/*
 * Closing all but the kept descriptors, in any order, adjacent or not:
 * exactly those stay open.  (In a child: it closes nearly everything.)
 */
static void
test_close_others(void **state)
{
	static const int keeps[][3] = {
		{ 9, 5, 7 }, { 5, 6, 7 }, { 7, 6, 5 }, { 0, 9, 3 }, { 12, 3, 3 },
	};

	(void)state;
	for (size_t t = 0; t < sizeof(keeps) / sizeof(keeps[0]); t++) {
		int status;
		pid_t pid = fork();

		assert_true(pid != -1);
		if (pid == 0) {
			int open_ok = 1;

			for (int fd = 0; fd < 16; fd++)
				if (fcntl(fd, F_GETFD) == -1 &&
				    dup2(2, fd) == -1)
					_exit(3);
			if (ses_close_others(keeps[t], 3) == -1)
				_exit(4);
			for (int fd = 0; fd < 16; fd++) {
				int kept = fd == keeps[t][0] ||
				    fd == keeps[t][1] || fd == keeps[t][2];

				open_ok &= (fcntl(fd, F_GETFD) != -1) == kept;
			}
			_exit(open_ok ? 0 : 5);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	/* More than three is a caller's mistake, refused. */
	assert_int_equal(ses_close_others((const int[]){ 3, 4, 5, 6 }, 4), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wait_none),
		cmocka_unit_test(test_wait_nearer),
		cmocka_unit_test(test_wait_idle_passed),
		cmocka_unit_test(test_reason_names),
		cmocka_unit_test(test_close_others),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
