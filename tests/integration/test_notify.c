/*
 * test_notify.c - the systemd readiness protocol without systemd (SPEC
 * section 6): the test plays the service manager's notification socket.
 * READY=1 only once listening, RELOADING=1 then READY=1 around SIGHUP,
 * STOPPING=1 on SIGTERM, for a path and for an abstract (@name) socket,
 * each sent by the main pid (systemd's NotifyAccess=main default).
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
	char name[108];
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

/*
 * The next message must be want, sent by the daemon's main pid.  Nothing
 * else is expected in between: the daemon sends no other state.
 */
static void
expect_message_buf(struct notify_test *t, const char *want, char *buf,
    size_t len)
{
	pid_t pid;

	if (next_message(t, buf, len, &pid, CST_WAIT_MS) == -1) {
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

/* Nothing more arrives within ms. */
static void
expect_silence(struct notify_test *t, int ms)
{
	char buf[1024];
	pid_t pid;

	if (next_message(t, buf, sizeof(buf), &pid, ms) == 0)
		fail_msg("unexpected notification '%s'", buf);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_notify_path, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_notify_abstract, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
