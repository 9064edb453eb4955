/*
 * test_supervisor.c - the master's bookkeeping that no client can steer
 * into a chosen state: the session table (open addressing on the pid,
 * linear probing, deletion by shifting back) with colliding pids and a
 * wrap-around, checked against a plain list; the report channel's
 * credentials check; names of signals.  The module is included to reach
 * its statics (the table may move to a module of its own: the cases
 * stay).  The daemon-level behaviour (every session's close line, under
 * load and when the reap ring overflows) is test_paths.c's.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "supervisor.c"

/* Start from an empty table. */
static void
reset(void)
{
	free(sup.tab);
	sup.tab = NULL;
	sup.cap = sup.active = 0;
}

/* Insert as sup_spawn does: room first, then the slot. */
static struct sup_session *
add(pid_t pid)
{
	struct sup_session *s;

	assert_int_equal(sup_reserve(), 0);
	s = sup_insert_at(sup.tab, sup.cap, pid);
	snprintf(s->peer, sizeof(s->peer), "peer-of-%ld", (long)pid);
	sup.active++;
	return s;
}

static void
del(pid_t pid)
{
	struct sup_session *s = sup_find(pid);

	assert_non_null(s);
	sup_remove(s);
	assert_null(sup_find(pid));
}

/* Found, with its own data: a shifted entry moved whole. */
static void
present(pid_t pid)
{
	struct sup_session *s = sup_find(pid);
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
		if (sup_slot(p, cap) == slot)
			return p;
}

static void
empty_table(void **state)
{
	(void)state;
	reset();
	assert_null(sup_find(42));
	add(42);
	assert_int_equal(sup.cap, 64);
	present(42);
	assert_null(sup_find(43));
	del(42);
	assert_int_equal(sup.active, 0);
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
	assert_int_equal(sup_find(a) - sup.tab, 10);
	assert_int_equal(sup_find(e) - sup.tab, 13);
	del(b);
	present(a);
	present(c);
	present(d);
	present(e);
	/* c moved into b's slot; e (home 11) into c's old place. */
	assert_int_equal(sup_find(c) - sup.tab, 11);
	del(a);
	present(c);
	present(d);
	present(e);
	del(e);
	del(c);
	present(d);
	assert_int_equal(sup_find(d) - sup.tab, 10);
	del(d);
	del(1);
	assert_int_equal(sup.active, 0);
	for (size_t i = 0; i < sup.cap; i++)
		assert_int_equal(sup.tab[i].pid, 0);
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
	assert_int_equal(sup_find(b) - sup.tab, 0);
	assert_int_equal(sup_find(c) - sup.tab, 1);
	del(a);
	present(b);
	present(c);
	present(z);
	assert_int_equal(sup_find(b) - sup.tab, 63);
	assert_int_equal(sup_find(c) - sup.tab, 0);
	assert_int_equal(sup_find(z) - sup.tab, 1);
	del(b);
	del(c);
	present(z);
	assert_int_equal(sup_find(z) - sup.tab, 0);
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

			if (sup_find(p) != NULL)
				continue;
			add(p);
			live[nlive++] = p;
		} else {
			size_t i = (size_t)((x >> 20) % nlive);

			del(live[i]);
			live[i] = live[--nlive];
		}
		assert_int_equal(sup.active, nlive);
		assert_true(sup.active * 2 <= sup.cap);
		maxcap = sup.cap > maxcap ? sup.cap : maxcap;
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

/* ---- the report channel's credentials ------------------------------------ */

union cmsgbuf {
	char		buf[2 * CMSG_SPACE(sizeof(struct ucred))];
	struct cmsghdr	align;
};

static void
one_cred(struct msghdr *m, union cmsgbuf *cb, int level, int type,
    size_t len)
{
	struct cmsghdr *c;
	struct ucred u = { 1234, 0, 0 };

	memset(m, 0, sizeof(*m));
	memset(cb, 0, sizeof(*cb));
	m->msg_control = cb->buf;
	m->msg_controllen = CMSG_SPACE(sizeof(u));
	c = CMSG_FIRSTHDR(m);
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), &u, sizeof(u));
}

static void
credentials(void **state)
{
	union cmsgbuf cb;
	struct msghdr m;
	struct ucred u;
	struct cmsghdr *c;

	(void)state;
	one_cred(&m, &cb, SOL_SOCKET, SCM_CREDENTIALS, sizeof(u));
	assert_int_equal(sup_credentials(&m, &u), 0);
	assert_int_equal(u.pid, 1234);
	m.msg_flags = MSG_CTRUNC;		/* cut short: not trusted */
	assert_int_equal(sup_credentials(&m, &u), -1);
	m.msg_flags = MSG_TRUNC;
	assert_int_equal(sup_credentials(&m, &u), -1);
	one_cred(&m, &cb, SOL_SOCKET + 1, SCM_CREDENTIALS, sizeof(u));
	assert_int_equal(sup_credentials(&m, &u), -1);
	one_cred(&m, &cb, SOL_SOCKET, SCM_RIGHTS, sizeof(u));
	assert_int_equal(sup_credentials(&m, &u), -1);
	one_cred(&m, &cb, SOL_SOCKET, SCM_CREDENTIALS, sizeof(u) - 4);
	assert_int_equal(sup_credentials(&m, &u), -1);
	memset(&m, 0, sizeof(m));		/* none at all */
	assert_int_equal(sup_credentials(&m, &u), -1);
	/* Two: one sender cannot speak twice in one record. */
	one_cred(&m, &cb, SOL_SOCKET, SCM_CREDENTIALS, sizeof(u));
	m.msg_controllen = sizeof(cb.buf);
	c = CMSG_NXTHDR(&m, CMSG_FIRSTHDR(&m));
	assert_non_null(c);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = CMSG_LEN(sizeof(u));
	assert_int_equal(sup_credentials(&m, &u), -1);
}

static void
names(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(sup_signame(SIGKILL, buf, sizeof(buf)), "SIGKILL");
	assert_string_equal(sup_signame(SIGSYS, buf, sizeof(buf)), "SIGSYS");
	/* A real-time or unknown signal has no name: its number. */
	assert_string_equal(sup_signame(200, buf, sizeof(buf)), "200");
	assert_true(sup_same(NULL, NULL));
	assert_false(sup_same("a", NULL));
	assert_false(sup_same(NULL, "a"));
	assert_true(sup_same("nobody", "nobody"));
	assert_false(sup_same("nobody", "daemon"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_table),
		cmocka_unit_test(collisions),
		cmocka_unit_test(wrap_around),
		cmocka_unit_test(random_churn),
		cmocka_unit_test(credentials),
		cmocka_unit_test(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
