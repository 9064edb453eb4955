/*
 * test_sessions.c - the acceptor's book of sessions.  The table alone
 * (open addressing on the pid, linear probing, deletion by shifting
 * back) with colliding pids and a wrap-around, checked against a plain
 * list; then real children: spawned with a pidfd and a channel, reaped
 * by the SIGCHLD handler into the ring, each record read once from its
 * own channel, signalled through the pidfd.  The module is included to
 * reach its statics.  The daemon-level behaviour (every session's close
 * line, under load and when the reap ring overflows) is test_paths.c's.
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
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "session.h"
#include "sessions.c"

/* ---- the table alone ---------------------------------------------------- */

/* Start from an empty table. */
static void
reset(void)
{
	free(sst.tab);
	sst.tab = NULL;
	sst.cap = sst.active = 0;
}

/* Insert as sup_spawn does: room first, then the slot. */
static struct sst_session *
add(pid_t pid)
{
	struct sst_session *s;

	assert_int_equal(sst_reserve(), 0);
	s = sst_insert_at(sst.tab, sst.cap, pid);
	snprintf(s->peer, sizeof(s->peer), "peer-of-%ld", (long)pid);
	sst.active++;
	return s;
}

static void
del(pid_t pid)
{
	struct sst_session *s = sst_find(pid);

	assert_non_null(s);
	sst_delete(s);
	assert_null(sst_find(pid));
}

/* Found, with its own data: a shifted entry moved whole. */
static void
present(pid_t pid)
{
	struct sst_session *s = sst_find(pid);
	char want[64];

	if (s == NULL)
		fail_msg("pid %ld lost", (long)pid);
	snprintf(want, sizeof(want), "peer-of-%ld", (long)pid);
	assert_int_equal(s->pid, pid);
	assert_string_equal(s->peer, want);
}

/* A pid whose home slot in a table of cap is slot. */
static pid_t
pid_at(size_t slot, size_t cap, pid_t from)
{
	for (pid_t p = from;; p++)
		if (sst_slot(p, cap) == slot)
			return p;
}

static void
empty_table(void **state)
{
	(void)state;
	reset();
	assert_null(sst_find(42));
	add(42);
	assert_int_equal(sst.cap, 64);
	present(42);
	assert_null(sst_find(43));
	del(42);
	assert_int_equal(sst.active, 0);
	reset();
}

/*
 * Four pids with one home slot sit in a run; removing one in the middle
 * shifts the later ones back (or probing would stop at the hole), and a
 * pid whose home is inside the run, displaced past it, stays findable.
 */
static void
collisions(void **state)
{
	pid_t a, b, c, d, e;

	(void)state;
	reset();
	add(1);			/* the table exists: cap 64 */
	a = pid_at(10, 64, 1000);
	b = pid_at(10, 64, a + 1);
	c = pid_at(10, 64, b + 1);
	d = pid_at(10, 64, c + 1);
	e = pid_at(11, 64, 1000);	/* home 11, pushed to 14 */
	add(a);
	add(b);
	add(c);
	add(e);
	add(d);
	assert_int_equal(sst_find(a) - sst.tab, 10);
	assert_int_equal(sst_find(e) - sst.tab, 13);
	del(b);
	present(a);
	present(c);
	present(d);
	present(e);
	/* c moved into b's slot; e (home 11) into c's old place. */
	assert_int_equal(sst_find(c) - sst.tab, 11);
	del(a);
	present(c);
	present(d);
	present(e);
	del(e);
	del(c);
	present(d);
	assert_int_equal(sst_find(d) - sst.tab, 10);
	del(d);
	del(1);
	assert_int_equal(sst.active, 0);
	for (size_t i = 0; i < sst.cap; i++)
		assert_int_equal(sst.tab[i].pid, 0);
	reset();
}

/* A run across the end of the table continues at slot 0, both ways. */
static void
wrap_around(void **state)
{
	pid_t a, b, c, z;

	(void)state;
	reset();
	add(1);
	a = pid_at(63, 64, 5000);
	b = pid_at(63, 64, a + 1);
	c = pid_at(63, 64, b + 1);
	z = pid_at(0, 64, 5000);	/* home 0, behind the wrapped ones */
	add(a);
	add(b);
	add(c);
	add(z);
	assert_int_equal(sst_find(b) - sst.tab, 0);
	assert_int_equal(sst_find(c) - sst.tab, 1);
	del(a);
	present(b);
	present(c);
	present(z);
	assert_int_equal(sst_find(b) - sst.tab, 63);
	assert_int_equal(sst_find(c) - sst.tab, 0);
	assert_int_equal(sst_find(z) - sst.tab, 1);
	del(b);
	del(c);
	present(z);
	assert_int_equal(sst_find(z) - sst.tab, 0);
	reset();
}

/*
 * Inserts and removals at random, checked after each against a plain
 * list: the table grows (half full at most) and loses nothing.
 */
static void
random_churn(void **state)
{
	enum { N = 400, OPS = 6000 };
	pid_t live[N];
	size_t nlive = 0, maxcap = 0;
	uint64_t x = 88172645463325252ULL;

	(void)state;
	reset();
	for (int op = 0; op < OPS; op++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* Mostly grow early, mostly shrink late; pids collide often
		 * (a small range, multiples of the table's size). */
		int grow = nlive == 0 || (nlive < N &&
		    (x % 100) < (op < OPS / 2 ? 65u : 35u));
		if (grow) {
			pid_t p = (pid_t)(2 + (x >> 16) % 4096);

			if (sst_find(p) != NULL)
				continue;
			add(p);
			live[nlive++] = p;
		} else {
			size_t i = (size_t)((x >> 20) % nlive);

			del(live[i]);
			live[i] = live[--nlive];
		}
		assert_int_equal(sst.active, nlive);
		assert_true(sst.active * 2 <= sst.cap);
		maxcap = sst.cap > maxcap ? sst.cap : maxcap;
		if (op % 50 == 0 || nlive < 4)
			for (size_t i = 0; i < nlive; i++)
				present(live[i]);
	}
	for (size_t i = 0; i < nlive; i++)
		present(live[i]);
	print_message("table grew to %zu slots\n", maxcap);
	assert_true(maxcap >= 256);
	reset();
}

/* ---- real children ------------------------------------------------------ */

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

	memset(got, 0, 3 * sizeof(int));
	*signalled = 0;
	while (n > 0 && waited < 1000) {
		if (!sst_next_exit(&s, &status)) {
			usleep(10000);
			waited++;
			continue;
		}
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
		cmocka_unit_test(empty_table),
		cmocka_unit_test(collisions),
		cmocka_unit_test(wrap_around),
		cmocka_unit_test(random_churn),
		cmocka_unit_test(records),
		cmocka_unit_test(many),
		cmocka_unit_test(shrinks),
		cmocka_unit_test(signalled),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
