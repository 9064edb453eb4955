/*
 * test_proctitle.c - SPEC section 5: ps shows what each process is: main
 * with its listener count, the acceptor with its listener and session
 * counts, each session with its peer; /proc/PID/cmdline (what ps reads) carries the same title, and the
 * environment still reaches the daemon after its block was reused.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../lib/cstest.h"

/* `ps -o args= -p pid`, trailing blanks cut (caller frees). */
static char *
ps_args(struct cst_daemon *d, pid_t pid)
{
	const char *argv[] = { "/usr/bin/ps", "-o", "args=", "-p", NULL, NULL };
	char spid[16], *out = NULL;
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
	return out;
}

/* Wait (bounded) until ps shows want for pid; then /proc agrees too. */
static void
assert_title(struct cst_daemon *d, pid_t pid, const char *want)
{
	char path[64], *got = NULL, *cmd;
	int64_t end = cst_now_ms() + CST_WAIT_MS;

	do {
		free(got);
		got = ps_args(d, pid);
		if (strcmp(got, want) == 0)
			break;
		cst_sleep_ms(50);
	} while (cst_now_ms() < end);
	assert_string_equal(got, want);
	free(got);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	assert_non_null(cmd = cst_read_file(path));
	assert_string_equal(cmd, want);		/* up to its first NUL */
	free(cmd);
}

static void
test_main_acceptor_session(void **state)
{
	struct cst_daemon *d = *state;
	char needle[96], line[512], title[96], comm[32], path[64], *c;
	pid_t pid, acc;
	int fd;

	cst_must_start_default(d, NULL);
	acc = cst_must_acceptor(d);
	assert_title(d, d->pid, "caseserv: main [listeners=2]");
	assert_title(d, acc, "caseserv: acceptor [listeners=2 sessions=0]");
	fd = cst_must_connect("::1", d->port);
	cst_roundtrip(fd, "Who Am I?");
	snprintf(needle, sizeof(needle), "open peer=[::1]:%d ",
	    cst_local_port(fd));
	assert_int_equal(cst_log_line(d, needle, 1, line, sizeof(line),
	    CST_WAIT_MS), 0);
	pid = (pid_t)cst_field_num(line, "pid");
	snprintf(title, sizeof(title), "caseserv: session [::1]:%d",
	    cst_local_port(fd));
	assert_title(d, pid, title);
	/* The kernel's name tells sessions and the acceptor from main in
	 * top and the audit log; main keeps the binary's. */
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	assert_non_null(c = cst_read_file(path));
	snprintf(comm, sizeof(comm), "%s", c);
	free(c);
	assert_string_equal(comm, "caseserv-sess\n");
	assert_title(d, acc, "caseserv: acceptor [listeners=2 sessions=1]");
	assert_title(d, d->pid, "caseserv: main [listeners=2]");
	cst_roundtrip(fd, "still here");
	close(fd);
	assert_title(d, acc, "caseserv: acceptor [listeners=2 sessions=0]");
}

/* Every environment variable the daemon reads comes after the title
 * block is taken over: they must still be there (moved, not lost). */
static void
test_environment_kept(void **state)
{
	static const char *const env[] = { "NOTIFY_SOCKET=/nonexistent/notify",
	    NULL };
	struct cst_daemon *d = *state;

	cst_must_init(d);
	cst_must_conf(d, NULL);
	cst_must_start(d, cst_binary(0), (const char *const[]){ "-d", NULL },
	    env, 2);
	/* dmn_notify_init() read $NOTIFY_SOCKET and tried to send to it. */
	assert_int_equal(cst_log_wait(d, "notify: READY=1", CST_WAIT_MS), 0);
	assert_title(d, d->pid, "caseserv: main [listeners=2]");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_main_acceptor_session,
		    cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_environment_kept,
		    cst_setup, cst_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
