/*
 * test_cli.c - the command line and start-up (SPEC sections 2 and 6): -t,
 * -T, -h, -V, exit statuses with their one stderr line, and a detaching
 * start that returns only once the daemon listens.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../lib/cstest.h"

static int
setup(void **state)
{
	struct cst_daemon *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	cst_must_init(d);
	*state = d;
	return 0;
}

static int
teardown(void **state)
{
	struct cst_daemon *d = *state;
	int status;

	cst_cleanup(d);
	free(d);
	/* Reap what a detaching start left to this subreaper. */
	while (waitpid(-1, &status, WNOHANG) > 0)
		;
	return 0;
}

/* Run the daemon with up to 4 arguments, capturing stdout and stderr. */
static int
run(struct cst_daemon *d, char **out, char **err, const char *a1,
    const char *a2, const char *a3, const char *a4)
{
	const char *argv[6] = { cst_binary(0), a1, a2, a3, a4, NULL };

	return cst_exit_code(cst_run(d->dir, argv, NULL, out, err,
	    CST_WAIT_MS));
}

static int
count_lines(const char *text)
{
	int n = 0;

	for (; *text != '\0'; text++)
		n += *text == '\n';
	return n;
}

/* stderr is exactly one line, "FILE:LINE: message". */
static void
assert_conf_error(const char *err, const char *file, int line)
{
	char prefix[CST_PATHLEN + 32];

	snprintf(prefix, sizeof(prefix), "%s:%d: ", file, line);
	print_message("stderr: %s", err);
	assert_int_equal(count_lines(err), 1);
	assert_int_equal(strncmp(err, prefix, strlen(prefix)), 0);
	assert_true(strlen(err) > strlen(prefix) + 1);
}

static void
test_check_shipped(void **state)
{
	struct cst_daemon *d = *state;
	char path[CST_PATHLEN];
	char *err = NULL;
	int code;

	snprintf(path, sizeof(path), "%s/etc/caseserv.conf", cst_srcdir());
	code = run(d, NULL, &err, "-t", "-c", path, NULL);
	print_message("stderr: %s\n", err);
	/* As root -t checks the account too, which make install creates. */
	if (cst_is_root() && getpwnam("caseserv") == NULL) {
		assert_int_equal(code, 67);
		assert_non_null(strstr(err, "user: caseserv: no such user"));
	} else
		assert_int_equal(code, 0);
	free(err);
}

/* Each broken file: exit 78 and its one line names the right line. */
static void
test_check_bad_files(void **state)
{
	static const struct {
		const char	*text;
		int		 line;
	} bad[] = {
		{ "user = \"nobody\";\n\nmax_clientz = 3;\n", 3 },
		{ "# wrong type\nbacklog = \"many\";\n", 2 },
		{ "\n\n\n\nmax_clients = 0;\n", 5 },
		{ "max_clients_per_host = 100001;\n", 1 },
		{ "host_prefix_ipv4 = 33;\n", 1 },
		{ "idle_timeout = -1;\n", 1 },
		{ "backlog = 5;\nuser = \"nobody\"\n  = 3;\n", 3 },
		{ "\nallow = ( \"192.0.2.0/33\" );\n", 2 },
		{ "deny = ( \"not an address\" );\n", 1 },
		{ "log_level = \"loud\";\n", 1 },
		{ "log_facility = \"kernel\";\n", 1 },
		{ "listen = ( { host = \"localhost\"; port = 1; colour = 3; } );"
		    "\n", 1 },
	};
	struct cst_daemon *d = *state;
	char path[CST_PATHLEN + 16];
	char *err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), "%s/bad%zu.conf", d->dir, i);
		cst_must_write(path, bad[i].text);
		print_message("case %zu: %s", i, bad[i].text);
		assert_int_equal(run(d, NULL, &err, "-t", "-c", path, NULL),
		    78);
		assert_conf_error(err, path, bad[i].line);
		free(err);
	}
}

/* A file name with a newline in it still gives one line, escaped. */
static void
test_check_escapes_name(void **state)
{
	struct cst_daemon *d = *state;
	char path[CST_PATHLEN + 32], want[CST_PATHLEN + 32];
	char *err;

	snprintf(path, sizeof(path), "%s/bad\nname.conf", d->dir);
	snprintf(want, sizeof(want), "%s/bad\\012name.conf:2: ", d->dir);
	cst_must_write(path, "\nbacklog = 0;\n");
	assert_int_equal(run(d, NULL, &err, "-t", "-c", path, NULL), 78);
	print_message("stderr: %s", err);
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, want));
	free(err);
}

/* Find "key = value" in a dump, whatever the spacing. */
static int
has_setting(const char *text, const char *key, const char *value)
{
	const char *p = text;
	size_t kl = strlen(key);

	while ((p = strstr(p, key)) != NULL) {
		const char *q = p + kl;

		if ((p == text || p[-1] == '\n' || p[-1] == ' ' ||
		    p[-1] == '\t' || p[-1] == '{') &&
		    (q[strspn(q, " \t")] == '=' || q[strspn(q, " \t")] == ':')) {
			q += strspn(q, " \t") + 1;
			q += strspn(q, " \t");
			if (value == NULL || strncmp(q, value, strlen(value)) == 0)
				return 1;
		}
		p += kl;
	}
	return 0;
}

/* Strip comment lines (a dump names its source file) in place. */
static char *
settings(char *text)
{
	char *r = text, *w = text, *eol;

	while (*r != '\0') {
		eol = strchr(r, '\n');
		eol = eol != NULL ? eol + 1 : r + strlen(r);
		if (*r != '#') {
			memmove(w, r, (size_t)(eol - r));
			w += eol - r;
		}
		r = eol;
	}
	*w = '\0';
	return text;
}

/* -T: every key of SPEC section 3, in a file that -t accepts. */
/*
 * Issue 12: -t on a FIFO used to block in open(); now it is refused like
 * an @include of one: exit 78 and FILE:0: cannot open: not a regular file.
 */
static void
test_check_fifo(void **state)
{
	struct cst_daemon *d = *state;
	char path[CST_PATHLEN + 16];
	char *err = NULL;

	snprintf(path, sizeof(path), "%s/fifo.conf", d->dir);
	assert_int_equal(mkfifo(path, 0644), 0);
	assert_int_equal(run(d, NULL, &err, "-t", "-c", path, NULL), 78);
	assert_conf_error(err, path, 0);
	assert_non_null(strstr(err, ": not a regular file\n"));
	free(err);
}

/*
 * What a -t run left open at exit, as the fault shim reports it (one line
 * per descriptor); env_fault is CASESERV_FAULT=... or NULL.  Returns the
 * exit code; *err is its stderr, *fds the report.
 */
static int
run_fault(struct cst_daemon *d, const char *env_fault, char **err,
    char **fds)
{
	char preload[CST_PATHLEN + 16], report[CST_PATHLEN + 32];
	const char *argv[] = { cst_binary(0), "-t", "-c", d->conf, NULL };
	/* An ASan build wants its runtime first; the shim is harmless. */
	const char *env[] = { preload, report,
	    "ASAN_OPTIONS=verify_asan_link_order=0", env_fault, NULL };
	int code;

	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", cst_fault_lib());
	snprintf(report, sizeof(report), "CASESERV_FAULT_FDS=%s/fds",
	    d->dir);
	code = cst_exit_code(cst_run(d->dir, argv, env, NULL, err,
	    CST_WAIT_MS));
	*fds = cst_read_file(report + strlen("CASESERV_FAULT_FDS="));
	assert_non_null(*fds);
	assert_int_equal(unlink(report + strlen("CASESERV_FAULT_FDS=")), 0);
	print_message("%s: exit %d, stderr: %s, open at exit:\n%s",
	    env_fault ? env_fault : "no fault", code, *err, *fds);
	return code;
}

/*
 * Issue 12: -t when fork() fails in the sandbox self-test: one clear line,
 * EX_OSERR, and nothing left open (both ends of its pipe used to leak).
 */
static void
test_check_fork_fails(void **state)
{
	struct cst_daemon *d = *state;
	char *err, *base, *fds;

	cst_must_conf(d, NULL);
	assert_int_equal(run_fault(d, NULL, &err, &base), 0);
	free(err);
	/* As root, -t forks once before: to check what the run user can
	 * read (test_paths.c has that fork failing). */
	assert_int_equal(run_fault(d, cst_is_root() ? "CASESERV_FAULT=fork@2" :
	    "CASESERV_FAULT=fork", &err, &fds), 71);
	assert_string_equal(err,
	    "sandbox: self-test: fork: Resource temporarily unavailable\n");
	assert_null(strstr(fds, "pipe:"));
	assert_int_equal(count_lines(fds), count_lines(base));
	free(err);
	free(fds);
	free(base);
}

static void
test_dump(void **state)
{
	static const char *keys[] = { "listen", "host", "port", "backlog",
	    "user", "group", "pidfile", "max_clients", "max_clients_per_host",
	    "host_prefix_ipv4", "host_prefix_ipv6", "max_connection_rate",
	    "max_connection_rate_per_host", "idle_timeout", "session_timeout",
	    "max_session_bytes", "allow", "deny", "shutdown_timeout",
	    "log_facility", "log_level" };
	struct cst_daemon *d = *state;
	char dumped[CST_PATHLEN + 16], *out, *out2, *err;
	size_t i;

	cst_must_conf(d, "max_clients = 7;\nallow = ( \"192.0.2.0/24\" );\n"
	    "log_level = \"debug\";");
	assert_int_equal(run(d, &out, &err, "-T", "-c", d->conf, NULL), 0);
	print_message("-T output:\n%s", out);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!has_setting(out, keys[i], NULL))
			fail_msg("-T does not print '%s'", keys[i]);
	}
	/* The file's values, not only the defaults. */
	assert_true(has_setting(out, "max_clients", "7"));
	assert_true(has_setting(out, "log_level", "\"debug\""));
	assert_non_null(strstr(out, "\"192.0.2.0/24\""));
	snprintf(dumped, sizeof(dumped), "%s/dumped.conf", d->dir);
	cst_must_write(dumped, out);
	free(err);
	assert_int_equal(run(d, NULL, &err, "-t", "-c", dumped, NULL), 0);
	free(err);
	/* A dump of the dump is the same: nothing lost in the round trip. */
	assert_int_equal(run(d, &out2, &err, "-T", "-c", dumped, NULL), 0);
	assert_string_equal(settings(out), settings(out2));
	free(out);
	free(out2);
	free(err);
}

/* The whole text, as the user sees it: a change must change this too. */
static const char help_text[] =
    "usage: caseserv [-c FILE] [-f] [-e] [-d] [-i] [-t | -T] [-h] [-V]\n"
    "Serve TCP clients, echoing every byte with ASCII letters' case flipped.\n\n"
    "  -c, --config FILE  configuration file (default " CASESERV_CONFIG ")\n"
    "  -f, --foreground   do not detach\n"
    "  -e, --stderr       log to standard error instead of syslog\n"
    "  -d, --debug        log at debug level; implies -f -e\n"
    "  -i, --inetd        serve the one connection on stdin/stdout, then exit\n"
    "  -t, --test         check the configuration and the sandbox, then exit\n"
    "  -T, --dump         check, then print the effective configuration\n"
    "  -h, --help         print this help and exit\n"
    "  -V, --version      print the version and exit\n\n"
    "See caseserv(8) and caseserv.conf(5).\n";

static void
test_help_version(void **state)
{
	static const struct {
		const char	*opt;
		const char	*out;
	} cases[] = {
		{ "-h", help_text }, { "--help", help_text },
		{ "-V", "caseserv " PACKAGE_VERSION "\n" },
		{ "--version", "caseserv " PACKAGE_VERSION "\n" },
		/* Printed as soon as met, whatever follows. */
		{ "-hV", help_text }, { "-Vh", "caseserv " PACKAGE_VERSION "\n" },
	};
	struct cst_daemon *d = *state;
	char *out, *err;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(run(d, &out, &err, cases[i].opt, NULL, NULL,
		    NULL), 0);
		print_message("%s: %s", cases[i].opt, out);
		assert_string_equal(out, cases[i].out);
		assert_string_equal(err, "");
		free(out);
		free(err);
	}
}

static void
test_bad_usage(void **state)
{
	struct cst_daemon *d = *state;
	char *err;

	/* Each refusal names what was wrong, then the synopsis. */
	assert_int_equal(run(d, NULL, &err, "-x", NULL, NULL, NULL), 64);
	assert_non_null(strstr(err, "caseserv: -x: unknown option\n"));
	assert_non_null(strstr(err, "usage: caseserv [-c FILE]"));
	free(err);
	assert_int_equal(run(d, NULL, &err, "--no-such-option", NULL, NULL,
	    NULL), 64);
	assert_non_null(strstr(err, "--no-such-option: unknown option"));
	free(err);
	/* -c needs its argument, and a real one. */
	assert_int_equal(run(d, NULL, &err, "-t", "-c", NULL, NULL), 64);
	assert_non_null(strstr(err, "-c: needs an argument"));
	free(err);
	assert_int_equal(run(d, NULL, &err, "-t", "--config=", NULL, NULL), 64);
	assert_non_null(strstr(err, "-c: empty file name"));
	free(err);
	/* The synopsis has no operands. */
	assert_int_equal(run(d, NULL, &err, "-t", "-c", d->conf, "extra"), 64);
	assert_non_null(strstr(err, "extra: unexpected argument"));
	free(err);
	assert_int_equal(run(d, NULL, &err, "-t", "-T", "-c", d->conf), 64);
	assert_non_null(strstr(err, "exclude each other"));
	free(err);
}

static void
test_bad_usage_cluster(void **state)
{
	static const struct {
		const char	*a1, *a2, *want;
	} bad[] = {
		/* Issue 12: these named --stderr or the whole cluster. */
		{ "--stderr", "-xf", "caseserv: -x: unknown option\n" },
		{ "-fx", NULL, "caseserv: -x: unknown option\n" },
		{ "-ex", "-f", "caseserv: -x: unknown option\n" },
		{ "-f", "-xe", "caseserv: -x: unknown option\n" },
		{ "-fc", NULL, "caseserv: -c: needs an argument\n" },
		{ "--stderr", "-fc", "caseserv: -c: needs an argument\n" },
		{ "-e", "--config", "caseserv: --config: needs an argument\n" },
		{ "-f", "--bogus", "caseserv: --bogus: unknown option\n" },
	};
	struct cst_daemon *d = *state;
	char *err;
	size_t i;

	/* The first line of stderr names exactly the bad option. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(run(d, NULL, &err, bad[i].a1, bad[i].a2,
		    NULL, NULL), 64);
		print_message("%s %s: %s", bad[i].a1,
		    bad[i].a2 ? bad[i].a2 : "", err);
		assert_int_equal(strncmp(err, bad[i].want,
		    strlen(bad[i].want)), 0);
		free(err);
	}
}

static void
test_missing_config(void **state)
{
	struct cst_daemon *d = *state;
	char path[CST_PATHLEN + 16];
	char *err;

	snprintf(path, sizeof(path), "%s/absent.conf", d->dir);
	assert_int_equal(run(d, NULL, &err, "-t", "-c", path, NULL), 78);
	print_message("stderr: %s", err);
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, path));
	free(err);
	assert_int_equal(run(d, NULL, &err, "-f", "-e", "-c", path), 78);
	assert_non_null(strstr(err, path));
	free(err);
}

/* As root, a user or group that does not exist: 67 and a line naming it. */
static void
test_no_such_user(void **state)
{
	struct cst_daemon *d = *state;
	char text[256], *err;

	if (!cst_is_root())
		skip();
	snprintf(text, sizeof(text),
	    "listen = ( { host = \"localhost\"; port = %d; } );\n"
	    "user = \"cst-no-such-user\";\n", d->port);
	cst_must_write(d->conf, text);
	assert_int_equal(run(d, NULL, &err, "-f", "-e", "-c", d->conf), 67);
	print_message("stderr: %s", err);
	assert_non_null(strstr(err, "cst-no-such-user"));
	free(err);
	snprintf(text, sizeof(text),
	    "listen = ( { host = \"localhost\"; port = %d; } );\n"
	    "user = \"nobody\";\ngroup = \"cst-no-such-group\";\n", d->port);
	cst_must_write(d->conf, text);
	assert_int_equal(run(d, NULL, &err, "-f", "-e", "-c", d->conf), 67);
	print_message("stderr: %s", err);
	assert_non_null(strstr(err, "cst-no-such-group"));
	free(err);
	/* Nothing was left listening. */
	assert_int_equal(cst_connect("127.0.0.1", d->port, 1000), -1);
}

/* -t checks the accounts as start-up does: 67, naming the missing one. */
static void
test_check_no_such_user(void **state)
{
	static const char *files[] = {
		"user = \"cst-no-such-user\";\n",
		"user = \"nobody\";\ngroup = \"cst-no-such-group\";\n",
	};
	static const char *want[] = { "user: cst-no-such-user: no such user",
	    "group: cst-no-such-group: no such group" };
	struct cst_daemon *d = *state;
	const char *opt[] = { "-t", "-T" };
	char *err;
	size_t i, j;

	if (!cst_is_root())
		skip();
	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++) {
			cst_must_write(d->conf, files[i]);
			assert_int_equal(run(d, NULL, &err, opt[j], "-c",
			    d->conf, NULL), 67);
			print_message("%s: %s", opt[j], err);
			assert_non_null(strstr(err, want[i]));
			assert_int_equal(count_lines(err), 1);
			free(err);
		}
}

/* The line -t prints for a file the run user cannot open. */
static void
assert_unreadable(const char *err, const char *path)
{
	char want[CST_PATHLEN + 128];

	snprintf(want, sizeof(want), "%s: not readable by user nobody "
	    "(reload would fail): Permission denied\n", path);
	print_message("stderr: %s", err);
	assert_string_equal(err, want);
}

/*
 * Root can read a mode 0600 file, the dropped daemon cannot: -t and -T
 * fail naming it (the file itself, or an @include'd one), since every
 * reload would fail; a start works but warns.
 */
static void
test_check_unreadable(void **state)
{
	struct cst_daemon *d = *state;
	char inc[CST_PATHLEN + 16], text[CST_PATHLEN + 64], *out, *err;

	if (!cst_is_root())
		skip();
	cst_must_conf(d, NULL);
	assert_int_equal(run(d, NULL, &err, "-t", "-c", d->conf, NULL), 0);
	free(err);
	assert_int_equal(chmod(d->conf, 0600), 0);
	assert_int_equal(run(d, NULL, &err, "-t", "-c", d->conf, NULL), 78);
	assert_unreadable(err, d->conf);
	free(err);
	assert_int_equal(run(d, &out, &err, "-T", "-c", d->conf, NULL), 78);
	assert_unreadable(err, d->conf);
	assert_string_equal(out, "");
	free(out);
	free(err);

	snprintf(inc, sizeof(inc), "%s/inc.conf", d->dir);
	cst_must_write(inc, "backlog = 5;\n");
	assert_int_equal(chmod(inc, 0600), 0);
	snprintf(text, sizeof(text), "@include \"%s\"\n", "inc.conf");
	cst_must_conf(d, text);
	assert_int_equal(chmod(d->conf, 0644), 0);
	assert_int_equal(run(d, NULL, &err, "-t", "-c", d->conf, NULL), 78);
	assert_unreadable(err, inc);
	free(err);

	/* Root reads it, so start-up goes on, but says reload will fail. */
	cst_must_start(d, cst_binary(0), NULL, NULL, 2);
	assert_int_equal(cst_log_wait(d, "inc.conf: not readable by user "
	    "nobody (reload would fail)", CST_WAIT_MS), 0);
}

/* A pidfile in a directory the dropped daemon may write: shared as /tmp
 * is, so sticky (else the daemon warns that anyone can replace it). */
static void
pidfile_path(struct cst_daemon *d, char *buf, size_t len)
{
	char rundir[CST_PATHLEN + 8];

	snprintf(rundir, sizeof(rundir), "%s/run", d->dir);
	assert_int_equal(mkdir(rundir, 0777), 0);
	assert_int_equal(chmod(rundir, 01777), 0);
	snprintf(buf, len, "%s/caseserv.pid", rundir);
}

static void
port_conf(struct cst_daemon *d, const char *pidfile)
{
	char text[CST_PATHLEN + 256];

	snprintf(text, sizeof(text),
	    "listen = ( { host = \"127.0.0.1\"; port = %d; } );\n"
	    "user = \"nobody\";\n%s%s%s\n", d->port,
	    pidfile ? "pidfile = \"" : "", pidfile ? pidfile : "",
	    pidfile ? "\";" : "");
	cst_must_write(d->conf, text);
}

static void
test_port_in_use(void **state)
{
	struct cst_daemon *d = *state;
	char pidfile[CST_PATHLEN + 32], name[64], *err;
	int fd;

	pidfile_path(d, pidfile, sizeof(pidfile));
	fd = cst_occupy(d->port);
	port_conf(d, pidfile);
	assert_int_equal(run(d, NULL, &err, "-f", "-e", "-c", d->conf), 71);
	print_message("stderr: %s", err);
	snprintf(name, sizeof(name), "127.0.0.1:%d", d->port);
	assert_non_null(strstr(err, name));
	free(err);
	close(fd);
	/* A daemon that never listened leaves no (stale) pidfile. */
	assert_int_equal(access(pidfile, F_OK), -1);
}

/* Start with pidfile; it must fail with 71 and want in its one line. */
static void
assert_pidfile_refused(struct cst_daemon *d, const char *pidfile,
    const char *want)
{
	char line[CST_PATHLEN + 128], *err;

	port_conf(d, pidfile);
	assert_int_equal(run(d, NULL, &err, "-f", "-e", "-c", d->conf), 71);
	print_message("stderr: %s", err);
	snprintf(line, sizeof(line), "pidfile: %s: %s", pidfile, want);
	assert_non_null(strstr(err, line));
	free(err);
}

/*
 * Issue 13: the pidfile root writes must be its own: a symbolic link
 * (even to a file that does not exist), a second name of another file, or
 * a file of another account is refused before anything is written.
 */
static void
test_pidfile_refused(void **state)
{
	struct cst_daemon *d = *state;
	char pidfile[CST_PATHLEN + 32], victim[CST_PATHLEN + 16], *text;

	if (!cst_is_root())
		skip();
	pidfile_path(d, pidfile, sizeof(pidfile));
	snprintf(victim, sizeof(victim), "%s/victim", d->dir);
	cst_must_write(victim, "precious\n");

	assert_int_equal(symlink(victim, pidfile), 0);
	assert_pidfile_refused(d, pidfile, "not a regular file");
	assert_int_equal(unlink(pidfile), 0);
	assert_int_equal(symlink("/nonexistent/x", pidfile), 0);
	assert_pidfile_refused(d, pidfile, "not a regular file");
	assert_int_equal(unlink(pidfile), 0);

	assert_int_equal(link(victim, pidfile), 0);
	assert_pidfile_refused(d, pidfile, "has 2 links");
	assert_int_equal(unlink(pidfile), 0);

	cst_must_write(pidfile, "");
	assert_int_equal(chown(pidfile, 1, 1), 0);	/* daemon(1) */
	assert_pidfile_refused(d, pidfile, "owned by uid 1, not root");
	assert_int_equal(unlink(pidfile), 0);

	/* Nothing was written through any of them. */
	assert_non_null(text = cst_read_file(victim));
	assert_string_equal(text, "precious\n");
	free(text);
	/* The run user's own (a previous instance's) is taken over; a
	 * directory anyone may write, not sticky, is said once, not fatal. */
	cst_must_write(pidfile, "");
	assert_int_equal(chown(pidfile, 65534, 65534), 0);
	*strrchr(pidfile, '/') = '\0';
	assert_int_equal(chmod(pidfile, 0777), 0);
	pidfile[strlen(pidfile)] = '/';
	port_conf(d, pidfile);
	cst_must_start(d, cst_binary(0), NULL, NULL, 1);
	assert_int_equal(cst_log_count(d, "directory writable by others and "
	    "not sticky"), 1);
}

/*
 * Detaching start: the command returns 0 only once the daemon listens, so
 * a connect right after it succeeds.  The daemon is found by its pidfile.
 */
static void
test_detach(void **state)
{
	struct cst_daemon *d = *state;
	char pidfile[CST_PATHLEN + 32], *text, *err;
	pid_t pid;
	int status;

	pidfile_path(d, pidfile, sizeof(pidfile));
	port_conf(d, pidfile);
	assert_int_equal(run(d, NULL, &err, "-c", d->conf, NULL, NULL), 0);
	free(err);
	/* Register it at once so that teardown stops it whatever happens. */
	text = cst_read_file(pidfile);
	assert_non_null(text);
	pid = (pid_t)strtol(text, NULL, 10);
	free(text);
	assert_true(pid > 1);
	d->pid = pid;
	/* No retry: listening is what the exit status promised. */
	assert_int_equal(cst_echo_once("127.0.0.1", d->port, "Detached!"), 0);
	/* It left the session of the starting command. */
	assert_int_equal(getsid(pid), pid);
	assert_int_equal(cst_signal(d, SIGTERM), 0);
	/* This process is a subreaper, so the daemon's exit status is ours. */
	status = cst_wait_exit(d, CST_WAIT_MS);
	assert_int_equal(cst_exit_code(status), 0);
	assert_int_equal(access(pidfile, F_OK), -1);
}

/*
 * Started with standard input, output and error closed (as some process
 * supervisors do): the start still returns once listening, and the daemon
 * serves instead of mistaking one of its own descriptors for them.
 */
static void
test_detach_closed_stdio(void **state)
{
	struct cst_daemon *d = *state;
	char pidfile[CST_PATHLEN + 32], *text;
	const char *argv[] = { "/bin/sh", "-c",
	    "exec \"$0\" -c \"$1\" <&- >&- 2>&-", cst_binary(0), d->conf,
	    NULL };
	int status;
	pid_t pid;

	pidfile_path(d, pidfile, sizeof(pidfile));
	port_conf(d, pidfile);
	status = cst_run(d->dir, argv, NULL, NULL, NULL, CST_WAIT_MS);
	if ((text = cst_read_file(pidfile)) != NULL) {
		pid = (pid_t)strtol(text, NULL, 10);
		free(text);
		if (pid > 1 && cst_proc_ppid(pid) == getpid())
			d->pid = pid;
	}
	assert_int_equal(cst_exit_code(status), 0);
	assert_true(d->pid > 1);
	assert_int_equal(cst_echo_once("127.0.0.1", d->port, "no stdio"), 0);
	/* Idle, it sleeps: not a loop on a descriptor that is always ready
	 * (which would never be seen asleep). */
	assert_int_equal(cst_wait_state(d->pid, "S", CST_WAIT_MS), 0);
	assert_int_equal(cst_signal(d, SIGTERM), 0);
	assert_int_equal(cst_exit_code(cst_wait_exit(d, CST_WAIT_MS)), 0);
}

/* Detaching start that cannot bind: the command itself exits 71. */
static void
test_detach_port_in_use(void **state)
{
	struct cst_daemon *d = *state;
	char pidfile[CST_PATHLEN + 32], name[64], *text, *err;
	int fd, code;

	pidfile_path(d, pidfile, sizeof(pidfile));
	fd = cst_occupy(d->port);
	port_conf(d, pidfile);
	code = run(d, NULL, &err, "-c", d->conf, NULL, NULL);
	if ((text = cst_read_file(pidfile)) != NULL) {
		/* A daemon that should not exist: teardown stops our child. */
		pid_t pid = (pid_t)strtol(text, NULL, 10);

		if (pid > 1 && cst_proc_ppid(pid) == getpid())
			d->pid = pid;
		free(text);
	}
	print_message("stderr: %s", err);
	assert_int_equal(code, 71);
	snprintf(name, sizeof(name), "127.0.0.1:%d", d->port);
	assert_non_null(strstr(err, name));
	assert_int_equal(count_lines(err), 1);
	free(err);
	close(fd);
	/* A daemon that never listened leaves no (stale) pidfile. */
	assert_int_equal(access(pidfile, F_OK), -1);
}

/*
 * --spawner is the acceptor's, for the spawner's fresh image: run by hand
 * (descriptor 3 is no socket pair) it says so and exits 64, serving
 * nothing; with one argument too few or too many it is an unknown option.
 */
static void
test_spawner_marker(void **state)
{
	struct cst_daemon *d = *state;
	char *out = NULL, *err = NULL;

	assert_int_equal(run(d, &out, &err, "--spawner", "x", NULL, NULL), 64);
	assert_non_null(strstr(err, "--spawner is the acceptor's, not an option"));
	assert_string_equal(out, "");
	free(out);
	free(err);
	out = err = NULL;
	assert_int_equal(run(d, &out, &err, "--spawner", NULL, NULL, NULL), 64);
	assert_null(strstr(err, "the acceptor's"));
	free(out);
	free(err);
	/* Descriptor 3 a socket, but not the acceptor's kind: the same. */
	for (int kind = 0; kind < 2; kind++) {
		int sv[2], status;
		pid_t pid;

		if (kind == 0)
			assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		else {
			assert_true((sv[0] = socket(AF_INET, SOCK_DGRAM, 0)) >= 0);
			sv[1] = -1;
		}
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			int null = open("/dev/null", O_WRONLY);

			dup2(sv[0], 3);
			dup2(null, 2);
			execl(cst_binary(0), "caseserv", "--spawner", "x",
			    (char *)NULL);
			_exit(99);
		}
		close(sv[0]);
		if (sv[1] != -1)
			close(sv[1]);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 64);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_check_shipped, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_spawner_marker, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_check_bad_files, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_check_escapes_name, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_check_fifo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_fork_fails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dump, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help_version, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_usage, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_usage_cluster, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_missing_config, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_such_user, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_check_no_such_user, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_check_unreadable, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_port_in_use, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_pidfile_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_detach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detach_closed_stdio, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_detach_port_in_use, setup,
		    teardown),
	};

	/*
	 * A detached daemon is reparented to the nearest subreaper: make that
	 * this process, so it can be waited for and never escapes the test.
	 */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		fprintf(stderr, "prctl: %s\n", strerror(errno));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
