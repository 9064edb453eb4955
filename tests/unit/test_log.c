/*
 * test_log.c - the one logging API: what reaches standard error and how
 * (escaped, bounded, tagged, with errno's text), the level and -d's pin,
 * and when standard error is the journal's stream.  Each case runs in a
 * child whose standard error is a pipe read back here.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

/* Run fn in a child with stderr a pipe; its output, its exit status. */
static int
run(void (*fn)(void), char *out, size_t len)
{
	int p[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		fn();
		fflush(stderr);
		_exit(0);
	}
	close(p[1]);
	while (got + 1 < len && (n = read(p[0], out + got, len - got - 1)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* "caseserv[PID]: " of the child, as the lines begin. */
static const char *
untag(const char *line)
{
	const char *p = strstr(line, "]: ");

	assert_int_equal(strncmp(line, "caseserv[", 9), 0);
	assert_non_null(p);
	return p + 3;
}

static void
escape(void **state)
{
	char out[64];

	(void)state;
	log_escape("plain text, UTF-8 \xc3\xa9", out, sizeof(out));
	assert_string_equal(out, "plain text, UTF-8 \xc3\xa9");
	log_escape("two\nlines\r\x1b[2J\\\x7f", out, sizeof(out));
	assert_string_equal(out, "two\\012lines\\015\\033[2J\\134\\177");
	/* Bounded: what does not fit is left out, the result terminated. */
	log_escape("0123456789\n0123456789", out, 12);
	assert_true(strlen(out) < 12);
	assert_int_equal(strncmp(out, "012345", 6), 0);
	log_escape("\n\n\n\n", out, 8);
	assert_true(strlen(out) < 8);
}

static void
levels_child(void)
{
	log_init(1, LOG_DAEMON, -1);
	log_configure(LOG_DAEMON, LOG_WARNING);
	if (log_level() != LOG_WARNING)
		_exit(3);
	log_info("not shown");
	log_debug("not shown either");
	log_warnx("shown: %d", 1);
	errno = ENOENT;
	log_warn("with errno");
	log_err("an error");
	log_errx("an error without errno");
	log_notice("not shown: notice is below warning");
	/* SIGUSR1's stats line is written whatever the level. */
	log_requested("requested %s", "anyway");
}

static void
levels(void **state)
{
	char out[2048], *line, *save = NULL;
	const char *want[] = { "shown: 1", "with errno: No such file or "
	    "directory", "an error: No such file or directory",
	    "an error without errno", "requested anyway" };
	size_t i = 0;

	(void)state;
	assert_int_equal(run(levels_child, out, sizeof(out)), 0);
	print_message("%s", out);
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), i++) {
		assert_true(i < sizeof(want) / sizeof(want[0]));
		assert_string_equal(untag(line), want[i]);
	}
	assert_int_equal(i, sizeof(want) / sizeof(want[0]));
}

/* -d pins debug: the file's log_level changes nothing. */
static void
pinned_child(void)
{
	log_init(1, LOG_DAEMON, LOG_DEBUG);
	log_configure(LOG_LOCAL0, LOG_ERR);
	if (log_level() != LOG_DEBUG)
		_exit(3);
	log_debug("debug %s", "kept");
}

static void
pinned(void **state)
{
	char out[512];

	(void)state;
	assert_int_equal(run(pinned_child, out, sizeof(out)), 0);
	assert_string_equal(untag(out), "debug kept\n");
}

/* A fatal error: the line with errno's text, then the status. */
static void
fatal_child(void)
{
	log_init(1, LOG_DAEMON, -1);
	errno = EACCES;
	fatal(71, "open: %s", "/run/x");
}

static void
fatal_exit(void **state)
{
	char out[512];
	int status;

	(void)state;
	status = run(fatal_child, out, sizeof(out));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 71);
	assert_string_equal(untag(out), "open: /run/x: Permission denied\n");
}

/* Untrusted text in a message cannot start a second line. */
static void
escaped_child(void)
{
	log_init(1, LOG_DAEMON, -1);
	log_warnx("name: %s", "evil\ncaseserv[1]: forged");
}

static void
escaped(void **state)
{
	char out[512];

	(void)state;
	assert_int_equal(run(escaped_child, out, sizeof(out)), 0);
	assert_string_equal(untag(out),
	    "name: evil\\012caseserv[1]: forged\n");
}

/*
 * $JOURNAL_STREAM names standard error only when it is DEV:INODE of fd 2
 * itself; then lines carry the "<N>" priority prefix the journal reads.
 */
static char journal_value[64];

static void
journal_child(void)
{
	setenv("JOURNAL_STREAM", journal_value, 1);
	log_init(1, LOG_DAEMON, -1);
	printf("%d\n", log_stderr_is_journal());
	fflush(stdout);
	log_warnx("to the journal?");
}

static int
journal_with(const char *value, char *out, size_t len)
{
	int p[2], status;
	char flag[8] = "";
	size_t got;
	pid_t pid;
	ssize_t n;

	snprintf(journal_value, sizeof(journal_value), "%s", value);
	assert_int_equal(pipe(p), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		status = run(journal_child, out, len);
		printf("|%s", out);
		fflush(stdout);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 99);
	}
	close(p[1]);
	got = 0;
	while (got + 1 < len && (n = read(p[0], out + got, len - got - 1)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);
	memcpy(flag, out, 1);
	return atoi(flag);
}

static void
journal(void **state)
{
	char out[512];

	(void)state;
	assert_int_equal(journal_with("", out, sizeof(out)), 0);
	assert_int_equal(journal_with("nonsense", out, sizeof(out)), 0);
	assert_int_equal(journal_with("1:2x", out, sizeof(out)), 0);
	/* Well formed, but another stream's (a shell started from a unit
	 * inherits the variable with a stderr of its own). */
	assert_int_equal(journal_with("1:2", out, sizeof(out)), 0);
	assert_null(strstr(out, "<4>"));
	assert_non_null(strstr(out, "]: to the journal?\n"));
}

/* Standard error that is the journal's stream: "<4>" before the line. */
static void
journal_match_child(void)
{
	struct stat st;
	char value[64];

	if (fstat(2, &st) == -1)
		_exit(3);
	snprintf(value, sizeof(value), "%llu:%llu",
	    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", value, 1);
	log_init(1, LOG_DAEMON, -1);
	if (!log_stderr_is_journal())
		_exit(4);
	log_warnx("to the journal");
}

static void
journal_match(void **state)
{
	char out[512];

	(void)state;
	assert_int_equal(run(journal_match_child, out, sizeof(out)), 0);
	assert_int_equal(strncmp(out, "<4>caseserv[", 12), 0);
	assert_non_null(strstr(out, "]: to the journal\n"));
}

/*
 * The acceptor's own syslog socket: each line one datagram with its
 * priority, the time and the tag; a new socket replaces (and closes) the
 * old; when the socket fails, the owner is told once and nothing more is
 * sent.  The child reports what it saw on stderr, one fact a line.
 */
static int lost_calls;

static void
on_lost(void)
{
	lost_calls++;
}

static void
own_datagram(int fd, const char *what)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	fprintf(stderr, "%s=%s\n", what, n > 0 ? buf : "(none)");
}

static void
own_socket_child(void)
{
	int a[2], b[2];

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, a) == -1 ||
	    socketpair(AF_UNIX, SOCK_DGRAM, 0, b) == -1)
		_exit(90);
	log_init(0, LOG_LOCAL2, -1);		/* glibc's syslog first */
	log_use_socket(a[0], on_lost);
	log_info("hello %s", "there\n");
	own_datagram(a[1], "a");
	log_debug("below the level");
	own_datagram(a[1], "debug");
	log_use_socket(b[0], on_lost);
	fprintf(stderr, "old=%s\n", fcntl(a[0], F_GETFD) == -1 &&
	    errno == EBADF ? "closed" : "open");
	log_warnx("second");
	own_datagram(b[1], "b");
	close(b[1]);
	log_warnx("third");
	log_warnx("fourth");
	fprintf(stderr, "lost=%d new=%s\n", lost_calls,
	    fcntl(b[0], F_GETFD) == -1 && errno == EBADF ? "closed" : "open");
}

static void
own_socket(void **state)
{
	char out[1024], *p;

	(void)state;
	assert_int_equal(run(own_socket_child, out, sizeof(out)), 0);
	/* <LOG_LOCAL2 | LOG_INFO>Mmm dd hh:mm:ss caseserv[PID]: line */
	assert_non_null(p = strstr(out, "a=<150>"));
	assert_true(p[7 + 15] == ' ');
	assert_int_equal(strncmp(p + 7 + 16, "caseserv[", 9), 0);
	assert_non_null(strstr(p, "]: hello there\\012\n"));
	assert_non_null(strstr(out, "debug=(none)\n"));
	assert_non_null(strstr(out, "old=closed\n"));
	assert_non_null(strstr(out, "b=<148>"));
	assert_non_null(strstr(out, "]: second\n"));
	assert_non_null(strstr(out, "lost=1 new=closed\n"));
	assert_null(strstr(out, "third"));
	assert_null(strstr(out, "fourth"));
}

/* Logging to stderr (-d): a syslog socket handed over is just closed. */
static void
own_socket_stderr_child(void)
{
	int a[2];

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, a) == -1)
		_exit(90);
	log_init(1, LOG_DAEMON, -1);
	log_use_socket(a[0], on_lost);
	log_warnx("still on stderr");
	fprintf(stderr, "sock=%s\n", fcntl(a[0], F_GETFD) == -1 &&
	    errno == EBADF ? "closed" : "open");
	own_datagram(a[1], "sent");
}

static void
own_socket_stderr(void **state)
{
	char out[512];

	(void)state;
	assert_int_equal(run(own_socket_stderr_child, out, sizeof(out)), 0);
	assert_non_null(strstr(untag(out), "still on stderr\nsock=closed\n"
	    "sent=(none)\n"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escape),
		cmocka_unit_test(levels),
		cmocka_unit_test(pinned),
		cmocka_unit_test(fatal_exit),
		cmocka_unit_test(escaped),
		cmocka_unit_test(journal),
		cmocka_unit_test(journal_match),
		cmocka_unit_test(own_socket),
		cmocka_unit_test(own_socket_stderr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
