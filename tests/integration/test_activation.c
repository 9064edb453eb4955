/*
 * test_activation.c - socket activation (SPEC section 6) without systemd:
 * the test plays the service manager.  It creates the listening sockets
 * itself, on ports of its choosing, and execs the daemon with them at
 * descriptors 3 and 4, $LISTEN_FDS and $LISTEN_PID set in the child after
 * fork, as systemd does.  The daemon must serve those, bind nothing of its
 * `listen` setting, keep them across SIGHUP, need no privilege, ignore
 * sockets meant for another pid, and refuse what is no listening TCP
 * socket.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../lib/cstest.h"

#define NOBODY	65534

/* How the child sets $LISTEN_PID. */
enum pid_mode { PID_CHILD, PID_OTHER };

/* A listening TCP socket on the loopback of family, port (0: any). */
static int
loopback_socket(int family, int type, int port, int do_listen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	sl = cst_loopback_addr(family, port, &ss);
	fd = socket(family, type | SOCK_CLOEXEC, 0);
	assert_true(fd != -1);
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1) {
		close(fd);
		return -1;
	}
	if (do_listen)
		assert_int_equal(listen(fd, 16), 0);
	return fd;
}

static int
listening(int family)
{
	int fd = loopback_socket(family, SOCK_STREAM, 0, 1);

	assert_true(fd != -1);
	return fd;
}

/* A listening AF_UNIX stream socket in the test directory. */
static int
unix_listening(const struct cst_daemon *d)
{
	struct sockaddr_un sun;
	char path[CST_PATHLEN + 16];
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd != -1);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(path, sizeof(path), "%s/u.sock", d->dir);
	assert_true(strlen(path) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, path, strlen(path));
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, 1), 0);
	return fd;
}

static int
port_of(int fd)
{
	return cst_local_port(fd);
}

/*
 * Exec the daemon (-f -e -c d->conf) with fds[0..n-1] at descriptors 3..,
 * LISTEN_FDS=n, LISTEN_PID per mode, LISTEN_FDNAMES=names (may be NULL),
 * as uid NOBODY when unprivileged; log to d->log.
 */
static void
spawn_activated(struct cst_daemon *d, const int *fds, int n,
    enum pid_mode mode, const char *names, int unprivileged)
{
	int log = open(d->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	char num[32], pid[32];
	pid_t parent = getpid();
	int hi[8], i;

	assert_true(log != -1 && n <= 8);
	d->pid = fork();
	assert_true(d->pid != -1);
	if (d->pid == 0) {
		/* Out of the way first: one of them may already sit at 3 or 4. */
		for (i = 0; i < n; i++)
			if ((hi[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 100)) == -1)
				_exit(126);
		dup2(log, 1);
		dup2(log, 2);
		for (i = 0; i < n; i++)
			if (dup2(hi[i], 3 + i) != 3 + i)
				_exit(126);
		snprintf(num, sizeof(num), "%d", n);
		snprintf(pid, sizeof(pid), "%ld", mode == PID_CHILD ?
		    (long)getpid() : (long)parent);
		setenv("LISTEN_FDS", num, 1);
		setenv("LISTEN_PID", pid, 1);
		if (names != NULL)
			setenv("LISTEN_FDNAMES", names, 1);
		if (unprivileged && (setgroups(0, NULL) == -1 ||
		    setgid(NOBODY) == -1 || setuid(NOBODY) == -1))
			_exit(126);
		execl(cst_binary(0), cst_binary(0), "-f", "-e", "-c", d->conf,
		    (char *)NULL);
		_exit(127);
	}
	close(log);
}

static void
must_listen(struct cst_daemon *d, int n)
{
	if (cst_log_wait_n(d, "listening on ", n, CST_WAIT_MS) == -1) {
		cst_log_dump(d);
		fail_msg("daemon not listening %d times (alive: %d)", n,
		    cst_alive(d));
	}
}

/* Nobody listens on addr port (the daemon did not bind `listen`). */
static void
assert_not_bound(const char *addr, int port)
{
	int fd = cst_connect(addr, port, CST_WAIT_MS);

	if (fd != -1)
		close(fd);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, ECONNREFUSED);
}

static void
test_activated(void **state)
{
	struct cst_daemon *d = *state;
	char want[128];
	int fds[2], p4, p6;

	cst_must_init(d);
	cst_must_conf(d, NULL);
	fds[0] = listening(AF_INET);
	fds[1] = listening(AF_INET6);
	p4 = port_of(fds[0]);
	p6 = port_of(fds[1]);
	spawn_activated(d, fds, 2, PID_CHILD, "v4:v6", 0);
	close(fds[0]);
	close(fds[1]);
	must_listen(d, 2);
	snprintf(want, sizeof(want),
	    "listening on 127.0.0.1:%d (socket activation: v4)", p4);
	assert_int_equal(cst_log_count(d, want), 1);
	snprintf(want, sizeof(want),
	    "listening on [::1]:%d (socket activation: v6)", p6);
	assert_int_equal(cst_log_count(d, want), 1);
	assert_int_equal(cst_echo_once("127.0.0.1", p4, "Activated v4"), 0);
	assert_int_equal(cst_echo_once("::1", p6, "Activated v6"), 0);
	/* `listen` names d->port: not bound. */
	assert_not_bound("127.0.0.1", d->port);
	assert_not_bound("::1", d->port);

	/* A reload keeps them, and binds nothing. */
	assert_int_equal(cst_signal(d, SIGHUP), 0);
	assert_int_equal(cst_log_wait(d, "reload ok", CST_WAIT_MS), 0);
	assert_int_equal(cst_echo_once("127.0.0.1", p4, "reloaded"), 0);
	assert_int_equal(cst_echo_once("::1", p6, "reloaded"), 0);
	assert_not_bound("127.0.0.1", d->port);

	/* A changed `listen` is ignored, and said so. */
	d->port = cst_free_port(0, 0);
	cst_must_conf(d, NULL);
	assert_int_equal(cst_signal(d, SIGHUP), 0);
	assert_int_equal(cst_log_wait_n(d, "reload ok", 2, CST_WAIT_MS), 0);
	assert_int_equal(cst_log_count(d, "reload: listen change ignored"), 1);
	assert_int_equal(cst_echo_once("127.0.0.1", p4, "again"), 0);
	assert_not_bound("127.0.0.1", d->port);
	assert_int_equal(cst_log_count(d, "listening on "), 2);
}

/* $LISTEN_PID names another process: the descriptors are not ours. */
static void
test_pid_mismatch(void **state)
{
	struct cst_daemon *d = *state;
	int fds[2], p4;

	cst_must_init(d);
	cst_must_conf(d, NULL);
	fds[0] = listening(AF_INET);
	fds[1] = listening(AF_INET6);
	p4 = port_of(fds[0]);
	spawn_activated(d, fds, 2, PID_OTHER, NULL, 0);
	must_listen(d, 2);
	assert_int_equal(cst_log_count(d, "(socket activation"), 0);
	assert_int_equal(cst_log_count(d, "is not our pid"), 1);
	assert_int_equal(cst_echo_once("127.0.0.1", d->port, "bound"), 0);
	/* Our copies were the last: the daemon closed its own at start. */
	close(fds[0]);
	close(fds[1]);
	assert_not_bound("127.0.0.1", p4);
}

/*
 * Started by an ordinary account with a socket on a port below 1024: it
 * serves it, binds nothing, keeps no capability, and reloads.
 */
static void
test_unprivileged(void **state)
{
	struct cst_daemon *d = *state;
	char caps[64];
	int fd = -1, port = 0, i;

	if (!cst_is_root())
		skip();
	cst_must_init(d);
	cst_must_conf(d, NULL);
	for (i = 0; i < 200 && fd == -1; i++) {
		port = 600 + (int)(random() % 400);
		fd = loopback_socket(AF_INET, SOCK_STREAM, port, 1);
	}
	assert_true(fd != -1);
	spawn_activated(d, &fd, 1, PID_CHILD, NULL, 1);
	close(fd);
	must_listen(d, 1);
	assert_int_equal(cst_log_count(d, "(socket activation)"), 1);
	assert_int_equal(cst_log_count(d, "not started as root"), 1);
	assert_int_equal(cst_echo_once("127.0.0.1", port, "Low port"), 0);
	assert_int_equal(cst_proc_status(d->pid, "CapEff", caps,
	    sizeof(caps)), 0);
	assert_string_equal(caps, "0000000000000000");
	assert_int_equal(cst_proc_status(d->pid, "CapPrm", caps,
	    sizeof(caps)), 0);
	assert_string_equal(caps, "0000000000000000");
	assert_not_bound("127.0.0.1", d->port);
	assert_int_equal(cst_signal(d, SIGHUP), 0);
	assert_int_equal(cst_log_wait(d, "reload ok", CST_WAIT_MS), 0);
	assert_int_equal(cst_echo_once("127.0.0.1", port, "reloaded"), 0);
}

/* What is no listening TCP socket: exit 71 with one clear line. */
static void
refuse(struct cst_daemon *d, int fd, const char *why)
{
	char want[128];

	cst_must_init(d);
	cst_must_conf(d, NULL);
	if (fd == -2)
		fd = unix_listening(d);
	spawn_activated(d, &fd, 1, PID_CHILD, NULL, 0);
	close(fd);
	assert_int_equal(cst_exit_code(cst_wait_exit(d, CST_WAIT_MS)), 71);
	snprintf(want, sizeof(want), "socket activation: descriptor 3: %s",
	    why);
	if (cst_log_count(d, want) != 1) {
		cst_log_dump(d);
		fail_msg("no '%s' in the log", want);
	}
	assert_int_equal(cst_log_count(d, "listening on"), 0);
	cst_cleanup(d);
}

static void
test_unfit(void **state)
{
	struct cst_daemon *d = *state;

	refuse(d, loopback_socket(AF_INET, SOCK_STREAM, 0, 0), "not listening");
	refuse(d, loopback_socket(AF_INET, SOCK_DGRAM, 0, 0),
	    "not a stream socket");
	refuse(d, -2, "not an IPv4 or IPv6 socket");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_activated, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_pid_mismatch, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_unprivileged, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_unfit, cst_setup,
		    cst_teardown),
	};

	srandom((unsigned)getpid());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
