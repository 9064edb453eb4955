/*
 * test_syslog.c - the real syslog path, without -e (SPEC section 7): the
 * daemon's glibc syslog() writes to /dev/log, and in a private mount
 * namespace /dev/log is this test's own datagram socket.  So the test sees
 * exactly what rsyslog would: `<PRI>TIMESTAMP caseserv[PID]: message`.
 *
 * Root only (mount namespaces); exits 77 otherwise.  Every mount is made in
 * the forked child's private namespace, never in the host's: the last test
 * checks that the host's /dev is as it was.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../lib/cstest.h"

#define MAXMSG		512
#define PRI(fac, sev)	((fac) * 8 + (sev))
#define F_DAEMON	3
#define F_LOCAL3	19
#define S_ERR		3
#define S_WARNING	4
#define S_INFO		6

struct syslog_test {
	struct cst_daemon	d;
	int			fd;		/* our /dev/log */
	char			sock[CST_PATHLEN + 16];
	char			*msg[MAXMSG];	/* datagrams received, in order */
	int			nmsg;
};

/* Fields of one datagram. */
struct slog_line {
	int		pri;
	long		pid;
	const char	*text;		/* after "caseserv[PID]: " */
};

static int host_had_devlog;		/* did the host have /dev/log? */

static int
setup(void **state)
{
	struct syslog_test *t = calloc(1, sizeof(*t));
	struct sockaddr_un sun;
	int rcvbuf = 1 << 20;

	assert_non_null(t);
	t->fd = -1;
	*state = t;
	cst_must_init(&t->d);
	snprintf(t->sock, sizeof(t->sock), "%s/log.sock", t->d.dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_true(strlen(t->sock) < sizeof(sun.sun_path));
	strcpy(sun.sun_path, t->sock);
	t->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(t->fd != -1);
	(void)setsockopt(t->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
	    sizeof(rcvbuf));
	assert_int_equal(bind(t->fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	/* A reload re-opens syslog as "nobody". */
	assert_int_equal(chmod(t->sock, 0666), 0);
	return 0;
}

static int
teardown(void **state)
{
	struct syslog_test *t = *state;
	int i;

	cst_cleanup(&t->d);
	fprintf(stderr, "---- %d syslog datagrams ----\n", t->nmsg);
	for (i = 0; i < t->nmsg; i++) {
		fprintf(stderr, "%s\n", t->msg[i]);
		free(t->msg[i]);
	}
	if (t->fd != -1)
		close(t->fd);
	free(t);
	return 0;
}

/* ---- the private namespace ------------------------------------------- */

static int
ns_fail(const char *what, const char *path)
{
	fprintf(stderr, "test_syslog: namespace: %s: %s: %s\n", what, path,
	    strerror(errno));
	return -1;
}

/* An empty file at path to bind-mount over (mode 0666). */
static int
ns_touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);

	if (fd == -1)
		return ns_fail("create", path);
	close(fd);
	return 0;
}

/*
 * No /dev/log on the host: a tmpfs /dev of our own, with the few devices
 * a daemon opens bind-mounted from the real /dev (reached through a bind
 * mount of it in the test directory), and an empty /dev/log.
 */
static int
ns_private_dev(const char *dir)
{
	static const char *const devs[] = { "null", "zero", "urandom",
	    "random", "full" };
	static const char *const links[][2] = { { "/proc/self/fd", "/dev/fd" },
	    { "/proc/self/fd/0", "/dev/stdin" },
	    { "/proc/self/fd/1", "/dev/stdout" },
	    { "/proc/self/fd/2", "/dev/stderr" } };
	char real[CST_PATHLEN + 16], src[CST_PATHLEN + 32], dst[64];
	size_t i;

	snprintf(real, sizeof(real), "%s/realdev", dir);
	if (mkdir(real, 0755) == -1 && errno != EEXIST)
		return ns_fail("mkdir", real);
	if (mount("/dev", real, NULL, MS_BIND | MS_REC, NULL) == -1)
		return ns_fail("bind", real);
	if (mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC,
	    "mode=0755,size=1m") == -1)
		return ns_fail("tmpfs", "/dev");
	for (i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		snprintf(src, sizeof(src), "%s/%s", real, devs[i]);
		snprintf(dst, sizeof(dst), "/dev/%s", devs[i]);
		if (ns_touch(dst) == -1)
			return -1;
		if (mount(src, dst, NULL, MS_BIND, NULL) == -1)
			return ns_fail("bind", dst);
	}
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlink(links[i][0], links[i][1]) == -1)
			return ns_fail("symlink", links[i][1]);
	return ns_touch("/dev/log");
}

/* In the child: /dev/log becomes sock, in a namespace of its own. */
static int
ns_enter(const char *dir, const char *sock)
{
	struct stat st;

	if (unshare(CLONE_NEWNS) == -1)
		return ns_fail("unshare", "CLONE_NEWNS");
	/* SECURITY: nothing done below may propagate to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		return ns_fail("make private", "/");
	if (lstat("/dev/log", &st) == -1 && ns_private_dev(dir) == -1)
		return -1;
	if (mount(sock, "/dev/log", NULL, MS_BIND, NULL) == -1)
		return ns_fail("bind", "/dev/log");
	return 0;
}

/*
 * Fork argv in its own namespace where /dev/log is t->sock, stdout and
 * stderr to errpath; the pid.
 */
static pid_t
ns_spawn(struct syslog_test *t, const char *const *argv,
    const char *const *env, const char *errpath)
{
	int fd = open(errpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	char *v[16];
	pid_t pid;
	int i;

	assert_true(fd != -1 && null != -1);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		dup2(null, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (ns_enter(t->d.dir, t->sock) == -1)
			_exit(126);
		for (; env != NULL && *env != NULL; env++)
			putenv(strdup(*env));
		for (i = 0; argv[i] != NULL && i < 15; i++)
			v[i] = strdup(argv[i]);
		v[i] = NULL;
		execv(v[0], v);
		fprintf(stderr, "test_syslog: exec %s: %s\n", v[0],
		    strerror(errno));
		_exit(127);
	}
	close(fd);
	close(null);
	return pid;
}

/* The daemon, foreground, to syslog (no -e). */
static void
start(struct syslog_test *t, int test_hooks, const char *const *env)
{
	const char *argv[] = { cst_binary(test_hooks), "-f", "-c", t->d.conf,
	    NULL };

	t->d.pid = ns_spawn(t, argv, env, t->d.log);
}

/* ---- the datagrams ------------------------------------------------------ */

/* Take every datagram waiting, waiting up to ms for the first. */
static void
slog_read(struct syslog_test *t, int ms)
{
	struct pollfd p = { t->fd, POLLIN, 0 };
	char buf[4096];
	ssize_t n;

	if (poll(&p, 1, ms) != 1)
		return;
	while ((n = recv(t->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT)) >= 0) {
		buf[n] = '\0';
		assert_true(t->nmsg < MAXMSG);
		/* Bytes, not a C string: a NUL inside would be a bug too. */
		assert_int_equal(strlen(buf), (size_t)n);
		t->msg[t->nmsg] = strdup(buf);
		assert_non_null(t->msg[t->nmsg]);
		t->nmsg++;
	}
}

/* Index of the first datagram holding needle; waits; -1 on timeout. */
static int
slog_find(struct syslog_test *t, const char *needle, int timeout_ms)
{
	int64_t end = cst_now_ms() + timeout_ms;
	int i, seen = 0;

	for (;;) {
		for (i = seen; i < t->nmsg; i++)
			if (strstr(t->msg[i], needle) != NULL)
				return i;
		seen = t->nmsg;
		if (cst_now_ms() >= end)
			break;
		slog_read(t, 50);
	}
	fprintf(stderr, "test_syslog: no datagram with '%s'\n", needle);
	return -1;
}

static int
slog_count(const struct syslog_test *t, const char *needle)
{
	int i, n = 0;

	for (i = 0; i < t->nmsg; i++)
		n += strstr(t->msg[i], needle) != NULL;
	return n;
}

/*
 * Split `<PRI>Mmm dd hh:mm:ss caseserv[PID]: text`, the format rsyslog
 * expects of a local sender; fails the test on anything else.
 */
static void
slog_parse(const char *m, struct slog_line *l)
{
	int n = 0;
	const char *tag;

	if (sscanf(m, "<%d>%n", &l->pri, &n) != 1 || n == 0)
		fail_msg("no <PRI> in '%s'", m);
	/* A 15-character RFC 3164 timestamp and a space, then the tag. */
	tag = m + n + 16;
	if (strlen(m) < (size_t)n + 16 || m[n + 15] != ' ' ||
	    sscanf(tag, "caseserv[%ld]: %n", &l->pid, &n) != 1 || n == 0)
		fail_msg("not 'TIMESTAMP caseserv[PID]: ' in '%s'", m);
	l->text = tag + n;
}

/* The datagram holding needle, parsed; fails the test if none comes. */
static void
must_find(struct syslog_test *t, const char *needle, struct slog_line *l)
{
	int i = slog_find(t, needle, CST_WAIT_MS);

	if (i == -1) {
		cst_log_dump(&t->d);
		fail_msg("no syslog line with '%s' (daemon alive: %d)", needle,
		    cst_alive(&t->d));
	}
	slog_parse(t->msg[i], l);
	print_message("<%d> pid %ld: %s\n", l->pri, l->pid, l->text);
}

/* Every datagram is printable ASCII: no control character got through. */
static void
assert_all_printable(const struct syslog_test *t)
{
	const unsigned char *p;
	int i;

	for (i = 0; i < t->nmsg; i++)
		for (p = (const unsigned char *)t->msg[i]; *p != '\0'; p++)
			if (*p < 0x20 || *p >= 0x7f)
				fail_msg("byte 0x%02x in syslog datagram %d: "
				    "'%s'", *p, i, t->msg[i]);
}

/* ---- sessions -------------------------------------------------------- */

/* A whole session from 127.0.0.1 that ends by EOF; its local port. */
static int
session_eof(struct syslog_test *t)
{
	unsigned char got[16];
	int fd = cst_must_connect("127.0.0.1", t->d.port), how = -1, port;

	assert_int_equal(cst_send_all(fd, "Hello", 5, CST_WAIT_MS), 0);
	assert_int_equal(cst_recv_exact(fd, got, 5, CST_WAIT_MS), 5);
	assert_memory_equal(got, "hELLO", 5);
	assert_int_equal(cst_shut_wr(fd), 0);
	assert_int_equal(cst_recv_eof(fd, got, sizeof(got), CST_WAIT_MS, &how),
	    0);
	assert_int_equal(how, 0);
	port = cst_local_port(fd);
	close(fd);
	return port;
}

/* The listening line, with the daemon's pid, at facility fac. */
static void
expect_listening(struct syslog_test *t, int fac)
{
	struct slog_line l;
	char want[64];

	snprintf(want, sizeof(want), "listening on 127.0.0.1:%d", t->d.port);
	must_find(t, want, &l);
	assert_int_equal(l.pri, PRI(fac, S_INFO));
	assert_int_equal(l.pid, t->d.pid);
	assert_string_equal(l.text, want);
}

/*
 * open and close lines of a session, at facility fac, from the acceptor
 * (its own syslog socket, which main opened for it: the format must be
 * glibc's to the byte, and survive a reload under its filter).
 */
static void
expect_session(struct syslog_test *t, int fac)
{
	struct slog_line l;
	char want[64];
	int port = session_eof(t);
	pid_t acceptor = cst_must_acceptor(&t->d);

	snprintf(want, sizeof(want), "open peer=127.0.0.1:%d ", port);
	must_find(t, want, &l);
	assert_int_equal(l.pri, PRI(fac, S_INFO));
	assert_int_equal(l.pid, acceptor);
	snprintf(want, sizeof(want), "close peer=127.0.0.1:%d ", port);
	must_find(t, want, &l);
	assert_int_equal(l.pri, PRI(fac, S_INFO));
	assert_int_equal(l.pid, acceptor);
	assert_non_null(strstr(l.text, " in=5 out=5 "));
	assert_non_null(strstr(l.text, " reason=eof"));
}

/* ---- tests -------------------------------------------------------------- */

/* daemon.info by default: <30>, the daemon's own pid, nothing on stderr. */
static void
test_default_facility(void **state)
{
	struct syslog_test *t = *state;

	cst_must_conf(&t->d, NULL);
	start(t, 0, NULL);
	expect_listening(t, F_DAEMON);
	expect_session(t, F_DAEMON);
	/* Without -e the lines went to syslog, not to standard error. */
	assert_int_equal(cst_log_count(&t->d, "listening on"), 0);
	assert_int_equal(cst_log_count(&t->d, "open peer="), 0);
	assert_all_printable(t);
}

static void
test_local3(void **state)
{
	struct syslog_test *t = *state;

	cst_must_conf(&t->d, "log_facility = \"local3\";");
	start(t, 0, NULL);
	expect_listening(t, F_LOCAL3);
	expect_session(t, F_LOCAL3);
	assert_all_printable(t);
}

/* Wait until a session has been reaped by the acceptor (no child left). */
static void
wait_no_children(struct syslog_test *t)
{
	int64_t end = cst_now_ms() + CST_WAIT_MS;
	pid_t acceptor = cst_must_acceptor(&t->d);
	int zombies;

	while (cst_children(acceptor, &zombies) != 0) {
		if (cst_now_ms() >= end)
			fail_msg("session of %d never reaped", (int)acceptor);
		cst_sleep_ms(10);
	}
}

/*
 * log_level = "warning": the info lines (listening, open, close) stay out
 * of syslog, a sandbox kill still comes, at daemon.warning (<28>).
 */
static void
test_level_warning(void **state)
{
	static const char *const env[] = { "CASESERV_TEST_SANDBOX_BREAK=1",
	    NULL };
	struct syslog_test *t = *state;
	struct slog_line l;
	char want[96];
	unsigned char got[8];
	int64_t end;
	int fd = -1, how = -1;

	cst_must_conf(&t->d, "log_level = \"warning\";");
	start(t, 1, env);
	/* No listening line to wait for: poll the port. */
	for (end = cst_now_ms() + CST_WAIT_MS; fd == -1; cst_sleep_ms(20)) {
		if (cst_now_ms() >= end || !cst_alive(&t->d))
			fail_msg("daemon not listening (alive: %d)",
			    cst_alive(&t->d));
		fd = cst_connect("127.0.0.1", t->d.port, CST_WAIT_MS);
	}
	/* A session that reads no byte does not break its sandbox: eof. */
	assert_int_equal(cst_shut_wr(fd), 0);
	assert_int_equal(cst_recv_eof(fd, got, sizeof(got), CST_WAIT_MS, &how),
	    0);
	assert_int_equal(how, 0);
	close(fd);
	/* Reaped, so its close line (if any) is written before the kill's. */
	wait_no_children(t);
	fd = cst_must_connect("127.0.0.1", t->d.port);
	assert_int_equal(cst_send_all(fd, "x", 1, CST_WAIT_MS), 0);
	snprintf(want, sizeof(want), "killed peer=127.0.0.1:%d pid=",
	    cst_local_port(fd));
	must_find(t, want, &l);
	assert_int_equal(l.pri, PRI(F_DAEMON, S_WARNING));
	assert_int_equal(l.pid, cst_must_acceptor(&t->d));
	assert_non_null(strstr(l.text, " signal=SIGSYS reason=sandbox"));
	close(fd);
	slog_read(t, 100);
	assert_int_equal(slog_count(t, "listening on"), 0);
	assert_int_equal(slog_count(t, "open peer="), 0);
	assert_int_equal(slog_count(t, "close peer="), 0);
	assert_all_printable(t);
}

/*
 * A reload that changes log_facility: main, unprivileged and under
 * its seccomp filter, re-opens syslog, and what follows is local3.
 */
static void
test_reload_facility(void **state)
{
	struct syslog_test *t = *state;
	struct slog_line l;

	cst_must_conf(&t->d, NULL);
	start(t, 0, NULL);
	expect_listening(t, F_DAEMON);
	cst_must_conf(&t->d, "log_facility = \"local3\";");
	assert_int_equal(cst_signal(&t->d, SIGHUP), 0);
	must_find(t, "reload ok", &l);
	assert_int_equal(l.pri, PRI(F_LOCAL3, S_INFO));
	assert_int_equal(l.pid, t->d.pid);
	assert_true(cst_alive(&t->d));
	expect_session(t, F_LOCAL3);
	assert_all_printable(t);
}

/*
 * Control characters from outside never reach syslog raw: a file name
 * with a newline is escaped as \012, a value with \x01 is shown as '?'.
 */
static void
test_control_chars(void **state)
{
	struct syslog_test *t = *state;
	struct slog_line l;
	char want[CST_PATHLEN + 128];
	int n;

	n = snprintf(t->d.conf, sizeof(t->d.conf), "%s/ca\nse.conf", t->d.dir);
	assert_true(n > 0 && (size_t)n < sizeof(t->d.conf));
	cst_must_conf(&t->d, NULL);
	start(t, 0, NULL);
	expect_listening(t, F_DAEMON);
	/* Line 5 of the file (cst_must_conf writes 4 lines first). */
	cst_must_conf(&t->d, "log_facility = \"loc\\x01al3\";");
	assert_int_equal(cst_signal(&t->d, SIGHUP), 0);
	must_find(t, "reload failed: ", &l);
	assert_int_equal(l.pri, PRI(F_DAEMON, S_ERR));
	assert_int_equal(l.pid, t->d.pid);
	snprintf(want, sizeof(want), "reload failed: %s/ca\\012se.conf:5: "
	    "log_facility: 'loc?al3' is not one of ", t->d.dir);
	assert_true(strncmp(l.text, want, strlen(want)) == 0);
	/* Nothing was cut into a second line either. */
	assert_int_equal(slog_count(t, "se.conf:5:"), 1);
	assert_all_printable(t);
	assert_int_equal(cst_echo_once("127.0.0.1", t->d.port, "still"), 0);
}

/* A daemon that wrongly started and detached: stop it by its pidfile. */
static void
stop_stray(const char *pidfile)
{
	char *text = cst_read_file(pidfile);

	if (text != NULL && atoi(text) > 1)
		kill((pid_t)atoi(text), SIGTERM);
	free(text);
}

/* The one line "caseserv: MESSAGE" in file path; MESSAGE (caller frees). */
static char *
one_stderr_line(const char *path)
{
	char *err = cst_read_file(path), *nl, *msg;

	assert_non_null(err);
	print_message("stderr: %s", err);
	nl = strchr(err, '\n');
	assert_non_null(nl);
	assert_true(nl[1] == '\0');
	*nl = '\0';
	assert_true(strncmp(err, "caseserv: ", 10) == 0);
	msg = strdup(err + 10);
	assert_non_null(msg);
	free(err);
	return msg;
}

/*
 * A start-up failure without -e (the port is in use): exit 71, one line on
 * stderr, and the same line in syslog at daemon.err (<27>); with -f, and
 * when detaching.
 */
static void
startup_failure(struct syslog_test *t, int foreground)
{
	const char *argv[] = { cst_binary(0), "-c", t->d.conf, NULL, NULL };
	char errpath[CST_PATHLEN + 16], pidfile[CST_PATHLEN + 16];
	char extra[CST_PATHLEN + 32], *msg;
	struct slog_line l;
	pid_t pid;
	int fd, code, i;

	if (foreground) {
		argv[1] = "-f";
		argv[2] = "-c";
		argv[3] = t->d.conf;
	}
	snprintf(pidfile, sizeof(pidfile), "%s/caseserv.pid", t->d.dir);
	snprintf(extra, sizeof(extra), "pidfile = \"%s\";", pidfile);
	cst_must_conf(&t->d, extra);
	fd = cst_occupy(t->d.port);
	snprintf(errpath, sizeof(errpath), "%s/start.err", t->d.dir);
	pid = t->d.pid = ns_spawn(t, argv, NULL, errpath);
	code = cst_exit_code(cst_wait_exit(&t->d, CST_WAIT_MS));
	if (code == 0)
		stop_stray(pidfile);
	assert_int_equal(code, 71);
	msg = one_stderr_line(errpath);
	assert_non_null(strstr(msg, "127.0.0.1"));
	i = slog_find(t, msg, CST_WAIT_MS);
	assert_true(i != -1);
	slog_parse(t->msg[i], &l);
	print_message("<%d> pid %ld: %s\n", l.pri, l.pid, l.text);
	assert_int_equal(l.pri, PRI(F_DAEMON, S_ERR));
	assert_string_equal(l.text, msg);
	/* Detached, the message comes from the daemon, not from pid. */
	assert_true(foreground ? l.pid == pid : l.pid > 0);
	free(msg);
	close(fd);
	assert_all_printable(t);
}

static void
test_startup_failure_fg(void **state)
{
	startup_failure(*state, 1);
}

static void
test_startup_failure_detach(void **state)
{
	startup_failure(*state, 0);
}

/* ---- $JOURNAL_STREAM: each message reaches the journal once ---------- */

/*
 * Create path empty; env gets "JOURNAL_STREAM=DEV:INODE" of it (of
 * another inode with wrong), as systemd names the stream it connects
 * standard error to.
 */
static void
journal_env(const char *path, int wrong, char *env, size_t len)
{
	struct stat st;

	cst_must_write(path, "");
	assert_int_equal(stat(path, &st), 0);
	snprintf(env, len, "JOURNAL_STREAM=%llu:%llu",
	    (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino + (wrong ? 1 : 0));
}

/*
 * Run the daemon (-f, plus -e when to_stderr) on d.conf with
 * JOURNAL_STREAM naming its stderr (or not, with wrong); its exit code,
 * and its stderr in *err (caller frees).
 */
static int
journal_run(struct syslog_test *t, int to_stderr, int wrong, char **err)
{
	const char *argv[] = { cst_binary(0), "-f", "-c", t->d.conf,
	    to_stderr ? "-e" : NULL, NULL };
	char errpath[CST_PATHLEN + 16], env0[128];
	const char *env[] = { env0, NULL };
	int code;

	snprintf(errpath, sizeof(errpath), "%s/journal.err", t->d.dir);
	journal_env(errpath, wrong, env0, sizeof(env0));
	t->d.pid = ns_spawn(t, argv, env, errpath);
	code = cst_exit_code(cst_wait_exit(&t->d, CST_WAIT_MS));
	*err = cst_read_file(errpath);
	assert_non_null(*err);
	print_message("stderr: '%s'\n", *err);
	return code;
}

/* Exactly one datagram holds needle, at daemon.err. */
static void
expect_once_in_syslog(struct syslog_test *t, const char *needle)
{
	struct slog_line l;

	must_find(t, needle, &l);
	assert_int_equal(l.pri, PRI(F_DAEMON, S_ERR));
	slog_read(t, 200);
	assert_int_equal(slog_count(t, needle), 1);
}

/* A bind failure: in syslog with its priority, not on stderr too. */
static void
test_journal_startup_failure(void **state)
{
	struct syslog_test *t = *state;
	char needle[64], *err;
	int fd;

	cst_must_conf(&t->d, NULL);
	fd = cst_occupy(t->d.port);
	snprintf(needle, sizeof(needle), "bind: 127.0.0.1:%d: ", t->d.port);
	assert_int_equal(journal_run(t, 0, 0, &err), 71);
	assert_string_equal(err, "");
	expect_once_in_syslog(t, needle);
	free(err);
	close(fd);
}

/* An invalid file: its FILE:LINE: line once, in syslog. */
static void
test_journal_config_error(void **state)
{
	struct syslog_test *t = *state;
	char needle[CST_PATHLEN + 64], *err;

	cst_must_write(t->d.conf, "max_client = 1;\n");
	snprintf(needle, sizeof(needle), "%s:1: unknown setting 'max_client'",
	    t->d.conf);
	assert_int_equal(journal_run(t, 0, 0, &err), 78);
	assert_string_equal(err, "");
	expect_once_in_syslog(t, needle);
	free(err);
}

/*
 * With -e the journal has only stderr: the line carries its priority as
 * the journal reads it, "<3>", and syslog gets nothing.
 */
static void
test_journal_stderr_priority(void **state)
{
	struct syslog_test *t = *state;
	char want[CST_PATHLEN + 64], *err;

	cst_must_write(t->d.conf, "max_client = 1;\n");
	snprintf(want, sizeof(want), "<3>%s:1: unknown setting 'max_client'\n",
	    t->d.conf);
	assert_int_equal(journal_run(t, 1, 0, &err), 78);
	assert_string_equal(err, want);
	slog_read(t, 200);
	assert_int_equal(slog_count(t, "max_client"), 0);
	free(err);
}

/* $JOURNAL_STREAM naming another stream: stderr and syslog, as ever. */
static void
test_journal_other_stream(void **state)
{
	struct syslog_test *t = *state;
	char want[CST_PATHLEN + 64], *err;

	cst_must_write(t->d.conf, "max_client = 1;\n");
	snprintf(want, sizeof(want), "%s:1: unknown setting 'max_client'",
	    t->d.conf);
	assert_int_equal(journal_run(t, 0, 1, &err), 78);
	assert_non_null(strstr(err, want));
	assert_null(strchr(err, '<'));
	expect_once_in_syslog(t, want);
	free(err);
}

/* The host's /dev was never touched. */
static void
test_host_dev_untouched(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(lstat("/dev/log", &st) == 0, host_had_devlog);
}

/* Can this process make a mount namespace (root, and allowed to)? */
static int
can_unshare(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(unshare(CLONE_NEWNS) == 0 &&
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 ?
		    0 : 1);
	if (pid == -1 || waitpid(pid, &status, 0) != pid)
		return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_default_facility, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_local3, setup, teardown),
		cmocka_unit_test_setup_teardown(test_level_warning, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reload_facility, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_control_chars, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_startup_failure_fg, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_startup_failure_detach,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_startup_failure,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_config_error,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_stderr_priority,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_other_stream,
		    setup, teardown),
		cmocka_unit_test(test_host_dev_untouched),
	};
	struct stat st;

	if (!cst_is_root() || !can_unshare()) {
		fprintf(stderr, "test_syslog: needs root and mount namespaces: "
		    "skipped\n");
		return 77;
	}
	host_had_devlog = lstat("/dev/log", &st) == 0;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
