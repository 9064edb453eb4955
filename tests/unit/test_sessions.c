/*
 * test_sessions.c - the acceptor's book of sessions with real children:
 * spawned with a pidfd and a channel, reaped by the SIGCHLD handler into
 * the ring, each record read once from its own channel, signalled
 * through the pidfd.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "session.h"
#include "sessions.h"

static void
on_chld(int sig)
{
	(void)sig;
	sst_reap();
}

static int
setup(void **state)
{
	struct sigaction sa;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigfillset(&sa.sa_mask);
	return sigaction(SIGCHLD, &sa, NULL);
}

enum behaviour { B_RECORD, B_NOTHING, B_TWO, B_SHORT, B_WAIT };

/* In the child: what it writes to its channel, then exit. */
static void __attribute__((noreturn))
child(enum behaviour b, int chan)
{
	struct rpt_record r = { .type = RPT_CLOSE, .reason = SES_EOF, .in = 11,
	    .out = 12 };
	unsigned char buf[RPT_SIZE];
	sigset_t none;

	rpt_encode(&r, buf);
	if (b == B_RECORD || b == B_TWO)
		(void)!write(chan, buf, sizeof(buf));
	if (b == B_TWO)
		(void)!write(chan, buf, sizeof(buf));
	if (b == B_SHORT)
		(void)!write(chan, buf, sizeof(buf) - 1);
	if (b == B_WAIT) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGTERM, SIG_DFL);
		(void)poll(NULL, 0, 10000);
	}
	_exit(0);
}

static pid_t
spawn(enum behaviour b)
{
	struct sst_session *s;
	int chan;
	pid_t pid = sst_spawn(&s, &chan);

	assert_true(pid != -1);
	if (pid == 0)
		child(b, chan);
	assert_int_equal(s->pid, pid);
	assert_true(s->pidfd >= 0 && s->chan >= 0);
	s->peer[0] = (char)('0' + b);
	return pid;
}

/* Collect n exits (bounded); counts of each record verdict. */
static void
collect(size_t n, int got[3], int *signalled)
{
	struct sst_session *s;
	struct rpt_record rep;
	int status, waited = 0;
	pid_t pid;

	memset(got, 0, 3 * sizeof(int));
	*signalled = 0;
	while (n > 0 && waited < 1000) {
		if (!sst_next_exit(&s, &pid, &status)) {
			usleep(10000);
			waited++;
			continue;
		}
		if (s == NULL)		/* not one of ours */
			continue;
		got[sst_record(s, &rep) + 1]++;
		*signalled += WIFSIGNALED(status);
		assert_int_equal(s->chan, -1);
		sst_remove(s);
		n--;
	}
	assert_int_equal(n, 0);
}

/* One record, none, two, a short one: 1, 0, -1, -1; no other
 * session's channel is ever read. */
static void
records(void **state)
{
	int got[3], sig;

	(void)state;
	spawn(B_RECORD);
	spawn(B_NOTHING);
	spawn(B_TWO);
	spawn(B_SHORT);
	assert_int_equal(sst_active(), 4);
	collect(4, got, &sig);
	assert_int_equal(got[2], 1);		/* one valid record */
	assert_int_equal(got[1], 1);		/* nothing */
	assert_int_equal(got[0], 2);		/* two, and a short one */
	assert_int_equal(sig, 0);
	assert_int_equal(sst_active(), 0);
}

/* Many at once: the table grows, every exit is collected. */
static void
many(void **state)
{
	int got[3], sig;

	(void)state;
	for (int i = 0; i < 300; i++)
		spawn(B_RECORD);
	assert_int_equal(sst_active(), 300);
	collect(300, got, &sig);
	assert_int_equal(got[2], 300);
	assert_int_equal(sst_active(), 0);
}

/* A table grown for a crowd shrinks once it is gone, and only then;
 * entries survive the rebuild. */
static void
shrinks(void **state)
{
	int got[3], sig;
	size_t big;

	(void)state;
	for (int i = 0; i < 300; i++)
		spawn(B_RECORD);
	big = sst_capacity();
	assert_true(big >= 600);
	assert_int_equal(sst_shrink(), 0);	/* still full enough */
	collect(290, got, &sig);
	assert_int_equal(sst_active(), 10);
	assert_int_equal(sst_shrink(), 1);
	assert_true(sst_capacity() < big);
	assert_true(sst_capacity() >= 4 * sst_active());
	assert_int_equal(sst_shrink(), 0);	/* once is enough */
	collect(10, got, &sig);			/* still found after it */
	assert_int_equal(got[2], 10);
	assert_int_equal(sst_active(), 0);
	(void)sst_shrink();
	assert_int_equal(sst_capacity(), 64);
}

/* Signals go through the pidfds: every waiting child ends by SIGTERM;
 * no descriptor is left behind. */
static void
signalled(void **state)
{
	int got[3], sig, before, after;

	(void)state;
	before = dup(0);
	close(before);
	for (int i = 0; i < 5; i++)
		spawn(B_WAIT);
	usleep(100000);
	sst_signal_all(SIGTERM);
	collect(5, got, &sig);
	assert_int_equal(sig, 5);
	assert_int_equal(got[1], 5);
	after = dup(0);
	close(after);
	assert_int_equal(after, before);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(records),
		cmocka_unit_test(many),
		cmocka_unit_test(shrinks),
		cmocka_unit_test(signalled),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
