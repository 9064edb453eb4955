/*
 * test_inetd.c - caseserv -i (SPEC section 2): one connection handed over
 * on standard input and output, as inetd, xinetd, tcpserver and systemd
 * Accept=yes hand it, served by a session locked down as the daemon's are,
 * logged with `open` and `close` lines, then the process exits.
 *
 * The test plays inetd itself: it accepts a TCP connection (or makes a
 * socketpair or two pipes) and starts `caseserv -i -e -c CONF` with the
 * server's end on descriptors 0 and 1.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../lib/cstest.h"

#define NO_CAPS		"0000000000000000"
#define NOBODY_IDS	"65534\t65534\t65534\t65534"

/* `caseserv -i -e -c CONF` with in on 0, out on 1, stderr to the log. */
static void
inetd_spawn(struct cst_daemon *d, const char *binary, int in, int out,
    const char *const *env)
{
	pid_t pid = fork();
	int logfd;

	assert_true(pid != -1);
	if (pid == 0) {
		logfd = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (logfd == -1 || dup2(in, 0) == -1 || dup2(out, 1) == -1 ||
		    dup2(logfd, 2) == -1)
			_exit(127);
		(void)close_range(3, ~0U, 0);
		for (; env != NULL && *env != NULL; env++)
			putenv(strdup(*env));
		execl(binary, binary, "-i", "-e", "-c", d->conf, (char *)NULL);
		_exit(127);
	}
	d->pid = pid;
}

/* A TCP connection to ourselves: *client is ours, the server end is
 * handed to caseserv -i as inetd would.  Returns the client's port. */
static int
inetd_tcp(struct cst_daemon *d, const char *binary, const char *const *env,
    int *client)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int lfd, sfd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((lfd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	*client = cst_must_connect("127.0.0.1", ntohs(sin.sin_port));
	assert_true((sfd = accept(lfd, NULL, NULL)) != -1);
	close(lfd);
	inetd_spawn(d, binary, sfd, sfd, env);
	close(sfd);
	return cst_local_port(*client);
}

static void
conf(struct cst_daemon *d, const char *extra)
{
	cst_must_init(d);
	cst_must_conf(d, extra);
}

/* The process exited 0 and logged exactly one open and one close line. */
static void
assert_ended(struct cst_daemon *d, const char *peer, const char *reason,
    long long bytes)
{
	char needle[128], line[512], val[64];
	int status = cst_wait_exit(d, CST_WAIT_MS);

	assert_int_equal(cst_exit_code(status), 0);
	snprintf(needle, sizeof(needle), "open peer=%s pid=", peer);
	assert_int_equal(cst_log_count(d, needle), 1);
	snprintf(needle, sizeof(needle), "close peer=%s pid=", peer);
	assert_int_equal(cst_log_line(d, needle, 1, line, sizeof(line), 0), 0);
	print_message("%s\n", line);
	assert_int_equal(cst_field(line, "reason", val, sizeof(val)), 0);
	assert_string_equal(val, reason);
	assert_int_equal(cst_field_num(line, "in"), bytes);
	assert_int_equal(cst_field_num(line, "out"), bytes);
}

/* Read a pipe until end-of-file (bounded wait); the byte count, or -1. */
static ssize_t
pipe_read_eof(int fd, unsigned char *buf, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;

	for (;;) {
		if (poll(&pfd, 1, CST_WAIT_MS) != 1)
			return -1;
		if ((n = read(fd, buf + got, len - got)) == 0)
			return (ssize_t)got;
		if (n < 0 || (got += (size_t)n) == len)
			return -1;	/* an error, or more than was sent */
	}
}

/* Send all of buf, half-close, and get exactly its toggled form and EOF. */
static void
exchange(int wfd, int rfd, const unsigned char *buf, size_t len)
{
	unsigned char *want = malloc(len), *got = malloc(len + 1);
	const unsigned char *out[1] = { buf };
	unsigned char *in[1] = { got };
	int fds[1] = { wfd }, how = -1;

	assert_true(want != NULL && got != NULL);
	cst_toggle(buf, want, len);
	if (wfd == rfd) {
		/* Both ways at once: a big transfer must not deadlock. */
		assert_int_equal(cst_pump(fds, out, in, &len, 1, 16384,
		    CST_WAIT_MS), 0);
		assert_int_equal(cst_shut_wr(wfd), 0);
		/* The half-close is honoured: everything owed, then EOF. */
		assert_int_equal(cst_recv_eof(rfd, got + len, 1, CST_WAIT_MS,
		    &how), 0);
		assert_int_equal(how, 0);
	} else {
		/* Pipes (cst_* clients use send/recv): the text is small, so
		 * it fits the pipe; closing it is the half-close. */
		assert_int_equal(write(wfd, buf, len), (ssize_t)len);
		close(wfd);
		assert_int_equal(pipe_read_eof(rfd, got, len + 1), (ssize_t)len);
	}
	assert_memory_equal(got, want, len);
	free(want);
	free(got);
}

static void
test_socketpair(void **state)
{
	static const char text[] = "Hello, inetd! \xc3\x84rger 123 zZ";
	struct cst_daemon *d = *state;
	int sv[2];

	conf(d, NULL);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	inetd_spawn(d, cst_binary(0), sv[1], sv[1], NULL);
	close(sv[1]);
	exchange(sv[0], sv[0], (const unsigned char *)text, strlen(text));
	close(sv[0]);
	assert_ended(d, "local", "eof", (long long)strlen(text));
}

/* Two pipes, as a test harness or a wrapper may hand them: the output is
 * closed for end-of-file; tcpserver's variables name the peer. */
static void
test_pipes(void **state)
{
	static const char *const env[] = { "TCPREMOTEIP=192.0.2.7",
	    "TCPREMOTEPORT=5123", NULL };
	static const char text[] = "Pipes In, pIPES oUT";
	struct cst_daemon *d = *state;
	int in[2], out[2];

	conf(d, NULL);
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	inetd_spawn(d, cst_binary(0), in[0], out[1], env);
	close(in[0]);
	close(out[1]);
	exchange(in[1], out[0], (const unsigned char *)text, strlen(text));
	close(out[0]);
	assert_ended(d, "192.0.2.7:5123", "eof", (long long)strlen(text));
}

/* $TCPREMOTEIP is text from outside: what is no address is not used. */
static void
test_pipes_bad_env(void **state)
{
	static const char *const env[] = { "TCPREMOTEIP=192.0.2.7\nforged",
	    "TCPREMOTEPORT=5123", NULL };
	struct cst_daemon *d = *state;
	int in[2], out[2];

	conf(d, "allow = ( \"192.0.2.0/24\" );");
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	inetd_spawn(d, cst_binary(0), in[0], out[1], env);
	close(in[0]);
	close(out[1]);
	/* Unknown peer, and an allow list: refused, nothing served. */
	assert_int_equal(cst_exit_code(cst_wait_exit(d, CST_WAIT_MS)), 0);
	assert_int_equal(cst_log_count(d, "refused peer=unknown reason=acl"), 1);
	assert_int_equal(cst_log_count(d, "forged"), 0);
	close(in[1]);
	close(out[0]);
}

/*
 * tcpserver's variables in every shape, under an allow and a deny list:
 * an IPv4 or IPv6 address and a port name the peer, which the lists then
 * judge; anything else (one of the two missing, a port out of range or
 * with trailing text, no address) is an unknown peer, which an allow list
 * refuses, with a warning.  The input is empty: a served peer ends at EOF.
 */
static void
test_pipes_env_peers(void **state)
{
	static const struct {
		const char	*ip, *port;
		const char	*peer;		/* as logged */
		int		 served, warned;
	} cases[] = {
		{ "192.0.2.7", "5123", "192.0.2.7:5123", 1, 0 },
		{ "2001:db8::5", "80", "[2001:db8::5]:80", 1, 0 },
		{ "192.0.2.66", "1", "192.0.2.66:1", 0, 0 },	/* denied */
		{ "198.51.100.1", "1", "198.51.100.1:1", 0, 0 }, /* not allowed */
		{ "2001:db9::1", "65535", "[2001:db9::1]:65535", 0, 0 },
		{ NULL, NULL, "unknown", 0, 0 },
		{ "192.0.2.7", NULL, "unknown", 0, 1 },
		{ NULL, "5123", "unknown", 0, 1 },
		{ "192.0.2.7", "65536", "unknown", 0, 1 },
		{ "192.0.2.7", "51x", "unknown", 0, 1 },
		{ "192.0.2.7", "-1", "unknown", 0, 1 },
		{ "192.0.2.7", "0", "unknown", 0, 1 },
		{ "192.0.2.7", "99999999999999999999999", "unknown", 0, 1 },
		{ "example.org", "80", "unknown", 0, 1 },
	};
	struct cst_daemon *d = *state;
	char ip[64], port[64], needle[128];
	const char *env[3];
	int in[2], out[2];
	unsigned char buf[8];

	conf(d, "allow = ( \"192.0.2.0/24\", \"2001:db8::/32\" );\n"
	    "deny = ( \"192.0.2.66/32\" );");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = 0;

		print_message("TCPREMOTEIP=%s TCPREMOTEPORT=%s\n",
		    cases[i].ip ? cases[i].ip : "(unset)",
		    cases[i].port ? cases[i].port : "(unset)");
		if (cases[i].ip != NULL) {
			snprintf(ip, sizeof(ip), "TCPREMOTEIP=%s", cases[i].ip);
			env[n++] = ip;
		}
		if (cases[i].port != NULL) {
			snprintf(port, sizeof(port), "TCPREMOTEPORT=%s",
			    cases[i].port);
			env[n++] = port;
		}
		env[n] = NULL;
		cst_must_write(d->log, "");
		assert_int_equal(pipe(in), 0);
		assert_int_equal(pipe(out), 0);
		inetd_spawn(d, cst_binary(0), in[0], out[1], env);
		close(in[0]);
		close(out[1]);
		close(in[1]);
		if (cases[i].served) {
			assert_int_equal(pipe_read_eof(out[0], buf, sizeof(buf)),
			    0);
			assert_ended(d, cases[i].peer, "eof", 0);
		} else {
			assert_int_equal(cst_exit_code(cst_wait_exit(d,
			    CST_WAIT_MS)), 0);
			snprintf(needle, sizeof(needle), "refused peer=%s "
			    "reason=acl", cases[i].peer);
			assert_int_equal(cst_log_count(d, needle), 1);
			assert_int_equal(cst_log_count(d, "open peer="), 0);
		}
		assert_int_equal(cst_log_count(d, "$TCPREMOTEIP/$TCPREMOTEPORT "
		    "are not an address and a port"), cases[i].warned);
		close(out[0]);
		d->pid = 0;
	}
}

static void
test_tcp(void **state)
{
	struct cst_daemon *d = *state;
	unsigned char buf[256 * 1024];
	char peer[64];
	int fd, port;

	conf(d, NULL);
	cst_random(buf, sizeof(buf), 11);
	for (int i = 0; i < 256; i++)	/* every byte value at least once */
		buf[i] = (unsigned char)i;
	port = inetd_tcp(d, cst_binary(0), NULL, &fd);
	exchange(fd, fd, buf, sizeof(buf));
	close(fd);
	snprintf(peer, sizeof(peer), "127.0.0.1:%d", port);
	assert_ended(d, peer, "eof", (long long)sizeof(buf));
}

/* A denied peer: not one byte read or sent, a refused line, exit 0. */
static void
test_acl_refused(void **state)
{
	struct cst_daemon *d = *state;
	unsigned char buf[16];
	char needle[96];
	int fd, port, how = -1;

	conf(d, "deny = ( \"127.0.0.0/8\" );");
	port = inetd_tcp(d, cst_binary(0), NULL, &fd);
	snprintf(needle, sizeof(needle), "refused peer=127.0.0.1:%d reason=acl",
	    port);
	assert_int_equal(cst_log_wait(d, needle, CST_WAIT_MS), 0);
	(void)cst_send_all(fd, "hello", 5, CST_WAIT_MS);
	assert_int_equal(cst_recv_eof(fd, buf, sizeof(buf), CST_WAIT_MS, &how),
	    0);
	assert_true(how == 0 || how == ECONNRESET);
	assert_int_equal(cst_exit_code(cst_wait_exit(d, CST_WAIT_MS)), 0);
	assert_int_equal(cst_log_count(d, "open peer="), 0);
	close(fd);
}

static void
test_idle_timeout(void **state)
{
	struct cst_daemon *d = *state;
	unsigned char buf[16];
	char peer[64];
	int fd, port, how = -1;
	int64_t t0;

	conf(d, "idle_timeout = 1;");
	port = inetd_tcp(d, cst_binary(0), NULL, &fd);
	cst_roundtrip(fd, "then silence");
	t0 = cst_now_ms();
	assert_int_equal(cst_recv_eof(fd, buf, sizeof(buf), CST_WAIT_MS, &how),
	    0);
	assert_int_equal(how, 0);
	assert_true(cst_now_ms() - t0 >= 900);
	close(fd);
	snprintf(peer, sizeof(peer), "127.0.0.1:%d", port);
	assert_ended(d, peer, "idle_timeout", 12);
}

/* pid of the session from the `open` line. */
static pid_t
session_pid(struct cst_daemon *d)
{
	char line[512];

	assert_int_equal(cst_log_line(d, "open peer=", 1, line, sizeof(line),
	    CST_WAIT_MS), 0);
	return (pid_t)cst_field_num(line, "pid");
}

static void
assert_field(pid_t pid, const char *field, const char *want)
{
	char got[128];

	assert_int_equal(cst_proc_status(pid, field, got, sizeof(got)), 0);
	if (strcmp(got, want) != 0)
		fail_msg("pid %d %s: expected '%s', got '%s'", (int)pid, field,
		    want, got);
}

/* `ps -o args= -p pid` is want, and /proc/PID/cmdline starts with it. */
static void
assert_title(struct cst_daemon *d, pid_t pid, const char *want)
{
	const char *argv[] = { "/usr/bin/ps", "-o", "args=", "-p", NULL, NULL };
	char spid[16], path[64], *out = NULL, *cmd;
	size_t n;

	snprintf(spid, sizeof(spid), "%d", (int)pid);
	argv[4] = spid;
	if (access(argv[0], X_OK) != 0)
		argv[0] = "/bin/ps";
	assert_int_equal(cst_exit_code(cst_run(d->dir, argv, NULL, &out, NULL,
	    CST_WAIT_MS)), 0);
	assert_non_null(out);
	n = strlen(out);
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = '\0';
	assert_string_equal(out, want);
	free(out);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	assert_non_null(cmd = cst_read_file(path));
	assert_string_equal(cmd, want);		/* up to its first NUL */
	free(cmd);
}

/* The serving process is a session like the daemon's: sandboxed, without
 * capabilities, as the configured user when started as root. */
static void
test_sandboxed(void **state)
{
	struct cst_daemon *d = *state;
	char title[96];
	pid_t pid;
	int fd, port;

	conf(d, NULL);
	port = inetd_tcp(d, cst_binary(0), NULL, &fd);
	cst_roundtrip(fd, "Locked Down?");
	pid = session_pid(d);
	assert_true(pid > 1 && pid != d->pid);
	assert_int_equal(cst_proc_ppid(pid), d->pid);
	for (int i = 0; i < 2; i++) {
		pid_t p = i == 0 ? pid : d->pid;

		assert_field(p, "Seccomp", "2");
		assert_field(p, "NoNewPrivs", "1");
		assert_field(p, "CapEff", NO_CAPS);
		assert_field(p, "CapPrm", NO_CAPS);
		if (cst_is_root()) {
			assert_field(p, "Uid", NOBODY_IDS);
			assert_field(p, "Gid", NOBODY_IDS);
			assert_field(p, "Groups", "");
			assert_field(p, "CapBnd", NO_CAPS);
		}
	}
	snprintf(title, sizeof(title), "caseserv: inetd session 127.0.0.1:%d",
	    port);
	assert_title(d, pid, title);
	snprintf(title, sizeof(title), "caseserv: inetd monitor 127.0.0.1:%d",
	    port);
	assert_title(d, d->pid, title);
	cst_roundtrip(fd, "Still Serving");
	assert_int_equal(cst_shut_wr(fd), 0);
	close(fd);
	assert_int_equal(cst_exit_code(cst_wait_exit(d, CST_WAIT_MS)), 0);
}

/* A session that breaks its sandbox dies of it; the monitor logs it as
 * the daemon would, and exits 70. */
static void
test_violation(void **state)
{
	static const char *const env[] = { "CASESERV_TEST_SANDBOX_BREAK=1",
	    NULL };
	struct cst_daemon *d = *state;
	unsigned char buf[16];
	char line[512], val[64];
	int fd, how = -1;

	conf(d, NULL);
	(void)inetd_tcp(d, cst_binary(1), env, &fd);
	assert_int_equal(cst_send_all(fd, "Hello", 5, CST_WAIT_MS), 0);
	assert_int_equal(cst_recv_eof(fd, buf, sizeof(buf), CST_WAIT_MS, &how),
	    0);
	assert_int_equal(cst_exit_code(cst_wait_exit(d, CST_WAIT_MS)), 70);
	assert_int_equal(cst_log_line(d, "killed peer=", 1, line, sizeof(line),
	    0), 0);
	print_message("%s\n", line);
	assert_int_equal(cst_field(line, "syscall", val, sizeof(val)), 0);
	assert_string_equal(val, "openat");
	assert_int_equal(cst_field(line, "reason", val, sizeof(val)), 0);
	assert_string_equal(val, "sandbox");
	close(fd);
}

/* SIGTERM to the process asks the session to finish, as the daemon's
 * stop does: what is owed is sent, then the connection closes. */
static void
test_sigterm(void **state)
{
	struct cst_daemon *d = *state;
	char needle[96];
	int fd, port;

	/* SIGINT (a terminal's ^C) stops it as SIGTERM does. */
	conf(d, NULL);
	for (int i = 0; i < 2; i++) {
		cst_must_write(d->log, "");
		port = inetd_tcp(d, cst_binary(0), NULL, &fd);
		cst_roundtrip(fd, "before the stop");
		snprintf(needle, sizeof(needle), "open peer=127.0.0.1:%d", port);
		assert_int_equal(cst_log_wait(d, needle, CST_WAIT_MS), 0);
		assert_int_equal(cst_signal(d, i == 0 ? SIGTERM : SIGINT), 0);
		assert_int_equal(cst_exit_code(cst_wait_exit(d, CST_WAIT_MS)),
		    0);
		assert_int_equal(cst_log_count(d, "reason=shutdown"), 1);
		close(fd);
		d->pid = 0;
	}
}

/*
 * Without -e nothing may reach standard error, which inetd may have
 * pointed anywhere: it is put on /dev/null, so even the notes about the
 * account (not root) and the session's lines never show there.
 */
static void
test_no_stderr(void **state)
{
	static const char text[] = "Quiet Please";
	struct cst_daemon *d = *state;
	int sv[2], status;
	pid_t pid;
	char *log;

	conf(d, NULL);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		int logfd = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (logfd == -1 || dup2(sv[1], 0) == -1 ||
		    dup2(sv[1], 1) == -1 || dup2(logfd, 2) == -1)
			_exit(127);
		(void)close_range(3, ~0U, 0);
		execl(cst_binary(0), cst_binary(0), "-i", "-c", d->conf,
		    (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	exchange(sv[0], sv[0], (const unsigned char *)text, strlen(text));
	close(sv[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_non_null(log = cst_log_read(d));
	assert_string_equal(log, "");
	free(log);
}

/*
 * inetd passes the connection as descriptor 2 too: with -e the log then
 * goes to syslog, and not one byte of it reaches the client, which gets
 * its echo and the end of the stream, nothing else.
 */
static void
test_stderr_is_client(void **state)
{
	struct cst_daemon *d = *state;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	unsigned char buf[256];
	int lfd, sfd, fd, how = -1;
	ssize_t n;
	pid_t pid;

	conf(d, NULL);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((lfd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	fd = cst_must_connect("127.0.0.1", ntohs(sin.sin_port));
	assert_true((sfd = accept(lfd, NULL, NULL)) != -1);
	close(lfd);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		if (dup2(sfd, 0) == -1 || dup2(sfd, 1) == -1 ||
		    dup2(sfd, 2) == -1)
			_exit(127);
		(void)close_range(3, ~0U, 0);
		execl(cst_binary(0), cst_binary(0), "-i", "-e", "-c", d->conf,
		    (char *)NULL);
		_exit(127);
	}
	d->pid = pid;
	close(sfd);
	assert_int_equal(cst_send_all(fd, "Quiet, Please", 13, CST_WAIT_MS), 0);
	assert_int_equal(cst_shut_wr(fd), 0);
	n = cst_recv_eof(fd, buf, sizeof(buf), CST_WAIT_MS, &how);
	assert_int_equal(how, 0);
	assert_int_equal(n, 13);
	assert_memory_equal(buf, "qUIET, pLEASE", 13);
	assert_int_equal(cst_exit_code(cst_wait_exit(d, CST_WAIT_MS)), 0);
	close(fd);
}

/*
 * SIGTERM while the session cannot finish (it owes bytes the client does
 * not read): after shutdown_timeout it is killed, and the line says so.
 */
static void
test_shutdown_timeout(void **state)
{
	struct cst_daemon *d = *state;
	unsigned char *buf = calloc(1, 1 << 20);
	char needle[96], line[512];
	size_t sent = 0;
	int fd, port;

	assert_non_null(buf);
	conf(d, "shutdown_timeout = 1;");
	port = inetd_tcp(d, cst_binary(0), NULL, &fd);
	cst_roundtrip(fd, "x");
	/* Send without reading until nothing more goes: the session is
	 * stuck writing its echo. */
	while (sent < 64u << 20 && cst_send_all(fd, buf, 1 << 20, 500) == 0)
		sent += 1 << 20;
	assert_true(sent < 64u << 20);
	assert_int_equal(cst_signal(d, SIGTERM), 0);
	/* 70: the session was killed (caseserv(8), EXIT STATUS). */
	assert_int_equal(cst_exit_code(cst_wait_exit(d, CST_WAIT_MS)), 70);
	snprintf(needle, sizeof(needle), "killed peer=127.0.0.1:%d ", port);
	assert_int_equal(cst_log_line(d, needle, 1, line, sizeof(line), 0), 0);
	print_message("%s\n", line);
	assert_non_null(strstr(line, " signal=SIGKILL reason=shutdown_timeout "));
	close(fd);
	free(buf);
}

static void
test_usage(void **state)
{
	struct cst_daemon *d = *state;
	const char *argv[] = { cst_binary(0), "-i", "-t", "-c", NULL, NULL };
	char *err = NULL;

	conf(d, NULL);
	argv[4] = d->conf;
	for (int i = 0; i < 2; i++) {
		argv[2] = i == 0 ? "-t" : "-T";
		assert_int_equal(cst_exit_code(cst_run(d->dir, argv, NULL, NULL,
		    &err, CST_WAIT_MS)), 64);
		assert_non_null(strstr(err, "exclude each other"));
		free(err);
	}
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, cst_setup, cst_teardown)
	const struct CMUnitTest tests[] = {
		T(test_socketpair), T(test_pipes), T(test_pipes_bad_env),
		T(test_pipes_env_peers),
		T(test_tcp), T(test_acl_refused), T(test_idle_timeout),
		T(test_sandboxed), T(test_violation), T(test_sigterm),
		T(test_usage), T(test_stderr_is_client), T(test_no_stderr),
		T(test_shutdown_timeout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
