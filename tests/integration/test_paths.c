/*
 * test_paths.c - paths of the daemon no other test reached (issue 12),
 * each asserted by what a user sees: log lines, exit statuses, bytes.
 * Where the fault cannot be made for real, the fault shim (tests/fault,
 * LD_PRELOAD) or the test-hook build (tests/caseserv-test) makes it.
 *
 *  - the acceptor's clone() of a session failing: the connection is
 *    refused (reason=fork_failed), counted in the stats line;
 *  - the acceptor's reap ring overflowing: many sessions end while the
 *    acceptor is stopped; every one still gets its close line;
 *  - SIGTERM while a client's bytes are still queued: all echoed, then
 *    reason=shutdown;
 *  - a reload that removes a listener, and one that fails part-way;
 *  - an unknown listen host at start, -d, a bad $NOTIFY_SOCKET or
 *    $WATCHDOG_PID, the reload warnings for user/group/pidfile;
 *  - a session killed by an unnamed system call (syscall=?).
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <linux/sockios.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../lib/cstest.h"

#define V4	"127.0.0.1"
#define V6	"::1"

/* "caseserv[PID]: text\n": one whole line of main's log. */
static void
expect_line(struct cst_daemon *d, const char *text)
{
	char needle[1024];

	snprintf(needle, sizeof(needle), "caseserv[%d]: %s\n", (int)d->pid,
	    text);
	if (cst_log_wait(d, needle, CST_WAIT_MS) != 0) {
		cst_log_dump(d);
		fail_msg("no line '%s' in the log", text);
	}
}

/* As expect_line, for the main that was d->pid before it exited. */
static pid_t last_pid;

static void
expect_line_of(struct cst_daemon *d, const char *text)
{
	char needle[1024];

	snprintf(needle, sizeof(needle), "caseserv[%d]: %s\n", (int)last_pid,
	    text);
	assert_int_equal(cst_log_count(d, needle), 1);
}

/* The client sees the end at once, without a byte: EOF or a reset. */
static void
expect_cut(int fd)
{
	unsigned char buf[16];
	int how = -1;

	assert_int_equal(cst_recv_eof(fd, buf, sizeof(buf), CST_WAIT_MS, &how),
	    0);
	assert_true(how == 0 || how == ECONNRESET);
}

/* The log line (nth from 1) of event ("open", "close") for client fd. */
static void
peer_line(struct cst_daemon *d, const char *event, const char *addr, int fd,
    char *line, size_t len)
{
	char needle[128];

	snprintf(needle, sizeof(needle), strchr(addr, ':') ?
	    "%s peer=[%s]:%d " : "%s peer=%s:%d ", event, addr,
	    cst_local_port(fd));
	assert_int_equal(cst_log_line(d, needle, 1, line, len, CST_WAIT_MS), 0);
}

static void
stats_line(struct cst_daemon *d, char *line, size_t len)
{
	assert_int_equal(cst_signal(d, SIGUSR1), 0);
	assert_int_equal(cst_log_line(d, ": stats ", 1, line, len,
	    CST_WAIT_MS), 0);
	print_message("%s\n", line);
}

/* Three listeners: both loopbacks on d->port, and 127.0.0.1 on port2. */
static void
conf_three(struct cst_daemon *d, int port2, const char *extra)
{
	char text[1024];

	snprintf(text, sizeof(text),
	    "listen = ( { host = \"127.0.0.1\"; port = %d; },\n"
	    "           { host = \"::1\"; port = %d; },\n"
	    "           { host = \"127.0.0.1\"; port = %d; } );\n"
	    "user = \"nobody\";\n%s\n", d->port, d->port, port2,
	    extra != NULL ? extra : "");
	cst_must_write(d->conf, text);
}

static int
other_port(struct cst_daemon *d)
{
	int p;

	do
		p = cst_free_port(0, 0);
	while (p == d->port);
	return p;
}

/* ---- fork failure ----------------------------------------------------------- */

/*
 * fork() fails for the daemon (the shim, from the first call on), and so
 * does every clone() after the acceptor's: start-up warns that it could
 * not check what the run user can read, and each connection is refused,
 * not served, not lost: refused ... reason=fork_failed, and
 * fork_failed=N in the stats.
 */
static void
test_fork_failed(void **state)
{
	struct cst_daemon *d = *state;
	char preload[CST_PATHLEN + 16], line[1024], needle[96];
	const char *env[] = { preload, "CASESERV_FAULT=fork,clone@2",
	    "ASAN_OPTIONS=verify_asan_link_order=0", NULL };
	int fd, i;

	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", cst_fault_lib());
	cst_must_init(d);
	cst_must_conf(d, NULL);
	cst_must_start(d, cst_binary(0), NULL, env, 2);
	if (cst_is_root())
		expect_line(d, "privileges: fork: Resource temporarily "
		    "unavailable");
	for (i = 0; i < 2; i++) {
		fd = cst_must_connect(i ? V6 : V4, d->port);
		expect_cut(fd);
		snprintf(needle, sizeof(needle), i ? "refused peer=[%s]:%d " :
		    "refused peer=%s:%d ", i ? V6 : V4, cst_local_port(fd));
		assert_int_equal(cst_log_line(d, needle, 1, line, sizeof(line),
		    CST_WAIT_MS), 0);
		assert_non_null(strstr(line, " reason=fork_failed"));
		close(fd);
	}
	assert_int_equal(cst_log_count(d, "open peer="), 0);
	stats_line(d, line, sizeof(line));
	assert_int_equal(cst_field_num(line, "fork_failed"), 2);
	assert_int_equal(cst_field_num(line, "accepted"), 0);
	assert_int_equal(cst_field_num(line, "active"), 0);
	assert_true(cst_alive(d));
}

/* ---- the reap ring ---------------------------------------------------------- */

#define NRING	16	/* the test build's ring holds 4 */

/*
 * The acceptor (which reaps the sessions; sessions.c's ring) is stopped
 * while NRING sessions end; once it runs again, the SIGCHLD handler finds
 * more exits than its ring holds.  No session may be lost: each has its
 * close line, with its own pid and byte count, and no zombie is left.
 */
static void
test_reap_ring_overflow(void **state)
{
	struct cst_daemon *d = *state;
	int fds[NRING], i, zombies;
	pid_t pids[NRING];
	char line[1024], msg[64];
	pid_t acc;

	cst_must_init(d);
	cst_must_conf(d, NULL);
	cst_must_start(d, cst_binary(1), NULL, NULL, 2);
	acc = cst_must_acceptor(d);
	for (i = 0; i < NRING; i++) {
		fds[i] = cst_must_connect(i % 2 ? V6 : V4, d->port);
		/* A different length each: the close lines tell them apart. */
		snprintf(msg, sizeof(msg), "session %d%.*s", i, i, "xxxxxxxxxxxxxxxxx");
		cst_roundtrip(fds[i], msg);
		peer_line(d, "open", i % 2 ? V6 : V4, fds[i], line, sizeof(line));
		pids[i] = (pid_t)cst_field_num(line, "pid");
		assert_true(pids[i] > 0);
	}
	assert_int_equal(kill(acc, SIGSTOP), 0);
	assert_int_equal(cst_wait_state(acc, "T", CST_WAIT_MS), 0);
	for (i = 0; i < NRING; i++) {
		char buf[64];
		int how = -1;

		assert_int_equal(cst_shut_wr(fds[i]), 0);
		assert_int_equal(cst_recv_eof(fds[i], buf, sizeof(buf),
		    CST_WAIT_MS, &how), 0);
		assert_int_equal(how, 0);
	}
	/* All have exited, none reaped: the acceptor is still stopped. */
	for (i = 0; i < NRING; i++)
		assert_int_equal(cst_wait_state(pids[i], "Z", CST_WAIT_MS), 0);
	assert_int_equal(cst_log_count(d, "close peer="), 0);
	assert_int_equal(kill(acc, SIGCONT), 0);
	assert_int_equal(cst_log_wait_n(d, "close peer=", NRING, CST_WAIT_MS),
	    0);
	for (i = 0; i < NRING; i++) {
		peer_line(d, "close", i % 2 ? V6 : V4, fds[i], line,
		    sizeof(line));
		assert_int_equal(cst_field_num(line, "pid"), pids[i]);
		assert_int_equal(cst_field_num(line, "in"),
		    (long long)strlen("session ") + (i >= 10 ? 2 : 1) + i);
		assert_non_null(strstr(line, " reason=eof"));
		close(fds[i]);
	}
	assert_int_equal(cst_log_count(d, "close peer="), NRING);
	assert_int_equal(cst_children(acc, &zombies), 0);
	assert_int_equal(zombies, 0);
}

/* ---- draining on SIGTERM ---------------------------------------------------- */

/* Unread bytes on the server's side of our connection (/proc/net/tcp). */
static long
server_rx_queue(int port, int cport)
{
	char *text = cst_read_file("/proc/net/tcp"), *p, *save = NULL;
	unsigned lport, rport, st;
	unsigned long tx, rx;
	long q = -1;

	assert_non_null(text);
	for (p = strtok_r(text, "\n", &save); p != NULL;
	    p = strtok_r(NULL, "\n", &save))
		if (sscanf(p, " %*u: %*x:%x %*x:%x %x %lx:%lx", &lport, &rport,
		    &st, &tx, &rx) == 5 && (int)lport == port &&
		    (int)rport == cport)
			q = (long)rx;
	free(text);
	return q;
}

#define DRAIN_MAX	(16 * 1024 * 1024)
#define DRAIN_CHUNK	(64 * 1024)

/* Our send queue empty: all we sent is on the session's side. */
static void
wait_sent(int fd)
{
	int64_t end = cst_now_ms() + CST_WAIT_MS;
	int outq = -1;

	while (ioctl(fd, SIOCOUTQ, &outq) == 0 && outq > 0 &&
	    cst_now_ms() < end)
		cst_sleep_ms(5);
	assert_int_equal(outq, 0);
}

/*
 * The client sends and reads nothing, chunk by chunk, until the session
 * blocks writing with bytes still unread on its socket (it sleeps and
 * the queue stays).  SIGTERM: the session echoes what it had read and
 * what was queued, every byte, then closes with reason=shutdown.
 */
static void
test_drain_on_shutdown(void **state)
{
	struct cst_daemon *d = *state;
	unsigned char *out = malloc(DRAIN_MAX), *want = malloc(DRAIN_MAX),
	    *got = malloc(DRAIN_MAX + 1);
	int fd, how = -1, cport;
	size_t sent = 0;
	long rxq = -1;
	char line[1024];
	ssize_t n;
	pid_t pid;

	assert_true(out != NULL && want != NULL && got != NULL);
	cst_random(out, DRAIN_MAX, 12);
	cst_toggle(out, want, DRAIN_MAX);
	cst_must_start_default(d, NULL);
	fd = cst_must_connect(V4, d->port);
	cport = cst_local_port(fd);
	peer_line(d, "open", V4, fd, line, sizeof(line));
	pid = (pid_t)cst_field_num(line, "pid");
	for (;;) {
		assert_true(sent + DRAIN_CHUNK <= DRAIN_MAX);
		assert_int_equal(cst_send_all(fd, out + sent, DRAIN_CHUNK,
		    CST_WAIT_MS), 0);
		sent += DRAIN_CHUNK;
		wait_sent(fd);
		if ((rxq = server_rx_queue(d->port, cport)) > 0 &&
		    cst_wait_state(pid, "S", CST_WAIT_MS) == 0 &&
		    server_rx_queue(d->port, cport) == rxq)
			break;
	}
	print_message("sent %zu, %ld of them unread by the session\n", sent,
	    rxq);
	assert_int_equal(cst_signal(d, SIGTERM), 0);
	assert_int_equal(cst_log_wait(d, "shutting down: sessions=1",
	    CST_WAIT_MS), 0);
	n = cst_recv_eof(fd, got, DRAIN_MAX + 1, CST_WAIT_MS, &how);
	assert_int_equal(how, 0);
	assert_int_equal(n, sent);
	assert_memory_equal(got, want, sent);
	peer_line(d, "close", V4, fd, line, sizeof(line));
	print_message("%s\n", line);
	assert_int_equal(cst_field_num(line, "in"), sent);
	assert_int_equal(cst_field_num(line, "out"), sent);
	assert_non_null(strstr(line, " reason=shutdown"));
	assert_int_equal(cst_exit_code(cst_wait_exit(d, CST_WAIT_MS)), 0);
	close(fd);
	free(out);
	free(want);
	free(got);
}

/*
 * The client resets the connection (SO_LINGER 0) while its session waits
 * for input: the session's read fails, and the line says reason=reset.
 */
static void
test_client_reset(void **state)
{
	struct cst_daemon *d = *state;
	struct linger lg = { 1, 0 };
	char line[1024], needle[96];
	int fd, port;
	pid_t pid;

	cst_must_start_default(d, NULL);
	fd = cst_must_connect(V4, d->port);
	cst_roundtrip(fd, "then gone");
	peer_line(d, "open", V4, fd, line, sizeof(line));
	pid = (pid_t)cst_field_num(line, "pid");
	/* Waiting in its poll for more, not still writing the echo. */
	assert_int_equal(cst_wait_state(pid, "S", CST_WAIT_MS), 0);
	port = cst_local_port(fd);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg,
	    sizeof(lg)), 0);
	close(fd);
	snprintf(needle, sizeof(needle), "close peer=127.0.0.1:%d ", port);
	assert_int_equal(cst_log_line(d, needle, 1, line, sizeof(line),
	    CST_WAIT_MS), 0);
	print_message("%s\n", line);
	assert_non_null(strstr(line, " in=9 out=9 "));
	assert_non_null(strstr(line, " reason=reset"));
}

/* ---- reload and listeners ----------------------------------------------------- */

/*
 * A reload without the third listener closes it: the line says so, the
 * port refuses, the others serve, and a session that came in through it
 * goes on untouched.
 */
static void
test_reload_removes_listener(void **state)
{
	struct cst_daemon *d = *state;
	char text[128];
	int p2, fd, gone;

	cst_must_init(d);
	p2 = other_port(d);
	conf_three(d, p2, NULL);
	cst_must_start(d, cst_binary(0), NULL, NULL, 3);
	fd = cst_must_connect(V4, p2);
	cst_roundtrip(fd, "through the third");
	cst_must_conf(d, NULL);
	assert_int_equal(cst_signal(d, SIGHUP), 0);
	snprintf(text, sizeof(text), "closed listener 127.0.0.1:%d", p2);
	expect_line(d, text);
	expect_line(d, "reload ok");
	gone = cst_connect(V4, p2, CST_WAIT_MS);
	assert_int_equal(gone, -1);
	assert_int_equal(errno, ECONNREFUSED);
	assert_int_equal(cst_echo_once(V4, d->port, "v4 still"), 0);
	assert_int_equal(cst_echo_once(V6, d->port, "v6 still"), 0);
	cst_roundtrip(fd, "still here after the reload");
	close(fd);
}

/*
 * A reload that would close the third listener and bind a busy port fails
 * at the bind: nothing changes, the third listener still serves, none is
 * closed, and the daemon applies nothing of the file.
 */
static void
test_reload_fails_midway(void **state)
{
	struct cst_daemon *d = *state;
	char text[1024];
	int p2, p3, busy;

	cst_must_init(d);
	p2 = other_port(d);
	do
		p3 = other_port(d);
	while (p3 == p2);
	conf_three(d, p2, NULL);
	cst_must_start(d, cst_binary(0), NULL, NULL, 3);
	busy = cst_occupy(p3);
	snprintf(text, sizeof(text),
	    "listen = ( { host = \"127.0.0.1\"; port = %d; },\n"
	    "           { host = \"127.0.0.1\"; port = %d; } );\n"
	    "user = \"nobody\";\nmax_clients = 1;\n", d->port, p3);
	cst_must_write(d->conf, text);
	assert_int_equal(cst_signal(d, SIGHUP), 0);
	snprintf(text, sizeof(text), "reload failed: bind: 127.0.0.1:%d: "
	    "Address already in use", p3);
	expect_line(d, text);
	assert_int_equal(cst_log_count(d, "closed listener"), 0);
	assert_int_equal(cst_log_count(d, "reload ok"), 0);
	assert_int_equal(cst_echo_once(V4, p2, "third still"), 0);
	assert_int_equal(cst_echo_once(V6, d->port, "v6 still"), 0);
	/* max_clients = 1 was not applied: two at once are served. */
	{
		int a = cst_must_connect(V4, d->port);
		int b = cst_must_connect(V4, d->port);

		cst_roundtrip(a, "one");
		cst_roundtrip(b, "two");
		close(a);
		close(b);
	}
	close(busy);
}

/* user, group and pidfile only change with a restart: one warning each. */
static void
test_reload_restart_warnings(void **state)
{
	struct cst_daemon *d = *state;
	char pidfile[CST_PATHLEN + 32], extra[CST_PATHLEN + 256];

	cst_must_start_default(d, NULL);
	cst_must_conf(d, "group = \"nogroup\";");
	assert_int_equal(cst_signal(d, SIGHUP), 0);
	expect_line(d, "reload: user/group change needs a restart");
	assert_int_equal(cst_log_wait_n(d, "reload ok", 1, CST_WAIT_MS), 0);
	assert_int_equal(cst_log_count(d, "pidfile change"), 0);

	snprintf(pidfile, sizeof(pidfile), "%s/new.pid", d->dir);
	snprintf(extra, sizeof(extra), "group = \"nogroup\";\n"
	    "pidfile = \"%s\";", pidfile);
	cst_must_conf(d, extra);
	assert_int_equal(cst_signal(d, SIGHUP), 0);
	expect_line(d, "reload: pidfile change needs a restart");
	assert_int_equal(cst_log_wait_n(d, "reload ok", 2, CST_WAIT_MS), 0);
	assert_int_equal(cst_log_count(d, "user/group change"), 1);
	/* Not written: the running daemon keeps the pidfile it started with. */
	assert_int_equal(access(pidfile, F_OK), -1);

	snprintf(extra, sizeof(extra), "listen = ( { host = \"127.0.0.1\"; "
	    "port = %d; }, { host = \"::1\"; port = %d; } );\n"
	    "user = \"daemon\";\ngroup = \"nogroup\";\npidfile = \"%s\";\n",
	    d->port, d->port, pidfile);
	cst_must_write(d->conf, extra);
	assert_int_equal(cst_signal(d, SIGHUP), 0);
	assert_int_equal(cst_log_wait_n(d, "reload ok", 3, CST_WAIT_MS), 0);
	assert_int_equal(cst_log_count(d,
	    "reload: user/group change needs a restart\n"), 2);
	assert_int_equal(cst_log_count(d,
	    "reload: pidfile change needs a restart\n"), 1);
	assert_int_equal(cst_echo_once(V4, d->port, "same account"), 0);
}

/* ---- start-up ------------------------------------------------------------- */

/*
 * A listen host that does not resolve is the file's fault: exit 78 and
 * one line FILE:LINE: listen: HOST port PORT: reason.  "bad..host" (an
 * empty label) is refused by the resolver without asking a name server.
 */
static void
test_unknown_host(void **state)
{
	struct cst_daemon *d = *state;
	const char *argv[] = { cst_binary(0), "-f", "-e", "-c", NULL, NULL };
	char text[256], want[CST_PATHLEN + 128], *err = NULL;

	cst_must_init(d);
	snprintf(text, sizeof(text), "user = \"nobody\";\n"
	    "listen = ( { host = \"127.0.0.1\"; port = %d; },\n"
	    "  { host = \"bad..host\"; port = %d; } );\n", d->port, d->port);
	cst_must_write(d->conf, text);
	argv[4] = d->conf;
	assert_int_equal(cst_exit_code(cst_run(d->dir, argv, NULL, NULL, &err,
	    CST_WAIT_MS)), 78);
	snprintf(want, sizeof(want), "%s:3: listen: bad..host port %d: Name "
	    "or service not known\n", d->conf, d->port);
	print_message("stderr: %s", err);
	assert_non_null(strstr(err, want));
	/* One line: nothing was listening, nothing else said. */
	assert_null(strchr(strstr(err, want) + strlen(want), '\n'));
	assert_null(strstr(err, "listening on"));
	free(err);
}

/*
 * -d alone: debug level whatever log_level says, in the foreground (the
 * process started is main), on standard error.
 */
static void
test_debug_flag(void **state)
{
	struct cst_daemon *d = *state;
	const char *argv[] = { cst_binary(0), "-d", "-c", NULL, NULL };
	char line[1024];

	cst_must_init(d);
	cst_must_conf(d, "log_level = \"error\";");
	argv[3] = d->conf;
	cst_must_start_argv(d, argv, NULL, 2);
	assert_true(cst_alive(d));
	assert_int_equal(cst_proc_ppid(d->pid), getpid());
	assert_int_equal(cst_log_line(d, "sandbox: session filter built: ", 1,
	    line, sizeof(line), CST_WAIT_MS), 0);
	print_message("%s\n", line);
	/* Debug and info lines despite log_level = "error". */
	assert_int_equal(cst_echo_once(V4, d->port, "debugged"), 0);
	assert_int_equal(cst_log_wait(d, "close peer=127.0.0.1:", CST_WAIT_MS),
	    0);
	last_pid = d->pid;
	assert_int_equal(cst_signal(d, SIGTERM), 0);
	assert_int_equal(cst_exit_code(cst_wait_exit(d, CST_WAIT_MS)), 0);
	expect_line_of(d, "exiting");
}

/* $NOTIFY_SOCKET the daemon cannot use: one warning, then it serves. */
static void
start_with_notify(struct cst_daemon *d, const char *value, const char *want)
{
	char env0[512], text[600];
	const char *env[] = { env0, NULL };

	snprintf(env0, sizeof(env0), "NOTIFY_SOCKET=%s", value);
	cst_must_init(d);
	cst_must_conf(d, NULL);
	cst_must_start(d, cst_binary(0), NULL, env, 2);
	snprintf(text, sizeof(text), "notify: %s: %s", value, want);
	expect_line(d, text);
	assert_int_equal(cst_echo_once(V4, d->port, "no manager"), 0);
}

static void
test_notify_relative(void **state)
{
	start_with_notify(*state, "run/notify.sock",
	    "unsupported socket address");
}

static void
test_notify_too_long(void **state)
{
	char path[160];

	memset(path, 'n', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	start_with_notify(*state, path, "unsupported socket address");
}

/* $WATCHDOG_PID that names no process: ignored with a warning. */
static void
test_watchdog_pid_bad(void **state)
{
	struct cst_daemon *d = *state;
	char sock[CST_PATHLEN + 32], env0[CST_PATHLEN + 48];
	const char *env[] = { env0, "WATCHDOG_USEC=2000000",
	    "WATCHDOG_PID=12ab", NULL };

	cst_must_init(d);
	cst_must_conf(d, NULL);
	/* Nobody listens there: the datagrams are lost, as allowed. */
	snprintf(sock, sizeof(sock), "%s/notify.sock", d->dir);
	snprintf(env0, sizeof(env0), "NOTIFY_SOCKET=%s", sock);
	cst_must_start(d, cst_binary(0), NULL, env, 2);
	expect_line(d, "watchdog: WATCHDOG_PID=12ab: not a process id; "
	    "ignored");
	assert_int_equal(cst_echo_once(V6, d->port, "unwatched"), 0);
}

/*
 * $LISTEN_FDS that cannot be for us: one warning naming the variable, and
 * the daemon binds its own listeners as if it had not been set.
 */
static void
start_with_listen_env(struct cst_daemon *d, const char *const *env,
    const char *want)
{
	cst_must_init(d);
	cst_must_conf(d, NULL);
	cst_must_start(d, cst_binary(0), NULL, env, 2);
	expect_line(d, want);
	assert_int_equal(cst_log_count(d, "(socket activation"), 0);
	assert_int_equal(cst_echo_once(V4, d->port, "bound ourselves"), 0);
}

static void
test_listen_fds_bad(void **state)
{
	static const char *const env[] = { "LISTEN_FDS=two", "LISTEN_PID=1",
	    NULL };

	start_with_listen_env(*state, env, "socket activation: LISTEN_FDS=two: "
	    "not a number 0..1024; ignored");
}

static void
test_listen_pid_bad(void **state)
{
	static const char *const env[] = { "LISTEN_FDS=1", "LISTEN_PID=-3",
	    NULL };

	start_with_listen_env(*state, env, "socket activation: LISTEN_PID=-3: "
	    "not a process id; LISTEN_FDS ignored");
}

static void
test_listen_pid_missing(void **state)
{
	static const char *const env[] = { "LISTEN_FDS=1", NULL };

	start_with_listen_env(*state, env, "socket activation: LISTEN_PID=: "
	    "not a process id; LISTEN_FDS ignored");
}

/* ---- the sandbox ------------------------------------------------------------- */

/*
 * The test build's session makes a system call with no name on its first
 * read (CASESERV_TEST_SANDBOX_BREAK=unnamed): killed outright, no report,
 * so the acceptor logs syscall=?.
 */
static void
test_killed_unnamed(void **state)
{
	static const char *const env[] = {
	    "CASESERV_TEST_SANDBOX_BREAK=unnamed", NULL };
	struct cst_daemon *d = *state;
	char line[1024], val[64];
	int fd;

	cst_must_init(d);
	cst_must_conf(d, NULL);
	cst_must_start(d, cst_binary(1), NULL, env, 2);
	fd = cst_must_connect(V4, d->port);
	assert_int_equal(cst_send_all(fd, "x", 1, CST_WAIT_MS), 0);
	expect_cut(fd);
	peer_line(d, "killed", V4, fd, line, sizeof(line));
	print_message("%s\n", line);
	assert_int_equal(cst_field(line, "signal", val, sizeof(val)), 0);
	assert_string_equal(val, "SIGSYS");
	assert_int_equal(cst_field(line, "reason", val, sizeof(val)), 0);
	assert_string_equal(val, "sandbox");
	assert_int_equal(cst_field(line, "syscall", val, sizeof(val)), 0);
	assert_string_equal(val, "?");
	close(fd);
	assert_true(cst_alive(d));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fork_failed, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_reap_ring_overflow,
		    cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_drain_on_shutdown,
		    cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_client_reset, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_reload_removes_listener,
		    cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_reload_fails_midway,
		    cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_reload_restart_warnings,
		    cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_unknown_host, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_debug_flag, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_notify_relative, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_notify_too_long, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_watchdog_pid_bad,
		    cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_killed_unnamed, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_listen_fds_bad, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_listen_pid_bad, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_listen_pid_missing,
		    cst_setup, cst_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
