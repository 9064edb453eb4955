/*
 * test_fail2ban.c - the shipped fail2ban filter against the daemon's real
 * log (SPEC section 7): a flooder must be banned even though most of its
 * refusals are summarised, and nothing but the client's own doing matches.
 *
 * The daemon runs on free loopback ports with a deny rule, a per-host rate
 * and max_clients; clients connect from 127.0.0.0/8 addresses of their
 * choosing (all local on Linux) and from ::1.  Its -e lines are stamped as
 * rsyslog's file output would stamp them, in both its traditional and its
 * RFC 3339 format, and fail2ban-regex reads them with
 * contrib/fail2ban-caseserv-filter.conf.  Exits 77 when fail2ban-regex is
 * not installed (Debian: apt-get install fail2ban).
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../lib/cstest.h"

#define NACL		6	/* refusals of a denied address: one line each */
#define NBURST		20	/* connections a flooder opens each second */
#define NHELD		16	/* max_clients, all held in the last phase */
#define NCROWD		15	/* innocent hosts refused for max_clients */
#define F2B_MS		120000	/* fail2ban-regex: Python on a loaded box */

#define DENIED		"127.0.0.2"
#define SANDBOXED	"127.0.0.4"

static char f2b_regex[CST_PATHLEN];	/* the fail2ban-regex found */

/* The daemon's log so far, stamped the way rsyslog writes its files. */
struct capture {
	size_t	off;			/* of the daemon's log read so far */
	FILE	*trad;			/* "Mmm dd hh:mm:ss host caseserv[PID]: msg" */
	FILE	*iso;			/* "2025-12-01T13:42:28.123456+00:00 host ..." */
	char	trad_path[CST_PATHLEN + 32], iso_path[CST_PATHLEN + 32];
};

/* fail2ban-regex on PATH, into f2b_regex; 0 or -1. */
static int
find_fail2ban_regex(void)
{
	const char *path = getenv("PATH");
	char *dirs, *dir, *save = NULL;
	int found = -1;

	if (path == NULL || (dirs = strdup(path)) == NULL)
		return -1;
	for (dir = strtok_r(dirs, ":", &save); dir != NULL && found == -1;
	    dir = strtok_r(NULL, ":", &save)) {
		snprintf(f2b_regex, sizeof(f2b_regex), "%s/fail2ban-regex", dir);
		if (access(f2b_regex, X_OK) == 0)
			found = 0;
	}
	free(dirs);
	return found;
}

/* maxretry of the shipped jail. */
static int
jail_maxretry(void)
{
	char path[CST_PATHLEN], *text, *p;
	int n = -1;

	snprintf(path, sizeof(path), "%s/contrib/fail2ban-caseserv-jail.conf",
	    cst_srcdir());
	text = cst_read_file(path);
	assert_non_null(text);
	for (p = text; p != NULL; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (sscanf(p, "maxretry = %d", &n) == 1)
			break;
	free(text);
	assert_true(n > 0);
	return n;
}

/* ---- clients ---------------------------------------------------------- */

/* Connect from src (an address of 127.0.0.0/8, or "::1") to the daemon. */
static int
connect_from(const char *src, int port)
{
	struct sockaddr_storage from, to;
	struct timeval tv = { CST_WAIT_MS / 1000, 0 };
	int is6 = strchr(src, ':') != NULL, fd;
	socklen_t len;

	memset(&from, 0, sizeof(from));
	memset(&to, 0, sizeof(to));
	if (is6) {
		struct sockaddr_in6 *f = (struct sockaddr_in6 *)&from;
		struct sockaddr_in6 *t = (struct sockaddr_in6 *)&to;

		f->sin6_family = t->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, src, &f->sin6_addr), 1);
		t->sin6_addr = in6addr_loopback;
		t->sin6_port = htons((uint16_t)port);
		len = sizeof(*t);
	} else {
		struct sockaddr_in *f = (struct sockaddr_in *)&from;
		struct sockaddr_in *t = (struct sockaddr_in *)&to;

		f->sin_family = t->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, src, &f->sin_addr), 1);
		t->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		t->sin_port = htons((uint16_t)port);
		len = sizeof(*t);
	}
	fd = socket(to.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd != -1);
	/* Bounds the connect too (Linux). */
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
	    sizeof(tv)), 0);
	if (bind(fd, (struct sockaddr *)&from, len) == -1 ||
	    connect(fd, (struct sockaddr *)&to, len) == -1)
		fail_msg("connect from %s to port %d: %s", src, port,
		    strerror(errno));
	return fd;
}

/*
 * Half-close and wait for the end: a refused connection is cut at once, a
 * served one ends when its session sees end-of-file.  Either way the
 * daemon has dealt with it (no byte is sent: a byte would be echoed).
 */
static void
finish(int fd)
{
	unsigned char buf[8];
	int how = -1;

	assert_int_equal(cst_shut_wr(fd), 0);
	assert_int_equal(cst_recv_eof(fd, buf, sizeof(buf), CST_WAIT_MS, &how),
	    0);
	assert_true(how == 0 || how == ECONNRESET);
	close(fd);
}

/* n connections from src, opened together, then each finished. */
static void
burst_from(struct cst_daemon *d, const char *src, int n)
{
	int fds[NBURST], i;

	assert_true(n <= NBURST);
	for (i = 0; i < n; i++)
		fds[i] = connect_from(src, d->port);
	for (i = 0; i < n; i++)
		finish(fds[i]);
}

/* Sleep into the daemon's next second (both read CLOCK_MONOTONIC). */
static void
next_second(void)
{
	int64_t now = cst_now_ms();

	cst_sleep_ms((int)(1000 - now % 1000) + 30);
}

/* ---- the log, as rsyslog would write it -------------------------------- */

static void
capture_open(struct capture *c, const struct cst_daemon *d)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->trad_path, sizeof(c->trad_path), "%s/caseserv.log", d->dir);
	snprintf(c->iso_path, sizeof(c->iso_path), "%s/caseserv-rfc3339.log",
	    d->dir);
	c->trad = fopen(c->trad_path, "w");
	c->iso = fopen(c->iso_path, "w");
	assert_true(c->trad != NULL && c->iso != NULL);
}

/*
 * Every whole line the daemon wrote since the last call, stamped now:
 * the -e line is "caseserv[PID]: msg", exactly the tag and message of its
 * syslog record, to which rsyslog adds the time and the host name.
 */
static void
capture(struct capture *c, const struct cst_daemon *d)
{
	char *text = cst_log_read(d), host[256], trad[32], iso[64], zone[8];
	char *p, *nl;
	struct timespec ts;
	struct tm tm;

	assert_non_null(text);
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	host[sizeof(host) - 1] = '\0';
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(trad, sizeof(trad), "%b %e %H:%M:%S", &tm);
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);
	for (p = text + c->off; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		/* Lines of others (cstest's) are no syslog records. */
		if (strncmp(p, "caseserv[", 9) != 0)
			continue;
		fprintf(c->trad, "%s %s %.*s\n", trad, host, (int)(nl - p), p);
		fprintf(c->iso, "%s.%06ld%.3s:%s %s %.*s\n", iso,
		    ts.tv_nsec / 1000, zone, zone + 3, host, (int)(nl - p), p);
	}
	c->off = (size_t)(p - text);
	free(text);
	fflush(c->trad);
	fflush(c->iso);
}

static void
capture_close(struct capture *c)
{
	assert_int_equal(fclose(c->trad), 0);
	assert_int_equal(fclose(c->iso), 0);
}

/* ---- fail2ban-regex ------------------------------------------------------ */

/* fail2ban-regex [opt] LOG FILTER; its standard output (caller frees). */
static char *
f2b_run(const struct cst_daemon *d, const char *opt, const char *log)
{
	char filter[CST_PATHLEN];
	const char *argv[6];
	char *out = NULL, *err = NULL;
	int n = 0, status;

	snprintf(filter, sizeof(filter),
	    "%s/contrib/fail2ban-caseserv-filter.conf", cst_srcdir());
	argv[n++] = f2b_regex;
	if (opt != NULL)
		argv[n++] = opt;
	argv[n++] = log;
	argv[n++] = filter;
	argv[n] = NULL;
	status = cst_run(d->dir, argv, NULL, &out, &err, F2B_MS);
	if (cst_exit_code(status) != 0)
		fail_msg("fail2ban-regex exit %d:\n%s\n%s", cst_exit_code(status),
		    out != NULL ? out : "", err != NULL ? err : "");
	free(err);
	assert_non_null(out);
	return out;
}

/* Matched lines of "-o ip" output (one address a line) from ip. */
static int
ip_count(const char *out, const char *ip)
{
	size_t len = strlen(ip);
	const char *p;
	int n = 0;

	for (p = out; p != NULL && *p != '\0'; p = strchr(p, '\n'),
	    p = p != NULL ? p + 1 : NULL)
		n += strncmp(p, ip, len) == 0 && (p[len] == '\n' ||
		    p[len] == '\0');
	return n;
}

/* Lines of out. */
static int
line_count(const char *out)
{
	int n = 0;

	for (; *out != '\0'; out++)
		n += *out == '\n';
	return n;
}

/* "Date template hits: ... |  [N] {^LN-BEG}...": N of the first. */
static int
date_hits(const char *out)
{
	const char *p = strstr(out, "Date template hits:");
	int n = -1;

	assert_non_null(p);
	print_message("%.*s\n", (int)strcspn(p, "`"), p);
	assert_non_null(p = strstr(p, "\n|  ["));
	assert_int_equal(sscanf(p, "\n|  [%d]", &n), 1);
	return n;
}

/* "Lines: N lines, I ignored, M matched, K missed": M, and N in *lines. */
static int
matched_total(const char *out, int *nlines)
{
	const char *p = strstr(out, "\nLines: ");
	int lines, ignored, matched = -1, missed;

	assert_non_null(p);
	assert_int_equal(sscanf(p, "\nLines: %d lines, %d ignored, %d matched, "
	    "%d missed", &lines, &ignored, &matched, &missed), 4);
	print_message("fail2ban-regex: %d lines, %d ignored, %d matched, "
	    "%d missed\n", lines, ignored, matched, missed);
	*nlines = lines;
	return matched;
}

/* Does line hold field, followed by a space or its end? */
static int
has_field(const char *line, const char *field)
{
	const char *p;

	for (p = line; (p = strstr(p, field)) != NULL; p++)
		if (p[strlen(field)] == ' ' || p[strlen(field)] == '\0')
			return 1;
	return 0;
}

/*
 * Every line --print-all-matched lists is a refusal of the client's own
 * doing or a sandbox kill; their number.
 */
static int
check_matched_lines(const char *out)
{
	const char *p = strstr(out, "|- Matched line(s):\n"), *eol;
	int n = 0;

	assert_non_null(p);
	for (p = strchr(p, '\n') + 1; strncmp(p, "|  ", 3) == 0; p = eol + 1) {
		char line[512];

		eol = strchr(p, '\n');
		assert_non_null(eol);
		snprintf(line, sizeof(line), "%.*s", (int)(eol - p), p);
		if (strstr(line, " open peer=") || strstr(line, " close peer=") ||
		    strstr(line, ": stats ") || strstr(line, ": refused: ") ||
		    strstr(line, "listening on") ||
		    has_field(line, " reason=max_clients"))
			fail_msg("matched: %s", line);
		assert_true(strstr(line, " refused peer=") != NULL ||
		    strstr(line, " refused host=") != NULL ||
		    strstr(line, " reason=sandbox ") != NULL);
		n++;
	}
	return n;
}

/* ---- the test --------------------------------------------------------------- */

/*
 * What fail2ban must count for a flooder: its own rate_per_host lines and
 * the summary lines naming it.
 */
static int
expected_flooder(const struct cst_daemon *d, const char *peer_prefix,
    const char *host, int *summaries)
{
	char needle[128];
	int own;

	snprintf(needle, sizeof(needle), "refused peer=%s", peer_prefix);
	own = cst_log_count(d, needle);
	snprintf(needle, sizeof(needle), "refused host=%s reason=rate_per_host "
	    "suppressed=", host);
	*summaries = cst_log_count(d, needle);
	print_message("%s: %d refused lines of its own, %d summaries\n", host,
	    own, *summaries);
	return own + *summaries;
}

static void
test_fail2ban_bans_flooders(void **state)
{
	static const char *const env[] = { "CASESERV_TEST_SANDBOX_BREAK=1",
	    NULL };
	struct cst_daemon *d = *state;
	struct capture cap;
	char addr[32], *out, *ips, *ips_iso;
	int maxretry = jail_maxretry(), held[NHELD], fd, s, i;
	int want4, want6, sum4, sum6, nmatched, nlines;

	cst_must_init(d);
	cst_must_conf(d, "deny = ( \"" DENIED "\" );\n"
	    "max_connection_rate_per_host = 5;\n"
	    "max_clients = 16;\n"
	    "backlog = 1024;");
	/* The test-hook binary: a session that reads a byte breaks its sandbox. */
	cst_must_start(d, cst_binary(1), NULL, env, 2);
	capture_open(&cap, d);

	/* A denied address, in a quiet second: one line per refusal. */
	next_second();
	for (i = 0; i < NACL; i++)
		finish(connect_from(DENIED, d->port));
	capture(&cap, d);

	/*
	 * Two flooders, each second for maxretry + 1 seconds: 127.0.0.1 takes
	 * the second's ten lines, so ::1's refusals only ever reach the log
	 * through the summaries.
	 */
	for (s = 0; s <= maxretry; s++) {
		next_second();
		burst_from(d, "127.0.0.1", NBURST);
		burst_from(d, "::1", NBURST);
		capture(&cap, d);
	}

	/* A session that breaks its sandbox. */
	fd = connect_from(SANDBOXED, d->port);
	assert_int_equal(cst_send_all(fd, "x", 1, CST_WAIT_MS), 0);
	snprintf(addr, sizeof(addr), "killed peer=%s:", SANDBOXED);
	assert_int_equal(cst_log_wait(d, addr, CST_WAIT_MS), 0);
	close(fd);

	/*
	 * max_clients, innocent: 16 sessions held from 16 hosts, then 15
	 * other hosts refused in one second (ten lines and a summary).
	 */
	next_second();
	for (i = 0; i < NHELD; i++) {
		snprintf(addr, sizeof(addr), "127.0.1.%d", i + 1);
		held[i] = connect_from(addr, d->port);
	}
	assert_int_equal(cst_log_wait(d, " active=16\n", CST_WAIT_MS), 0);
	next_second();
	for (i = 0; i < NCROWD; i++) {
		snprintf(addr, sizeof(addr), "127.0.2.%d", i + 1);
		finish(connect_from(addr, d->port));
	}
	assert_int_equal(cst_log_wait(d, "reason=max_clients suppressed=",
	    CST_WAIT_MS), 0);
	for (i = 0; i < NHELD; i++)
		finish(held[i]);
	assert_int_equal(cst_signal(d, SIGUSR1), 0);
	assert_int_equal(cst_log_wait(d, ": stats ", CST_WAIT_MS), 0);
	capture(&cap, d);
	capture_close(&cap);

	/* The real log has what the filter must tell apart. */
	assert_true(cst_log_count(d, " similar suppressed\n") >= maxretry);
	assert_true(cst_log_count(d, " open peer=") > 0);
	assert_true(cst_log_count(d, " close peer=") > 0);
	want4 = expected_flooder(d, "127.0.0.1:", "127.0.0.1", &sum4);
	want6 = expected_flooder(d, "[::1]:", "::1", &sum6);
	print_message("max_clients: %d lines, %d summaries\n",
	    cst_log_count(d, " reason=max_clients\n"),
	    cst_log_count(d, " reason=max_clients suppressed="));

	out = f2b_run(d, "--print-all-matched", cap.trad_path);
	nmatched = check_matched_lines(out);
	assert_int_equal(matched_total(out, &nlines), nmatched);
	/* Every line's date was read, by the one template. */
	assert_int_equal(date_hits(out), nlines);
	free(out);

	ips = f2b_run(d, "--out=ip", cap.trad_path);
	print_message("fail2ban-regex matches: 127.0.0.1 %d, ::1 %d, "
	    "%s %d, %s %d (maxretry %d)\n", ip_count(ips, "127.0.0.1"),
	    ip_count(ips, "::1"), DENIED, ip_count(ips, DENIED), SANDBOXED,
	    ip_count(ips, SANDBOXED), maxretry);
	/* Each flooder: every line about it, and so banned ... */
	assert_int_equal(ip_count(ips, "127.0.0.1"), want4);
	assert_int_equal(ip_count(ips, "::1"), want6);
	assert_true(want4 >= maxretry);
	/* ... ::1 by its summaries alone. */
	assert_true(sum6 >= maxretry);
	assert_int_equal(cst_log_count(d, "refused peer=[::1]:") + sum6, want6);
	assert_int_equal(ip_count(ips, DENIED), NACL);
	assert_int_equal(ip_count(ips, SANDBOXED), 1);
	/* Nobody else: not the hosts refused for max_clients, not the held. */
	assert_int_equal(line_count(ips), want4 + want6 + NACL + 1);
	assert_int_equal(line_count(ips), nmatched);

	/* rsyslog's RFC 3339 timestamps (Debian 12's default) read the same. */
	ips_iso = f2b_run(d, "--out=ip", cap.iso_path);
	assert_string_equal(ips_iso, ips);
	free(ips);
	free(ips_iso);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fail2ban_bans_flooders,
		    cst_setup, cst_teardown),
	};

	if (find_fail2ban_regex() == -1) {
		fprintf(stderr, "test_fail2ban: fail2ban-regex is not installed "
		    "(Debian: apt-get install fail2ban): skipped\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
