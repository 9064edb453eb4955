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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wait_none),
		cmocka_unit_test(test_wait_nearer),
		cmocka_unit_test(test_wait_idle_passed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
