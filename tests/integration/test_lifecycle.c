/*
 * test_lifecycle.c - the daemon's life as an operator drives it (SPEC
 * sections 3, 4 and 7): graceful stop, shutdown_timeout, stats, reload, the
 * pidfile, and the per-session timeouts and byte limit.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../lib/cstest.h"

#define NDRAIN		3
#define DRAIN_LEN	(64 * 1024)
#define DRAIN_READ	(16 * 1024)

/* Wait until fd has want bytes queued unread (the server sent them all). */
static void
wait_queued(int fd, int want)
{
	int64_t end = cst_now_ms() + CST_WAIT_MS;
	int queued = -1;

	while (cst_now_ms() < end) {
		assert_int_equal(ioctl(fd, FIONREAD, &queued), 0);
		if (queued >= want)
			return;
		cst_sleep_ms(10);
	}
	fail_msg("only %d of %d echoed bytes arrived", queued, want);
}

static void
close_line(struct cst_daemon *d, const char *addr, int fd, char *line,
    size_t len)
{
	char needle[96];

	snprintf(needle, sizeof(needle), strchr(addr, ':') ?
	    "close peer=[%s]:%d " : "close peer=%s:%d ", addr,
	    cst_local_port(fd));
	assert_int_equal(cst_log_line(d, needle, 1, line, len, CST_WAIT_MS),
	    0);
	print_message("%s\n", line);
}

/*
 * SIGTERM/SIGINT: clients mid-conversation get every byte the sessions
 * have read, then EOF (not a reset), and the daemon exits 0 long before
 * shutdown_timeout, because idle sessions finish at once.
 */
static void
graceful_stop(struct cst_daemon *d, int sig)
{
	static const char *addrs[NDRAIN] = { "127.0.0.1", "::1", "127.0.0.1" };
	unsigned char *out = malloc(DRAIN_LEN), *want = malloc(DRAIN_LEN);
	unsigned char *got = malloc(DRAIN_LEN);
	char line[512], reason[32];
	int fds[NDRAIN], i, how, status;
	int64_t t0;

	assert_true(out != NULL && want != NULL && got != NULL);
	cst_must_start_default(d, "shutdown_timeout = 30;");
	cst_random(out, DRAIN_LEN, (uint64_t)sig);
	cst_toggle(out, want, DRAIN_LEN);
	for (i = 0; i < NDRAIN; i++) {
		fds[i] = cst_must_connect(addrs[i], d->port);
		assert_int_equal(cst_send_all(fds[i], out, DRAIN_LEN,
		    CST_WAIT_MS), 0);
		assert_int_equal(cst_recv_exact(fds[i], got, DRAIN_READ,
		    CST_WAIT_MS), DRAIN_READ);
		/*
		 * SPEC: a stopping session stops reading; so the test makes sure
		 * the session has read all before the signal (its answer is
		 * queued here), and then demands all of it.
		 */
		wait_queued(fds[i], DRAIN_LEN - DRAIN_READ);
	}
	t0 = cst_now_ms();
	assert_int_equal(cst_signal(d, sig), 0);
	for (i = 0; i < NDRAIN; i++) {
		assert_int_equal(cst_recv_eof(fds[i], got + DRAIN_READ,
		    DRAIN_LEN - DRAIN_READ, CST_WAIT_MS, &how),
		    DRAIN_LEN - DRAIN_READ);
		assert_int_equal(how, 0);
		assert_memory_equal(got + DRAIN_READ, want + DRAIN_READ,
		    DRAIN_LEN - DRAIN_READ);
	}
	status = cst_wait_exit(d, CST_WAIT_MS);
	print_message("exit status %d after %lld ms\n", cst_exit_code(status),
	    (long long)(cst_now_ms() - t0));
	assert_int_equal(cst_exit_code(status), 0);
	/* 10 s ceiling < shutdown_timeout 30: nobody waited for the timeout. */
	for (i = 0; i < NDRAIN; i++) {
		close_line(d, addrs[i], fds[i], line, sizeof(line));
		assert_int_equal(cst_field(line, "reason", reason,
		    sizeof(reason)), 0);
		assert_string_equal(reason, "shutdown");
		assert_int_equal(cst_field_num(line, "in"), DRAIN_LEN);
		assert_int_equal(cst_field_num(line, "out"), DRAIN_LEN);
		close(fds[i]);
	}
	/* The listeners are gone with it. */
	assert_int_equal(cst_connect("127.0.0.1", d->port, 1000), -1);
	free(out);
	free(want);
	free(got);
}

static void
test_sigterm(void **state)
{
	graceful_stop(*state, SIGTERM);
}

static void
test_sigint(void **state)
{
	graceful_stop(*state, SIGINT);
}

/* Fill the connection until the client's send would block for a while. */
static void
stuff(int fd)
{
	static unsigned char junk[65536];
	int64_t last = cst_now_ms();
	size_t total = 0;
	ssize_t n;

	memset(junk, 'x', sizeof(junk));
	/* Bounded: 256 MiB or 300 ms without progress. */
	while (total < 256u * 1024 * 1024 && cst_now_ms() - last < 300) {
		n = send(fd, junk, sizeof(junk), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			total += (size_t)n;
			last = cst_now_ms();
		} else {
			assert_true(errno == EAGAIN || errno == EINTR);
			cst_sleep_ms(5);
		}
	}
	print_message("client stuffed %zu bytes unread\n", total);
}

/*
 * A session that cannot finish (its client never reads) is killed after
 * shutdown_timeout = 1, and the daemon still exits 0.
 */
static void
test_shutdown_timeout(void **state)
{
	struct cst_daemon *d = *state;
	char line[512];
	int fd, status;
	pid_t spid;
	char pstate;
	int64_t t0, ms;

	cst_must_start_default(d, "shutdown_timeout = 1;");
	fd = cst_must_connect("127.0.0.1", d->port);
	assert_int_equal(cst_log_line(d, "open peer=", 1, line, sizeof(line),
	    CST_WAIT_MS), 0);
	spid = (pid_t)cst_field_num(line, "pid");
	stuff(fd);
	t0 = cst_now_ms();
	assert_int_equal(cst_signal(d, SIGTERM), 0);
	status = cst_wait_exit(d, 1000 + CST_WAIT_MS);
	ms = cst_now_ms() - t0;
	print_message("exit status %d after %lld ms\n", cst_exit_code(status),
	    (long long)ms);
	assert_int_equal(cst_exit_code(status), 0);
	/* The session had its second (900: clock rounding) before the kill. */
	assert_true(ms >= 900);
	/* The stuck session did not outlive the daemon (a zombie is dead). */
	assert_true(spid > 1);
	pstate = cst_proc_state(spid);
	assert_true(pstate == 0 || pstate == 'Z');
	close(fd);
}

/* SIGUSR1 logs one stats line that counts what happened. */
static void
test_sigusr1_stats(void **state)
{
	struct cst_daemon *d = *state;
	char line[1024];
	int a, b;

	cst_must_start_default(d, NULL);
	a = cst_must_connect("127.0.0.1", d->port);
	cst_roundtrip(a, "first");
	close(a);
	assert_int_equal(cst_log_wait(d, " reason=eof", CST_WAIT_MS), 0);
	b = cst_must_connect("::1", d->port);
	cst_roundtrip(b, "second");
	assert_int_equal(cst_signal(d, SIGUSR1), 0);
	assert_int_equal(cst_log_line(d, ": stats ", 1, line, sizeof(line),
	    CST_WAIT_MS), 0);
	print_message("%s\n", line);
	assert_int_equal(cst_field_num(line, "active"), 1);
	assert_int_equal(cst_field_num(line, "accepted"), 2);
	assert_int_equal(cst_field_num(line, "refused"), 0);
	/* One line per signal: a session opened after the signal was
	 * handled is logged after anything the handling logs. */
	assert_int_equal(cst_echo_once("127.0.0.1", d->port, "barrier"), 0);
	assert_int_equal(cst_log_wait_n(d, " reason=eof", 2, CST_WAIT_MS), 0);
	assert_int_equal(cst_log_count(d, ": stats "), 1);
	cst_roundtrip(b, "still served");
	close(b);
}

/* A broken file on SIGHUP: reload failed: FILE:LINE:, service goes on. */
static void
test_sighup_broken(void **state)
{
	struct cst_daemon *d = *state;
	char text[512], needle[600];
	int fd;

	cst_must_start_default(d, NULL);
	fd = cst_must_connect("::1", d->port);
	cst_roundtrip(fd, "before");
	snprintf(text, sizeof(text),
	    "listen = ( { host = \"127.0.0.1\"; port = %d; },\n"
	    "           { host = \"::1\"; port = %d; } );\n"
	    "user = \"nobody\";\n"
	    "max_clientz = 3;\n", d->port, d->port);
	cst_must_write(d->conf, text);
	assert_int_equal(cst_signal(d, SIGHUP), 0);
	snprintf(needle, sizeof(needle), "reload failed: %s:4: ", d->conf);
	assert_int_equal(cst_log_wait(d, needle, CST_WAIT_MS), 0);
	assert_int_equal(cst_log_count(d, "reload ok"), 0);
	assert_true(cst_alive(d));
	cst_roundtrip(fd, "after");
	assert_int_equal(cst_echo_once("127.0.0.1", d->port, "new one"), 0);
	close(fd);
}

/*
 * Issue 12: the file replaced by a FIFO used to wedge the master on
 * SIGHUP (opened blocking): no more service, SIGTERM ignored.  Now the
 * reload fails like any other, and the daemon serves and stops as usual.
 */
static void
test_sighup_fifo(void **state)
{
	struct cst_daemon *d = *state;
	char needle[CST_PATHLEN + 32];
	int status;
	int64_t t0;

	cst_must_start_default(d, NULL);
	assert_int_equal(unlink(d->conf), 0);
	assert_int_equal(mkfifo(d->conf, 0644), 0);
	assert_int_equal(cst_signal(d, SIGHUP), 0);
	snprintf(needle, sizeof(needle), "reload failed: %s:", d->conf);
	assert_int_equal(cst_log_wait(d, needle, CST_WAIT_MS), 0);
	assert_int_equal(cst_log_count(d, "not a regular file"), 1);
	assert_int_equal(cst_echo_once("127.0.0.1", d->port, "still here"), 0);
	assert_int_equal(cst_echo_once("::1", d->port, "still here"), 0);
	t0 = cst_now_ms();
	assert_int_equal(cst_signal(d, SIGTERM), 0);
	status = cst_wait_exit(d, 3000);
	print_message("exit %d after %lld ms\n", cst_exit_code(status),
	    (long long)(cst_now_ms() - t0));
	assert_int_equal(cst_exit_code(status), 0);
}

/*
 * The listen(2) backlog of the socket listening on addr:port, as ss(8)
 * shows it (Send-Q of a LISTEN socket), or -1.
 */
static int
listen_backlog(const char *addr, int port)
{
	char cmd[128], line[256], local[96], want[96];
	int recvq, sendq, backlog = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ss -Hltn 'sport = :%d'", port);
	snprintf(want, sizeof(want), strchr(addr, ':') ? "[%s]:%d" : "%s:%d",
	    addr, port);
	assert_non_null(p = popen(cmd, "r"));
	while (fgets(line, sizeof(line), p) != NULL)
		if (sscanf(line, "LISTEN %d %d %95s", &recvq, &sendq, local) == 3 &&
		    strcmp(local, want) == 0)
			backlog = sendq;
	pclose(p);
	return backlog;
}

/*
 * Issue 12: a reload that fails part-way (a new address already in use)
 * must change nothing; the kept listeners' backlog had been re-applied
 * before the failing bind.  A reload that succeeds does apply it.
 */
static void
test_sighup_failed_keeps_backlog(void **state)
{
	struct cst_daemon *d = *state;
	char text[512], needle[128];
	int busy, p2;

	cst_must_start_default(d, "backlog = 5;");
	assert_int_equal(listen_backlog("127.0.0.1", d->port), 5);
	do
		p2 = cst_free_port(0, 0);
	while (p2 == d->port);
	busy = cst_occupy(p2);
	/* The kept listeners come first, so they are met before the bind. */
	snprintf(text, sizeof(text),
	    "listen = ( { host = \"127.0.0.1\"; port = %d; },\n"
	    "           { host = \"::1\"; port = %d; },\n"
	    "           { host = \"127.0.0.1\"; port = %d; } );\n"
	    "user = \"nobody\";\nbacklog = 77;\n", d->port, d->port, p2);
	cst_must_write(d->conf, text);
	assert_int_equal(cst_signal(d, SIGHUP), 0);
	snprintf(needle, sizeof(needle), "reload failed: bind: 127.0.0.1:%d: ",
	    p2);
	assert_int_equal(cst_log_wait(d, needle, CST_WAIT_MS), 0);
	assert_int_equal(listen_backlog("127.0.0.1", d->port), 5);
	assert_int_equal(listen_backlog("::1", d->port), 5);
	assert_int_equal(cst_echo_once("127.0.0.1", d->port, "served"), 0);
	close(busy);
	/* The same file, now that the port is free: applied. */
	assert_int_equal(cst_signal(d, SIGHUP), 0);
	assert_int_equal(cst_log_wait(d, "reload ok", CST_WAIT_MS), 0);
	assert_int_equal(listen_backlog("127.0.0.1", d->port), 77);
	assert_int_equal(listen_backlog("::1", d->port), 77);
	assert_int_equal(listen_backlog("127.0.0.1", p2), 77);
}

/* A valid file on SIGHUP: reload ok, a new port binds, the old serves on. */
static void
test_sighup_new_port(void **state)
{
	struct cst_daemon *d = *state;
	char text[512];
	int fd, p2;

	cst_must_start_default(d, NULL);
	fd = cst_must_connect("127.0.0.1", d->port);
	cst_roundtrip(fd, "before reload");
	do
		p2 = cst_free_port(0, 0);
	while (p2 == d->port);
	snprintf(text, sizeof(text),
	    "listen = ( { host = \"127.0.0.1\"; port = %d; },\n"
	    "           { host = \"::1\"; port = %d; },\n"
	    "           { host = \"127.0.0.1\"; port = %d; },\n"
	    "           { host = \"::1\"; port = %d; } );\n"
	    "user = \"nobody\";\n", d->port, d->port, p2, p2);
	cst_must_write(d->conf, text);
	assert_int_equal(cst_signal(d, SIGHUP), 0);
	assert_int_equal(cst_log_wait(d, "reload ok", CST_WAIT_MS), 0);
	/* "reload ok" comes after the new sockets are bound: no retry. */
	assert_int_equal(cst_echo_once("127.0.0.1", p2, "new port v4"), 0);
	assert_int_equal(cst_echo_once("::1", p2, "new port v6"), 0);
	assert_int_equal(cst_echo_once("127.0.0.1", d->port, "old port"), 0);
	assert_int_equal(cst_echo_once("::1", d->port, "old port v6"), 0);
	/* The session in progress is untouched. */
	cst_roundtrip(fd, "after reload");
	close(fd);
}

/*
 * pidfile: written once listening, a second instance refuses and names the
 * running pid, removed at exit.
 */
static void
test_pidfile(void **state)
{
	struct cst_daemon *d = *state;
	char rundir[CST_PATHLEN + 8], pidfile[CST_PATHLEN + 32];
	char extra[CST_PATHLEN + 64], conf2[CST_PATHLEN + 16], text[1024];
	char pidtext[32], *got, *err;
	const char *argv[6];
	int status;

	cst_must_init(d);
	snprintf(rundir, sizeof(rundir), "%s/run", d->dir);
	assert_int_equal(mkdir(rundir, 0755), 0);
	/* The daemon removes its pidfile as "nobody" at exit. */
	assert_int_equal(chmod(rundir, 0777), 0);
	snprintf(pidfile, sizeof(pidfile), "%s/caseserv.pid", rundir);
	snprintf(extra, sizeof(extra), "pidfile = \"%s\";", pidfile);
	cst_must_conf(d, extra);
	cst_must_start(d, cst_binary(0), NULL, NULL, 2);
	got = cst_read_file(pidfile);
	assert_non_null(got);
	snprintf(pidtext, sizeof(pidtext), "%d", (int)d->pid);
	assert_int_equal(strtol(got, NULL, 10), d->pid);
	free(got);

	snprintf(conf2, sizeof(conf2), "%s/second.conf", d->dir);
	snprintf(text, sizeof(text),
	    "listen = ( { host = \"127.0.0.1\"; port = %d; } );\n"
	    "user = \"nobody\";\n%s\n", cst_free_port(0, 0), extra);
	cst_must_write(conf2, text);
	argv[0] = cst_binary(0);
	argv[1] = "-f";
	argv[2] = "-e";
	argv[3] = "-c";
	argv[4] = conf2;
	argv[5] = NULL;
	status = cst_run(d->dir, argv, NULL, NULL, &err, CST_WAIT_MS);
	print_message("second instance: status %d, stderr: %s",
	    cst_exit_code(status), err);
	assert_true(cst_exit_code(status) > 0 && cst_exit_code(status) < 128);
	assert_non_null(strstr(err, pidtext));
	free(err);
	/* The first instance is unharmed, its pidfile too. */
	assert_int_equal(cst_echo_once("127.0.0.1", d->port, "first"), 0);
	got = cst_read_file(pidfile);
	assert_non_null(got);
	assert_int_equal(strtol(got, NULL, 10), d->pid);
	free(got);

	assert_int_equal(cst_signal(d, SIGTERM), 0);
	assert_int_equal(cst_exit_code(cst_wait_exit(d, CST_WAIT_MS)), 0);
	assert_int_equal(access(pidfile, F_OK), -1);
	assert_int_equal(errno, ENOENT);
}

/* idle_timeout = 1 closes a silent session after ~1 s, not a busy one. */
static void
test_idle_timeout(void **state)
{
	struct cst_daemon *d = *state;
	char line[512], reason[32];
	unsigned char buf[8];
	int fd, how = -1, i;
	int64_t t0, ms;

	cst_must_start_default(d, "idle_timeout = 1;");
	/* Busy: a byte every 400 ms for 2 s keeps the session alive. */
	fd = cst_must_connect("127.0.0.1", d->port);
	for (i = 0; i < 5; i++) {
		cst_roundtrip(fd, "k");
		cst_sleep_ms(400);
	}
	cst_roundtrip(fd, "still alive");
	/* Then silent: closed after one second. */
	t0 = cst_now_ms();
	assert_int_equal(cst_recv_eof(fd, buf, sizeof(buf), CST_WAIT_MS, &how),
	    0);
	ms = cst_now_ms() - t0;
	print_message("idle session closed after %lld ms\n", (long long)ms);
	assert_int_equal(how, 0);
	/* Never early; the upper bound only catches "never" (shared machine). */
	assert_true(ms >= 900 && ms < 6000);
	close_line(d, "127.0.0.1", fd, line, sizeof(line));
	assert_int_equal(cst_field(line, "reason", reason, sizeof(reason)), 0);
	assert_string_equal(reason, "idle_timeout");
	close(fd);
}

/*
 * idle_timeout also covers a client that sends but stops reading: its
 * session is stuck writing, moves no byte, and is closed all the same.
 */
static void
test_idle_timeout_not_reading(void **state)
{
	struct cst_daemon *d = *state;
	char line[512], reason[32];
	int fd;

	cst_must_start_default(d, "idle_timeout = 1;");
	fd = cst_must_connect("::1", d->port);
	stuff(fd);
	close_line(d, "::1", fd, line, sizeof(line));
	assert_int_equal(cst_field(line, "reason", reason, sizeof(reason)), 0);
	assert_string_equal(reason, "idle_timeout");
	/* It did echo what it could before the client stopped reading. */
	assert_true(cst_field_num(line, "out") > 0);
	assert_true(cst_alive(d));
	close(fd);
}

/* SIGUSR1 is an operator's request: answered even at log_level warning. */
static void
test_sigusr1_any_level(void **state)
{
	struct cst_daemon *d = *state;

	int64_t end;

	cst_must_init(d);
	cst_must_conf(d, "log_level = \"warning\";");
	/* No `listening on` line at this level: ready is when it answers. */
	cst_must_start(d, cst_binary(0), NULL, NULL, 0);
	end = cst_now_ms() + CST_WAIT_MS;
	while (cst_echo_once("127.0.0.1", d->port, "quiet") != 0 &&
	    cst_now_ms() < end)
		cst_sleep_ms(20);
	assert_int_equal(cst_echo_once("127.0.0.1", d->port, "quiet"), 0);
	assert_int_equal(cst_signal(d, SIGUSR1), 0);
	assert_int_equal(cst_log_wait(d, "stats active=", CST_WAIT_MS), 0);
	/* ... while the level still holds back the info lines. */
	assert_int_equal(cst_log_count(d, "open peer="), 0);
}

/*
 * Signals meant for the master do nothing to a session that receives them
 * (a terminal hang-up reaches the whole process group): it goes on serving,
 * and the master neither reloads nor stops.
 */
static void
test_session_ignores_master_signals(void **state)
{
	static const int sigs[] = { SIGHUP, SIGUSR1, SIGINT, SIGCHLD, SIGPIPE };
	struct cst_daemon *d = *state;
	char line[512];
	pid_t spid;
	int fd;

	cst_must_start_default(d, NULL);
	fd = cst_must_connect("127.0.0.1", d->port);
	cst_roundtrip(fd, "before");
	assert_int_equal(cst_log_line(d, "open peer=", 1, line, sizeof(line),
	    CST_WAIT_MS), 0);
	spid = (pid_t)cst_field_num(line, "pid");
	assert_true(spid > 1 && spid != d->pid);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		assert_int_equal(kill(spid, sigs[i]), 0);
		cst_roundtrip(fd, "still here");
	}
	assert_int_equal(cst_log_count(d, "reload"), 0);
	assert_int_equal(cst_log_count(d, "stats "), 0);
	assert_int_equal(cst_log_count(d, "shutting down"), 0);
	assert_int_equal(cst_log_count(d, "killed "), 0);
	close(fd);
}

/* session_timeout = 1 ends even a busy session after ~1 s. */
static void
test_session_timeout(void **state)
{
	struct cst_daemon *d = *state;
	char line[512], reason[32];
	unsigned char buf[8];
	int fd, how = -1, i;
	int64_t t0, ms;

	cst_must_start_default(d, "session_timeout = 1;");
	fd = cst_must_connect("127.0.0.1", d->port);
	t0 = cst_now_ms();
	/* Busy all along: a round trip every 100 ms, until the end comes. */
	for (i = 0; i < 100; i++) {
		if (cst_send_all(fd, "b", 1, CST_WAIT_MS) != 0 ||
		    cst_recv_exact(fd, buf, 1, CST_WAIT_MS) != 1)
			break;
		assert_int_equal(buf[0], 'B');
		cst_sleep_ms(100);
	}
	(void)cst_recv_eof(fd, buf, sizeof(buf), CST_WAIT_MS, &how);
	ms = cst_now_ms() - t0;
	print_message("busy session ended after %lld ms (%d round trips)\n",
	    (long long)ms, i);
	/* Never early; the upper bound only catches "never" (shared machine). */
	assert_true(ms >= 900 && ms < 6000);
	close_line(d, "127.0.0.1", fd, line, sizeof(line));
	assert_int_equal(cst_field(line, "reason", reason, sizeof(reason)), 0);
	assert_string_equal(reason, "session_timeout");
	close(fd);
}

/*
 * Issue 12: with a session_timeout too, a silent session is still closed
 * at its idle deadline (it used to be held until the session deadline).
 */
static void
test_idle_before_session_timeout(void **state)
{
	struct cst_daemon *d = *state;
	char line[512], reason[32];
	int fd;
	int64_t t0, ms;

	cst_must_start_default(d, "idle_timeout = 1;\nsession_timeout = 8;");
	fd = cst_must_connect("127.0.0.1", d->port);
	cst_roundtrip(fd, "then silence");
	t0 = cst_now_ms();
	/* Bounded by the session deadline: the line must come well before. */
	close_line(d, "127.0.0.1", fd, line, sizeof(line));
	ms = cst_now_ms() - t0;
	print_message("closed after %lld ms\n", (long long)ms);
	assert_int_equal(cst_field(line, "reason", reason, sizeof(reason)), 0);
	assert_string_equal(reason, "idle_timeout");
	assert_true(cst_field_num(line, "ms") < 5000);
	assert_true(ms < 5000);
	close(fd);
}

/* max_session_bytes = 1000: exactly 1000 bytes echoed, then closed. */
static void
test_byte_limit(void **state)
{
	struct cst_daemon *d = *state;
	unsigned char out[1500], want[1500], got[1500];
	char line[512], reason[32];
	int fd, how = -1;

	cst_must_start_default(d, "max_session_bytes = 1000;");
	cst_random(out, sizeof(out), 1000);
	cst_toggle(out, want, sizeof(out));
	fd = cst_must_connect("::1", d->port);
	assert_int_equal(cst_send_all(fd, out, sizeof(out), CST_WAIT_MS), 0);
	assert_int_equal(cst_recv_eof(fd, got, sizeof(got), CST_WAIT_MS, &how),
	    1000);
	/* Unread input makes the kernel close with a reset: both are fine. */
	assert_true(how == 0 || how == ECONNRESET);
	assert_memory_equal(got, want, 1000);
	close_line(d, "::1", fd, line, sizeof(line));
	assert_int_equal(cst_field(line, "reason", reason, sizeof(reason)), 0);
	assert_string_equal(reason, "byte_limit");
	assert_int_equal(cst_field_num(line, "out"), 1000);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sigterm, cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_sigint, cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_shutdown_timeout, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_sigusr1_stats, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_sighup_broken, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_sighup_new_port, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_sighup_fifo, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_sighup_failed_keeps_backlog,
		    cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_pidfile, cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_idle_timeout_not_reading,
		    cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_sigusr1_any_level, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_session_ignores_master_signals,
		    cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_session_timeout, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_idle_timeout, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_byte_limit, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_idle_before_session_timeout,
		    cst_setup, cst_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
