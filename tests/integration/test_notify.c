/*
 * test_notify.c - the systemd readiness protocol without systemd (SPEC
 * section 6): the test plays the service manager's notification socket.
 * READY=1 only once listening, RELOADING=1 then READY=1 around SIGHUP,
 * STOPPING=1 on SIGTERM, for a path and for an abstract (@name) socket,
 * each sent by the main pid (systemd's NotifyAccess=main default).
 * STATUS= follows the counters and a failed reload, rate-limited;
 * WATCHDOG=1 comes at half of $WATCHDOG_USEC, also when idle.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../lib/cstest.h"

struct notify_test {
	struct cst_daemon	d;
	int			fd;	/* the manager's socket */
};

static int
setup(void **state)
{
	struct notify_test *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->fd = -1;
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct notify_test *t = *state;

	cst_cleanup(&t->d);
	if (t->fd != -1)
		close(t->fd);
	free(t);
	return 0;
}

/*
 * Bind the manager's datagram socket: a path in the test directory, or
 * with abstract an abstract name.  env gets "NOTIFY_SOCKET=..." for the
 * daemon.
 */
static void
manager_socket(struct notify_test *t, int abstract, char *env, size_t len)
{
	struct sockaddr_un sun;
	socklen_t sl;
	char name[CST_PATHLEN + 32];
	int one = 1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (abstract)
		snprintf(name, sizeof(name), "@caseserv-test-notify-%ld-%lld",
		    (long)getpid(), (long long)cst_now_ms());
	else
		snprintf(name, sizeof(name), "%s/notify.sock", t->d.dir);
	assert_true(strlen(name) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, name, strlen(name));
	if (abstract)
		sun.sun_path[0] = '\0';
	sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name));
	t->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(t->fd != -1);
	/* The kernel tells who sent each message, as it tells systemd. */
	assert_int_equal(setsockopt(t->fd, SOL_SOCKET, SO_PASSCRED, &one,
	    sizeof(one)), 0);
	assert_int_equal(bind(t->fd, (struct sockaddr *)&sun, sl), 0);
	if (!abstract) {
		/* Run as root, the daemon sends as "nobody" after its drop. */
		assert_int_equal(chmod(t->d.dir, 0777), 0);
		assert_int_equal(chmod(name, 0777), 0);
	}
	snprintf(env, len, "NOTIFY_SOCKET=%s", name);
}

/*
 * The next message, within timeout_ms, into buf; its sender's pid in
 * *pid.  0, or -1 on timeout.
 */
static int
next_message(struct notify_test *t, char *buf, size_t len, pid_t *pid,
    int timeout_ms)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} cm;
	struct pollfd p = { t->fd, POLLIN, 0 };
	struct iovec iov = { buf, len - 1 };
	struct msghdr msg;
	struct cmsghdr *c;
	ssize_t n;

	if (poll(&p, 1, timeout_ms) != 1)
		return -1;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	if ((n = recvmsg(t->fd, &msg, MSG_DONTWAIT)) == -1)
		return -1;
	buf[n] = '\0';
	*pid = -1;
	c = CMSG_FIRSTHDR(&msg);
	if (c != NULL && c->cmsg_level == SOL_SOCKET &&
	    c->cmsg_type == SCM_CREDENTIALS)
		*pid = ((struct ucred *)(void *)CMSG_DATA(c))->pid;
	return 0;
}

/* Does the message hold the assignment want as one of its lines? */
static int
has_line(const char *msg, const char *want)
{
	size_t n = strlen(want);
	const char *p;

	for (p = msg; p != NULL; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, want, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
			return 1;
	return 0;
}

/* Only STATUS= and WATCHDOG=1 lines: a report, not a change of state. */
static int
is_report(const char *msg)
{
	const char *p;

	for (p = msg; p != NULL && *p != '\0';
	    p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, "STATUS=", 7) != 0 &&
		    strncmp(p, "WATCHDOG=1", 10) != 0)
			return 0;
	return 1;
}

/*
 * The next change of state must be want, sent by the daemon's main pid.
 * Nothing but reports (STATUS=, WATCHDOG=1) is expected in between.
 */
static void
expect_message_buf(struct notify_test *t, const char *want, char *buf,
    size_t len)
{
	pid_t pid;
	int r;

	while ((r = next_message(t, buf, len, &pid, CST_WAIT_MS)) == 0 &&
	    is_report(buf))
		assert_int_equal(pid, t->d.pid);
	if (r == -1) {
		cst_log_dump(&t->d);
		fail_msg("no %s from the daemon", want);
	}
	print_message("notify from pid %ld: %s\n", (long)pid, buf);
	if (!has_line(buf, want))
		fail_msg("expected %s, got '%s'", want, buf);
	assert_int_equal(pid, t->d.pid);
}

static void
expect_message(struct notify_test *t, const char *want)
{
	char buf[1024];

	expect_message_buf(t, want, buf, sizeof(buf));
}

/* CLOCK_MONOTONIC in microseconds, as systemd reads MONOTONIC_USEC. */
static long long
mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Nothing but reports queued before now, and nothing more within ms. */
static void
expect_silence(struct notify_test *t, int ms)
{
	char buf[1024];
	pid_t pid;

	while (next_message(t, buf, sizeof(buf), &pid, 0) == 0)
		if (!is_report(buf))
			fail_msg("unexpected notification '%s'", buf);
	if (next_message(t, buf, sizeof(buf), &pid, ms) == 0)
		fail_msg("unexpected notification '%s'", buf);
}

/*
 * Wait for a STATUS= line holding want (whole, with exact: equal to it);
 * the line into buf.  Other messages are skipped.  *seen counts the
 * STATUS= messages read.
 */
static void
wait_status(struct notify_test *t, const char *want, int exact, char *buf,
    size_t len, int *seen)
{
	int64_t end = cst_now_ms() + CST_WAIT_MS;
	char msg[4096], *p;
	pid_t pid;

	while (cst_now_ms() < end) {
		if (next_message(t, msg, sizeof(msg), &pid, 100) == -1)
			continue;
		if ((p = strstr(msg, "STATUS=")) == NULL)
			continue;
		assert_int_equal(pid, t->d.pid);
		p[strcspn(p, "\n")] = '\0';
		print_message("%s\n", p);
		if (seen != NULL)
			(*seen)++;
		if (exact ? strcmp(p, want) == 0 : strstr(p, want) != NULL) {
			snprintf(buf, len, "%s", p);
			return;
		}
	}
	cst_log_dump(&t->d);
	fail_msg("no STATUS= with '%s'", want);
}

/* Start the daemon with the manager's socket and env; wait for READY=1. */
static void
start_managed(struct notify_test *t, const char *extra, const char *env1,
    const char *env2)
{
	char env0[256];
	const char *env[4] = { env0, env1, env1 != NULL ? env2 : NULL, NULL };

	cst_must_init(&t->d);
	cst_must_conf(&t->d, extra);
	manager_socket(t, 0, env0, sizeof(env0));
	cst_must_start(&t->d, cst_binary(0), NULL, env, 0);
	expect_message(t, "READY=1");
}

static void
notify_cycle(struct notify_test *t, int abstract)
{
	struct cst_daemon *d = &t->d;
	char env0[256], buf[1024], *p;
	const char *env[2] = { env0, NULL };
	long long usec, sent_usec;
	int status;

	cst_must_init(d);
	cst_must_conf(d, NULL);
	manager_socket(t, abstract, env0, sizeof(env0));
	/* Not waiting for the log: READY=1 is the signal under test. */
	cst_must_start(d, cst_binary(0), NULL, env, 0);
	expect_message(t, "READY=1");
	/* Ready means listening, on every address, with no retry. */
	assert_int_equal(cst_log_count(d, "listening on "), 2);
	assert_int_equal(cst_echo_once("127.0.0.1", d->port, "Ready v4"), 0);
	assert_int_equal(cst_echo_once("::1", d->port, "Ready v6"), 0);

	sent_usec = mono_usec();
	assert_int_equal(cst_signal(d, SIGHUP), 0);
	expect_message_buf(t, "RELOADING=1", buf, sizeof(buf));
	/*
	 * systemd (Type=notify-reload) takes a reload as begun only if it
	 * carries a MONOTONIC_USEC no earlier than the SIGHUP it sent.
	 */
	p = strstr(buf, "MONOTONIC_USEC=");
	assert_non_null(p);
	usec = strtoll(p + strlen("MONOTONIC_USEC="), NULL, 10);
	assert_true(usec >= sent_usec);
	assert_true(usec <= mono_usec());
	expect_message(t, "READY=1");
	assert_int_equal(cst_log_count(d, "reload ok"), 1);
	assert_int_equal(cst_echo_once("127.0.0.1", d->port, "reloaded"), 0);

	assert_int_equal(cst_signal(d, SIGTERM), 0);
	expect_message(t, "STOPPING=1");
	status = cst_wait_exit(d, CST_WAIT_MS);
	assert_int_equal(cst_exit_code(status), 0);
	expect_silence(t, 100);
}

static void
test_notify_path(void **state)
{
	notify_cycle(*state, 0);
}

static void
test_notify_abstract(void **state)
{
	notify_cycle(*state, 1);
}

/*
 * STATUS= right after READY=1, then the counters as they move, the failed
 * reload's FILE:LINE: message at once, and gone after a good reload.
 */
static void
test_status(void **state)
{
	struct notify_test *t = *state;
	char buf[4096], want[CST_PATHLEN + 160], c;
	int fd, how;

	start_managed(t, "deny = [ \"::1\" ];", NULL, NULL);
	wait_status(t, "STATUS=active=0 accepted=0 refused=0", 1, buf,
	    sizeof(buf), NULL);
	assert_int_equal(cst_echo_once("127.0.0.1", t->d.port, "one"), 0);
	assert_int_equal(cst_echo_once("127.0.0.1", t->d.port, "two"), 0);
	/* Denied: accepted and closed unread. */
	fd = cst_must_connect("::1", t->d.port);
	assert_int_equal(cst_recv_eof(fd, &c, 1, CST_WAIT_MS, &how), 0);
	close(fd);
	wait_status(t, "STATUS=active=0 accepted=2 refused=1", 1, buf,
	    sizeof(buf), NULL);

	/* A failed reload is named in STATUS=, with its FILE:LINE. */
	cst_must_write(t->d.conf, "max_client = 1;\n");
	assert_int_equal(cst_signal(&t->d, SIGHUP), 0);
	expect_message(t, "RELOADING=1");
	expect_message(t, "READY=1");
	snprintf(want, sizeof(want), "STATUS=active=0 accepted=2 refused=1, "
	    "last reload failed: %s:1: unknown setting 'max_client'",
	    t->d.conf);
	wait_status(t, want, 1, buf, sizeof(buf), NULL);
	assert_int_equal(cst_log_count(&t->d, "reload failed"), 1);

	/* A good reload clears it. */
	cst_must_conf(&t->d, "deny = [ \"::1\" ];");
	assert_int_equal(cst_signal(&t->d, SIGHUP), 0);
	expect_message(t, "RELOADING=1");
	expect_message(t, "READY=1");
	wait_status(t, "STATUS=active=0 accepted=2 refused=1", 1, buf,
	    sizeof(buf), NULL);
	assert_int_equal(cst_log_count(&t->d, "reload ok"), 1);
}

/*
 * A burst of connections changes the counters each time, but STATUS=
 * comes at most about once a second.
 */
static void
test_status_rate(void **state)
{
	struct notify_test *t = *state;
	char buf[4096];
	int64_t start, elapsed;
	int i, seen = 0;

	start_managed(t, NULL, NULL, NULL);
	wait_status(t, "STATUS=active=0 accepted=0", 0, buf, sizeof(buf),
	    NULL);
	start = cst_now_ms();
	for (i = 0; i < 40; i++)
		assert_int_equal(cst_echo_once("127.0.0.1", t->d.port, "x"), 0);
	/* The last counts arrive, however late the rate lets them. */
	wait_status(t, "STATUS=active=0 accepted=40 refused=0", 1, buf,
	    sizeof(buf), &seen);
	elapsed = cst_now_ms() - start;
	print_message("%d STATUS= in %lld ms for 40 connections\n", seen,
	    (long long)elapsed);
	/* One a second, plus the first of the burst and some slack. */
	assert_true(seen >= 1);
	assert_true(seen <= elapsed / 1000 + 3);
}

/* Count WATCHDOG=1 from the main pid within ms. */
static int
count_watchdog(struct notify_test *t, int ms)
{
	int64_t end = cst_now_ms() + ms;
	char msg[1024];
	pid_t pid;
	int n = 0;

	while (cst_now_ms() < end) {
		if (next_message(t, msg, sizeof(msg), &pid,
		    (int)(end - cst_now_ms())) == -1)
			continue;
		if (has_line(msg, "WATCHDOG=1")) {
			assert_int_equal(pid, t->d.pid);
			n++;
		}
	}
	return n;
}

/* WATCHDOG_USEC=200000: a keep-alive every 100 ms, with the loop idle. */
static void
test_watchdog(void **state)
{
	struct notify_test *t = *state;
	int n;

	start_managed(t, NULL, "WATCHDOG_USEC=200000", NULL);
	n = count_watchdog(t, 2000);
	print_message("%d WATCHDOG=1 in 2000 ms\n", n);
	/* About 20; bounds wide enough for a loaded sanitizer build. */
	assert_true(n >= 6);
	assert_true(n <= 25);
}

/* For another pid, or an unreadable value: no keep-alive at all. */
static void
test_watchdog_not_ours(void **state)
{
	struct notify_test *t = *state;
	char pid_env[64];

	snprintf(pid_env, sizeof(pid_env), "WATCHDOG_PID=%ld", (long)getpid());
	start_managed(t, NULL, "WATCHDOG_USEC=200000", pid_env);
	assert_int_equal(count_watchdog(t, 600), 0);
	assert_int_equal(cst_log_count(&t->d, "watchdog"), 0);
}

static void
test_watchdog_bad_value(void **state)
{
	struct notify_test *t = *state;

	start_managed(t, NULL, "WATCHDOG_USEC=2e5", NULL);
	assert_int_equal(count_watchdog(t, 600), 0);
	assert_int_equal(cst_log_count(&t->d,
	    "watchdog: WATCHDOG_USEC=2e5: not a positive number"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_notify_path, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_notify_abstract, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_rate, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_watchdog, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watchdog_not_ours, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_watchdog_bad_value, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
