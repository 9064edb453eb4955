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
#include <sys/syscall.h>
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
	sst.cap = sst.used = sst.active = 0;
}

/* Insert as sup_spawn does: room first, then the slot. */
static struct sst_session *
add(pid_t pid)
{
	struct sst_session *s;

	assert_int_equal(sst_reserve(), 0);
	s = sst_insert_at(sst.tab, sst.cap, pid);
	snprintf(s->peer, sizeof(s->peer), "peer-of-%ld", (long)pid);
	sst.used++;
	sst.active++;
	return s;
}

static void
del(pid_t pid)
{
	struct sst_session *s = sst_find(pid);

	assert_non_null(s);
	sst_delete(s);
	sst.active--;
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

/* A child that is no session (the table never had it) is reaped into
 * the ring like any other, and passed over: no session ends for it. */
static void
strangers_passed_over(void **state)
{
	struct sst_session *s;
	int status, waited, strangers = 0;
	pid_t mine, stranger, pid;

	(void)state;
	stranger = fork();
	assert_true(stranger != -1);
	if (stranger == 0)
		_exit(3);
	mine = spawn(B_RECORD);
	/* A pid not in the book comes back without an entry (the caller
	 * lets it go), whichever of the two ends first. */
	for (waited = 0; waited < 1000; waited++) {
		if (sst_next_exit(&s, &pid, &status)) {
			if (s != NULL)
				break;
			assert_int_equal(pid, stranger);
			strangers++;
			continue;
		}
		usleep(10000);
	}
	assert_true(waited < 1000);
	assert_int_equal(s->pid, mine);
	assert_int_equal(pid, mine);
	sst_remove(s);
	usleep(50000);
	while (sst_next_exit(&s, &pid, &status) == 1) {
		assert_null(s);
		assert_int_equal(pid, stranger);
		strangers++;
	}
	assert_int_equal(strangers, 1);
	assert_int_equal(waitpid(stranger, &status, WNOHANG), -1);	/* reaped */
	assert_int_equal(errno, ECHILD);
	assert_int_equal(sst_active(), 0);
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

/* ---- the channel alone: a session faked over a socket pair -------------- */

/* A table entry whose channel is ours: *other is the session's end. */
static struct sst_session *
fake(pid_t pid, int *other)
{
	struct sst_session *s = add(pid);
	int p[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0, p), 0);
	s->chan = p[0];
	s->pidfd = -1;
	*other = p[1];
	return s;
}

static void
put(int fd, int type)
{
	struct rpt_record r;
	unsigned char buf[RPT_SIZE];

	memset(&r, 0, sizeof(r));
	r.type = type;
	if (type == RPT_PEER) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&r.peer;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(4711);
		sin->sin_addr.s_addr = htonl(0xc0000201);
	}
	if (type == RPT_CLOSE)
		r.reason = SES_EOF;
	if (type == RPT_SANDBOX)
		r.reason = SES_SANDBOX, r.sysno = 41;
	rpt_encode(&r, buf);
	assert_int_equal(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
}

/* SECURITY: what an awaiting session sends is hostile: a header's client
 * is taken, its final record left for sst_record, anything else taken
 * off and called bad; nothing yet is nothing, a gone session later. */
static void
peer_reports(void **state)
{
	struct rpt_record rep;
	struct sst_session *s;
	unsigned char junk[RPT_SIZE];
	int o;

	(void)state;
	s = fake(4242, &o);
	assert_int_equal(sst_peer(s, &rep), SST_NONE);
	put(o, RPT_PEER);
	assert_int_equal(sst_peer(s, &rep), SST_PEER);
	assert_int_equal(rep.type, RPT_PEER);
	assert_int_equal(ntohs(((struct sockaddr_in *)&rep.peer)->sin_port), 4711);
	assert_int_equal(sst_peer(s, &rep), SST_NONE);	/* it was taken */
	put(o, RPT_LOCAL);
	assert_int_equal(sst_peer(s, &rep), SST_PEER);
	assert_int_equal(rep.type, RPT_LOCAL);
	put(o, RPT_VERDICT);			/* not a session's to send */
	assert_int_equal(sst_peer(s, &rep), SST_BAD);
	memset(junk, 0x5a, sizeof(junk));
	assert_int_equal(write(o, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	assert_int_equal(sst_peer(s, &rep), SST_BAD);
	assert_int_equal(write(o, junk, 7), 7);		/* short */
	assert_int_equal(sst_peer(s, &rep), SST_BAD);
	assert_int_equal(sst_peer(s, &rep), SST_NONE);
	/* It ended instead: the record stays, for sst_record to take. */
	put(o, RPT_CLOSE);
	assert_int_equal(sst_peer(s, &rep), SST_LATER);
	assert_int_equal(sst_peer(s, &rep), SST_LATER);
	assert_int_equal(sst_record(s, &rep), 1);
	assert_int_equal(rep.type, RPT_CLOSE);
	assert_int_equal(rep.reason, SES_EOF);
	assert_int_equal(sst_record(s, &rep), 0);	/* read once only */
	sst_remove(s);
	close(o);
	/* Or was killed by its filter: that record is sst_record's too. */
	s = fake(4244, &o);
	put(o, RPT_SANDBOX);
	assert_int_equal(sst_peer(s, &rep), SST_LATER);
	assert_int_equal(sst_record(s, &rep), 1);
	assert_int_equal(rep.type, RPT_SANDBOX);
	assert_int_equal(rep.sysno, 41);
	sst_remove(s);
	close(o);
	/* Gone without a word; a channel that is not a socket at all. */
	s = fake(4243, &o);
	close(o);
	assert_int_equal(sst_peer(s, &rep), SST_LATER);
	close(s->chan);
	assert_true((s->chan = open("/dev/null", O_RDONLY)) != -1);
	assert_int_equal(sst_peer(s, &rep), SST_LATER);
	sst_remove(s);
	reset();
}

/* A final record must be a final record, alone. */
static void
final_record_checked(void **state)
{
	struct rpt_record rep;
	struct sst_session *s;
	int o;

	(void)state;
	s = fake(5000, &o);
	put(o, RPT_PEER);			/* a name is no end */
	assert_int_equal(sst_record(s, &rep), -1);
	assert_int_equal(s->chan, -1);
	sst_remove(s);				/* channel already closed */
	close(o);
	s = fake(5001, &o);
	put(o, RPT_CLOSE);
	put(o, RPT_PEER);			/* something after it */
	assert_int_equal(sst_record(s, &rep), -1);
	sst_remove(s);
	close(o);
	s = fake(5002, &o);
	put(o, RPT_VERDICT);				/* the acceptor's own */
	assert_int_equal(sst_record(s, &rep), -1);
	sst_remove(s);
	close(o);
	s = fake(5003, &o);
	assert_int_equal(write(o, (unsigned char[RPT_SIZE]){ 0x5a }, RPT_SIZE),
	    RPT_SIZE);					/* no magic */
	assert_int_equal(sst_record(s, &rep), -1);
	sst_remove(s);
	close(o);
	reset();
}

/* The verdict reaches the session; one that is gone cannot get it. */
static void
verdicts(void **state)
{
	unsigned char buf[RPT_SIZE];
	struct rpt_record rep;
	struct sst_session *s;
	int o;

	(void)state;
	signal(SIGPIPE, SIG_IGN);		/* as the acceptor has it */
	s = fake(6000, &o);
	assert_int_equal(sst_verdict(s, RPT_PROCEED), 0);
	assert_int_equal(read(o, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	assert_int_equal(rpt_decode(buf, sizeof(buf), &rep), 0);
	assert_int_equal(rep.type, RPT_VERDICT);
	assert_int_equal(rep.reason, RPT_PROCEED);
	close(o);
	assert_int_equal(sst_verdict(s, RPT_REFUSE), -1);
	sst_remove(s);
	reset();
}

/* The awaiting list: grows past its first 16, a settled session's place
 * goes to the last one, every one found by its index, none past them. */
static void
awaiting_list(void **state)
{
	struct sst_session *s;
	pid_t seen[40];

	(void)state;
	for (pid_t pid = 100; pid < 140; pid++)
		assert_int_equal(sst_await(add(pid)), 0);
	assert_int_equal(sst_nawaiting(), 40);
	assert_null(sst_awaiting(40));
	sst_settle(sst_find(105));
	sst_settle(sst_find(105));		/* once only */
	assert_int_equal(sst_nawaiting(), 39);
	assert_int_equal(sst_awaiting(5)->pid, 139);
	sst_settle(sst_find(139 - 1));		/* the last one: no move */
	assert_int_equal(sst_nawaiting(), 38);
	memset(seen, 0, sizeof(seen));
	for (size_t i = 0; i < sst_nawaiting(); i++) {
		s = sst_awaiting(i);
		assert_non_null(s);
		assert_int_equal(s->waiting, i + 1);
		assert_int_equal(seen[s->pid - 100], 0);
		seen[s->pid - 100] = 1;
	}
	assert_int_equal(seen[105 - 100] + seen[138 - 100], 0);
	while (sst_nawaiting() > 0)
		sst_settle(sst_awaiting(0));
	free(sst.wait);
	sst.wait = NULL;
	sst.capwait = 0;
	reset();
}

/*
 * The spawner's word checked: a pid the book has already is refused
 * (EEXIST); chd_is_child() tells a child of ours, running or exited but
 * not reaped, from a pid that is not (init, our parent) or no longer is.
 */
static void
pool_add_checked(void **state)
{
	sigset_t chld, old;
	siginfo_t si;
	pid_t kid;
	int status;

	(void)state;
	reset();
	add(4242);
	errno = 0;
	assert_int_equal(sst_pool_add(4242, -1, -1), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(sst_pool_size(), 0);
	del(4242);
	reset();

	assert_false(chd_is_child(1));
	assert_false(chd_is_child(getppid()));
	assert_false(chd_is_child(0));
	/* The module's SIGCHLD handler (installed by earlier cases) would
	 * reap the child before we look: held off here. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	kid = fork();
	assert_true(kid >= 0);
	if (kid == 0) {
		pause();
		_exit(0);
	}
	assert_true(chd_is_child(kid));		/* running */
	kill(kid, SIGKILL);
	assert_int_equal(waitid(P_PID, (id_t)kid, &si, WEXITED | WNOWAIT), 0);
	assert_true(chd_is_child(kid));		/* exited, not reaped */
	assert_true(chd_is_child(kid));		/* and looking took nothing */
	assert_int_equal(waitpid(kid, &status, 0), kid);
	assert_false(chd_is_child(kid));	/* reaped */
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* A child booked in the pool as the spawner would send it: it waits on
 * its channel and leaves at the hang-up, or (deaf) never does. */
static pid_t
pool_child(int deaf)
{
	char c;
	int p[2], pidfd;
	pid_t kid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, p), 0);
	kid = fork();
	assert_true(kid >= 0);
	if (kid == 0) {
		close(p[0]);
		if (deaf)
			for (;;)
				pause();
		_exit(read(p[1], &c, 1) == 0 ? 7 : 1);
	}
	close(p[1]);
	pidfd = (int)syscall(SYS_pidfd_open, kid, 0);
	assert_true(pidfd >= 0);
	assert_int_equal(sst_pool_add(kid, pidfd, p[0]), 0);
	return kid;
}

/*
 * Letting the pool go: the gentle way (shutdown) closes each idle
 * session's channel and it leaves by itself; with kill (a spawner no
 * longer trusted) each gets SIGKILL too, so one deaf to the hang-up goes
 * all the same.  Either way none is left in the pool, each is counted
 * as leaving until reaped.
 */
static void
pool_release(void **state)
{
	sigset_t chld, old;
	int status;
	pid_t kid;

	(void)state;
	reset();
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	for (int kill = 0; kill < 2; kill++) {
		kid = pool_child(kill);
		assert_int_equal(sst_pool_size(), 1);
		sst_pool_release(kill);
		assert_int_equal(sst_pool_size(), 0);
		assert_int_equal(sst_leaving(), 1);
		assert_int_equal(waitpid(kid, &status, 0), kid);
		if (kill) {
			assert_true(WIFSIGNALED(status));
			assert_int_equal(WTERMSIG(status), SIGKILL);
		} else {
			assert_true(WIFEXITED(status));
			assert_int_equal(WEXITSTATUS(status), 7);
		}
		sst_remove(sst_find(kid));
		assert_int_equal(sst_leaving(), 0);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	reset();
}

/*
 * The overdue kill: only a serving session past its overdue_at, once;
 * not one without a deadline, not one still in time, not an idle one of
 * the pool.
 */
static void
overdue(void **state)
{
	struct sst_session *late, *early, *none, *idle;
	int got[3], sig;
	pid_t pl, pe, pn, pi;

	(void)state;
	pl = spawn(B_WAIT);
	pe = spawn(B_WAIT);
	pn = spawn(B_WAIT);
	pi = spawn(B_WAIT);
	late = sst_find(pl);
	late->overdue_at = 1000;
	early = sst_find(pe);
	early->overdue_at = 5000;
	none = sst_find(pn);
	none->overdue_at = 0;
	idle = sst_find(pi);
	idle->overdue_at = 1000;
	idle->pooled = SST_IDLE;
	assert_int_equal(sst_kill_overdue(999), 0);
	assert_int_equal(sst_kill_overdue(1000), 1);
	assert_true(late->killed && late->overdue);
	assert_int_equal(sst_kill_overdue(2000), 0);	/* once */
	assert_false(early->killed || none->killed || idle->killed);
	assert_false(early->overdue);
	idle->pooled = 0;
	sst_signal_all(SIGTERM);
	collect(4, got, &sig);
	assert_int_equal(sig, 4);
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
		cmocka_unit_test(pool_release),
		cmocka_unit_test(overdue),
		cmocka_unit_test(strangers_passed_over),
		cmocka_unit_test(peer_reports),
		cmocka_unit_test(final_record_checked),
		cmocka_unit_test(verdicts),
		cmocka_unit_test(awaiting_list),
		cmocka_unit_test(pool_add_checked),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
