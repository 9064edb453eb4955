/*
 * cstest.c - the integration tests' helper library (see cstest.h).
 *
 * Every wait here polls with a bound: a test against a broken daemon fails
 * in seconds instead of hanging the suite, and only processes this library
 * started are ever signalled.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "cstest.h"

#define POLL_MS		10
#define DEATH_MS	3000	/* after SIGKILL the kernel is quick */

/* ---- environment ---- */

static const char *
need_env(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0') {
		/* Exit 99: a hard error for automake, not a test failure. */
		fprintf(stderr, "cstest: %s is not set (run via make check)\n",
		    name);
		exit(99);
	}
	return v;
}

const char *
cst_binary(int test_hooks)
{
	return need_env(test_hooks ? "CASESERV_TEST" : "CASESERV");
}

const char *
cst_srcdir(void)
{
	return need_env("CASESERV_SRCDIR");
}

int
cst_is_root(void)
{
	return geteuid() == 0;
}

int64_t
cst_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
cst_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

char *
cst_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	do {
		if (cap - len < 4096) {
			cap = cap * 2 + 8192;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* ---- ports ---- */

socklen_t
cst_loopback_addr(int family, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		sin6->sin6_addr = in6addr_loopback;
		return sizeof(*sin6);
	}
}

static int
bind_loopback(int family, int port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	sl = cst_loopback_addr(family, port, &ss);
	if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
sock_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* Try port on both families; the port, or -1. */
static int
try_port(int port)
{
	int fd4, fd6;

	if ((fd4 = bind_loopback(AF_INET, port)) == -1)
		return -1;
	if (port == 0)
		port = sock_port(fd4);
	fd6 = bind_loopback(AF_INET6, port);
	close(fd4);
	if (fd6 == -1)
		return -1;
	close(fd6);
	return port;
}

int
cst_free_port(int lo, int hi)
{
	int i, port;

	srandom((unsigned)(getpid() ^ cst_now_ms()));
	for (i = 0; i < 200; i++) {
		port = lo == 0 ? 0 : lo + (int)(random() % (hi - lo + 1));
		if ((port = try_port(port)) > 0)
			return port;
	}
	fail_msg("cstest: no free loopback port in [%d, %d]", lo, hi);
	return -1;
}

int
cst_local_port(int fd)
{
	return sock_port(fd);
}

/* ---- the daemon's directory and configuration ---- */

void
cst_must_init(struct cst_daemon *d)
{
	memset(d, 0, sizeof(*d));
	strcpy(d->dir, "/tmp/cstest.XXXXXX");
	assert_non_null(mkdtemp(d->dir));
	/* The daemon rereads its file on SIGHUP as "nobody". */
	assert_int_equal(chmod(d->dir, 0755), 0);
	snprintf(d->conf, sizeof(d->conf), "%s/caseserv.conf", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/daemon.log", d->dir);
	d->port = cst_free_port(0, 0);
}

void
cst_must_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	chmod(path, 0644);
}

void
cst_must_conf(struct cst_daemon *d, const char *extra)
{
	char text[8192];

	snprintf(text, sizeof(text),
	    "# written by cstest\n"
	    "listen = ( { host = \"127.0.0.1\"; port = %d; },\n"
	    "           { host = \"::1\"; port = %d; } );\n"
	    "user = \"nobody\";\n"
	    "%s\n", d->port, d->port, extra != NULL ? extra : "");
	cst_must_write(d->conf, text);
}

/* ---- processes ---- */

/* In the child: put "NAME=value" strings into the environment. */
static void
child_env(const char *const *env)
{
	for (; env != NULL && *env != NULL; env++)
		putenv(strdup(*env));
}

static void
child_exec(const char *const *argv)
{
	char *v[64];
	int i;

	for (i = 0; argv[i] != NULL && i < 63; i++)
		v[i] = strdup(argv[i]);
	v[i] = NULL;
	execv(v[0], v);
	fprintf(stderr, "cstest: exec %s: %s\n", v[0], strerror(errno));
	_exit(127);
}

/*
 * Fork argv with stdout to fdout and stderr to fderr, as d's run_uid,
 * run_gid and run_groups when d is not NULL and run_uid not 0 (a start by
 * an ordinary account); the pid.
 */
static pid_t
spawn(const char *const *argv, const char *const *env, int fdout, int fderr,
    const struct cst_daemon *d)
{
	pid_t pid = fork();

	assert_true(pid != -1);
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(fdout, 1);
		dup2(fderr, 2);
		if (d != NULL && d->run_uid != 0 &&
		    (setgroups((size_t)d->run_ngroups, d->run_groups) == -1 ||
		    setgid(d->run_gid) == -1 || setuid(d->run_uid) == -1))
			_exit(126);
		child_env(env);
		child_exec(argv);
	}
	return pid;
}

/* waitpid with a bound; the status, or -1 (the child is then killed). */
static int
wait_bounded(pid_t pid, int timeout_ms)
{
	int64_t end = cst_now_ms() + timeout_ms;
	int status;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		/* Not (or no longer) our child: never signal a stranger. */
		if (r == -1 && errno != EINTR)
			return -1;
		if (cst_now_ms() >= end)
			break;
		cst_sleep_ms(POLL_MS);
	}
	kill(pid, SIGKILL);
	end = cst_now_ms() + DEATH_MS;
	while (waitpid(pid, &status, WNOHANG) == 0 && cst_now_ms() < end)
		cst_sleep_ms(POLL_MS);
	return -1;
}

int
cst_exit_code(int status)
{
	if (status == -1)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

static int
run_ids(const char *dir, const struct cst_daemon *d, const char *const *argv,
    const char *const *env, char **out, char **err, int timeout_ms)
{
	char pout[CST_PATHLEN], perr[CST_PATHLEN];
	int fo, fe, status;
	static int seq;

	seq++;
	snprintf(pout, sizeof(pout), "%s/run%d.out", dir, seq);
	snprintf(perr, sizeof(perr), "%s/run%d.err", dir, seq);
	fo = open(pout, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	fe = open(perr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fo != -1 && fe != -1);
	status = wait_bounded(spawn(argv, env, fo, fe, d), timeout_ms);
	close(fo);
	close(fe);
	if (out != NULL)
		*out = cst_read_file(pout);
	if (err != NULL)
		*err = cst_read_file(perr);
	fprintf(stderr, "cstest: ran %s ... %s: status %d\n", argv[0],
	    argv[1] != NULL ? argv[1] : "", cst_exit_code(status));
	return status;
}

int
cst_run(const char *dir, const char *const *argv, const char *const *env,
    char **out, char **err, int timeout_ms)
{
	return run_ids(dir, NULL, argv, env, out, err, timeout_ms);
}

int
cst_run_as(const struct cst_daemon *d, const char *const *argv,
    const char *const *env, char **out, char **err, int timeout_ms)
{
	return run_ids(d->dir, d, argv, env, out, err, timeout_ms);
}

void
cst_must_start(struct cst_daemon *d, const char *binary,
    const char *const *args, const char *const *env, int nlisten)
{
	const char *argv[64] = { binary, "-f", "-e", "-c", d->conf };
	int i, fd, n = 5;

	for (i = 0; args != NULL && args[i] != NULL && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	assert_true(fd != -1);
	d->pid = spawn(argv, env, fd, fd, d);
	close(fd);
	if (cst_log_wait_n(d, "listening on ", nlisten, CST_WAIT_MS) == 0)
		return;
	cst_log_dump(d);
	fail_msg("cstest: daemon pid %d not listening %d times (alive: %d)",
	    (int)d->pid, nlisten, cst_alive(d));
}

void
cst_must_start_argv(struct cst_daemon *d, const char *const *argv,
    const char *const *env, int nlisten)
{
	int fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	assert_true(fd != -1);
	d->pid = spawn(argv, env, fd, fd, d);
	close(fd);
	if (cst_log_wait_n(d, "listening on ", nlisten, CST_WAIT_MS) == 0)
		return;
	cst_log_dump(d);
	fail_msg("cstest: daemon pid %d not listening %d times (alive: %d)",
	    (int)d->pid, nlisten, cst_alive(d));
}

const char *
cst_fault_lib(void)
{
	return need_env("CASESERV_FAULT_LIB");
}

int
cst_wait_state(pid_t pid, const char *states, int timeout_ms)
{
	int64_t end = cst_now_ms() + timeout_ms;
	char st;

	for (;;) {
		st = cst_proc_state(pid);
		if (st != 0 && strchr(states, st) != NULL)
			return 0;
		if (cst_now_ms() >= end)
			break;
		cst_sleep_ms(POLL_MS);
	}
	fprintf(stderr, "cstest: pid %d not in state [%s] (last '%c')\n",
	    (int)pid, states, st ? st : '-');
	return -1;
}

void
cst_must_start_default(struct cst_daemon *d, const char *extra)
{
	cst_must_init(d);
	cst_must_conf(d, extra);
	cst_must_start(d, cst_binary(0), NULL, NULL, 2);
}

int
cst_alive(struct cst_daemon *d)
{
	int status;

	if (d->pid <= 0)
		return 0;
	if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
		d->status = status;
		d->pid = 0;
		return 0;
	}
	return 1;
}

int
cst_signal(struct cst_daemon *d, int sig)
{
	if (d->pid <= 0)
		return -1;
	return kill(d->pid, sig);
}

int
cst_wait_exit(struct cst_daemon *d, int timeout_ms)
{
	int status;

	if (d->pid <= 0)
		return d->status;
	status = wait_bounded(d->pid, timeout_ms);
	d->pid = 0;
	d->status = status;
	return status;
}

static int
rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

void
cst_cleanup(struct cst_daemon *d)
{
	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		if (cst_wait_exit(d, CST_WAIT_MS) == -1)
			fprintf(stderr, "cstest: daemon ignored SIGTERM\n");
	}
	if (d->dir[0] == '\0')
		return;
	cst_log_dump(d);
	nftw(d->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	d->dir[0] = '\0';
}

/* ---- the log ---- */

char *
cst_log_read(const struct cst_daemon *d)
{
	return cst_read_file(d->log);
}

static int
count_in(const char *text, const char *needle)
{
	int n = 0;

	while (text != NULL && (text = strstr(text, needle)) != NULL) {
		n++;
		text += strlen(needle);
	}
	return n;
}

int
cst_log_count(const struct cst_daemon *d, const char *needle)
{
	char *text = cst_log_read(d);
	int n = count_in(text, needle);

	free(text);
	return n;
}

int
cst_log_wait_n(const struct cst_daemon *d, const char *needle, int n,
    int timeout_ms)
{
	int64_t end = cst_now_ms() + timeout_ms;

	for (;;) {
		if (cst_log_count(d, needle) >= n)
			return 0;
		if (cst_now_ms() >= end)
			break;
		cst_sleep_ms(POLL_MS);
	}
	fprintf(stderr, "cstest: timeout waiting for %d x '%s' in the log\n",
	    n, needle);
	return -1;
}

int
cst_log_wait(const struct cst_daemon *d, const char *needle, int timeout_ms)
{
	return cst_log_wait_n(d, needle, 1, timeout_ms);
}

/* Copy the nth line of text holding needle; 0 or -1. */
static int
nth_line(const char *text, const char *needle, int nth, char *buf,
    size_t len)
{
	const char *p = text, *bol, *eol;

	while (p != NULL && (p = strstr(p, needle)) != NULL) {
		if (--nth > 0) {
			p += strlen(needle);
			continue;
		}
		for (bol = p; bol > text && bol[-1] != '\n'; bol--)
			;
		if ((eol = strchr(p, '\n')) == NULL)
			eol = p + strlen(p);
		snprintf(buf, len, "%.*s", (int)(eol - bol), bol);
		return 0;
	}
	return -1;
}

int
cst_log_line(const struct cst_daemon *d, const char *needle, int nth,
    char *buf, size_t len, int timeout_ms)
{
	int64_t end = cst_now_ms() + timeout_ms;
	char *text;
	int r;

	for (;;) {
		text = cst_log_read(d);
		r = text != NULL ? nth_line(text, needle, nth, buf, len) : -1;
		free(text);
		if (r == 0)
			return 0;
		if (cst_now_ms() >= end)
			break;
		cst_sleep_ms(POLL_MS);
	}
	fprintf(stderr, "cstest: no line %d with '%s' in the log\n", nth,
	    needle);
	return -1;
}

void
cst_log_dump(const struct cst_daemon *d)
{
	char *text = cst_log_read(d);
	size_t len = text != NULL ? strlen(text) : 0;
	const size_t tail = 6000;

	if (text == NULL)
		return;

	fprintf(stderr, "---- daemon log %s%s ----\n%s", d->log,
	    len > tail ? " (tail)" : "", text + (len > tail ? len - tail : 0));
	fprintf(stderr, "---- end of daemon log ----\n");
	free(text);
}

int
cst_field(const char *line, const char *key, char *buf, size_t len)
{
	char pat[64];
	const char *p;
	size_t n;

	snprintf(pat, sizeof(pat), " %s=", key);
	if ((p = strstr(line, pat)) == NULL)
		return -1;
	p += strlen(pat);
	n = strcspn(p, " \n");
	snprintf(buf, len, "%.*s", (int)n, p);
	return 0;
}

long long
cst_field_num(const char *line, const char *key)
{
	char buf[64], *end;
	long long v;

	if (cst_field(line, key, buf, sizeof(buf)) == -1)
		return -1;
	v = strtoll(buf, &end, 10);
	return *end == '\0' && end != buf ? v : -1;
}

/* ---- clients ---- */

static int
poll_one(int fd, short events, int64_t end)
{
	struct pollfd p = { fd, events, 0 };
	int64_t left;
	int r;

	do {
		if ((left = end - cst_now_ms()) < 0)
			left = 0;
		r = poll(&p, 1, (int)left);
	} while (r == -1 && errno == EINTR);
	if (r == 0)
		errno = ETIMEDOUT;
	return r == 1 ? 0 : -1;
}

int
cst_connect(const char *addr, int port, int timeout_ms)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, fam, one = 1, err = 0;
	socklen_t el = sizeof(err);

	memset(&ss, 0, sizeof(ss));
	fam = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
	if (fam == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, addr, &sin->sin_addr);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, addr, &sin6->sin6_addr);
		sl = sizeof(*sin6);
	}
	fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	/* The client must never be the side that adds a Nagle delay. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&ss, sl) == -1) {
		if (errno != EINPROGRESS ||
		    poll_one(fd, POLLOUT, cst_now_ms() + timeout_ms) == -1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == -1 ||
		    err != 0) {
			if (err != 0)
				errno = err;
			close(fd);
			return -1;
		}
	}
	return fd;
}

int
cst_must_connect(const char *addr, int port)
{
	int fd = cst_connect(addr, port, CST_WAIT_MS);

	if (fd == -1)
		fail_msg("cstest: connect %s port %d: %s", addr, port,
		    strerror(errno));
	return fd;
}

int
cst_send_all(int fd, const void *buf, size_t len, int timeout_ms)
{
	const unsigned char *p = buf;
	int64_t end = cst_now_ms() + timeout_ms;
	ssize_t n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n == -1 && errno != EAGAIN && errno != EINTR) {
			return -1;
		} else if (poll_one(fd, POLLOUT, end) == -1) {
			return -1;
		}
	}
	return 0;
}

ssize_t
cst_recv_exact(int fd, void *buf, size_t len, int timeout_ms)
{
	unsigned char *p = buf;
	int64_t end = cst_now_ms() + timeout_ms;
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = recv(fd, p + got, len - got, MSG_DONTWAIT);
		if (n > 0)
			got += (size_t)n;
		else if (n == 0)
			break;
		else if (errno != EAGAIN && errno != EINTR)
			break;
		else if (poll_one(fd, POLLIN, end) == -1)
			break;
	}
	return (ssize_t)got;
}

ssize_t
cst_recv_eof(int fd, void *buf, size_t len, int timeout_ms, int *how)
{
	unsigned char *p = buf, spare;
	int64_t end = cst_now_ms() + timeout_ms;
	size_t got = 0;
	ssize_t n;

	for (;;) {
		/* Once buf is full, one more byte means the peer sent too much. */
		n = got < len ? recv(fd, p + got, len - got, MSG_DONTWAIT) :
		    recv(fd, &spare, 1, MSG_DONTWAIT);
		if (n > 0 && got >= len) {
			*how = EMSGSIZE;
			break;
		}
		if (n > 0) {
			got += (size_t)n;
		} else if (n == 0) {
			*how = 0;
			break;
		} else if (errno != EAGAIN && errno != EINTR) {
			*how = errno;
			break;
		} else if (poll_one(fd, POLLIN, end) == -1) {
			*how = ETIMEDOUT;
			break;
		}
	}
	return (ssize_t)got;
}

int
cst_shut_wr(int fd)
{
	return shutdown(fd, SHUT_WR);
}

void
cst_toggle(const unsigned char *in, unsigned char *out, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = in[i];

		out[i] = ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) ?
		    (unsigned char)(c ^ 0x20) : c;
	}
}

void
cst_random(unsigned char *buf, size_t len, uint64_t seed)
{
	uint64_t x = seed | 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (unsigned char)(x >> 24);
	}
}

struct pump_state {
	size_t	sent;
	size_t	got;
};

/* One step of socket i in the pump; -1 on a hard error. */
static int
pump_step(int fd, short rev, const unsigned char *out, unsigned char *in,
    size_t len, size_t chunk, struct pump_state *s)
{
	ssize_t n;

	if ((rev & POLLOUT) && s->sent < len) {
		size_t want = len - s->sent < chunk ? len - s->sent : chunk;

		n = send(fd, out + s->sent, want, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			s->sent += (size_t)n;
		else if (n == -1 && errno != EAGAIN && errno != EINTR)
			return -1;
	}
	if ((rev & (POLLIN | POLLHUP | POLLERR)) && s->got < len) {
		n = recv(fd, in + s->got, len - s->got, MSG_DONTWAIT);
		if (n > 0)
			s->got += (size_t)n;
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			return -1;
	}
	return 0;
}

int
cst_pump(const int *fds, const unsigned char *const *out,
    unsigned char *const *in, const size_t *len, size_t n, size_t chunk,
    int timeout_ms)
{
	struct pollfd *p = calloc(n, sizeof(*p));
	struct pump_state *s = calloc(n, sizeof(*s));
	int64_t end = cst_now_ms() + timeout_ms;
	size_t i, done = 0;
	int r = 0;

	assert_true(p != NULL && s != NULL);
	while (done < n && r == 0) {
		for (i = 0; i < n; i++) {
			p[i].fd = s[i].got < len[i] ? fds[i] : -1;
			p[i].events = (short)(POLLIN |
			    (s[i].sent < len[i] ? POLLOUT : 0));
		}
		if (cst_now_ms() >= end || poll(p, n, POLL_MS * 10) == -1) {
			fprintf(stderr, "cstest: pump timed out or failed\n");
			r = -1;
			break;
		}
		for (i = 0, done = 0; i < n && r == 0; i++) {
			if (p[i].fd != -1)
				r = pump_step(fds[i], p[i].revents, out[i],
				    in[i], len[i], chunk, &s[i]);
			done += s[i].got == len[i];
		}
	}
	for (i = 0; i < n && r != 0; i++)
		fprintf(stderr, "cstest: pump socket %zu: sent %zu got %zu "
		    "of %zu\n", i, s[i].sent, s[i].got, len[i]);
	free(p);
	free(s);
	return r;
}

int
cst_echo_once(const char *addr, int port, const char *text)
{
	size_t len = strlen(text);
	unsigned char *want = malloc(len + 1), *got = malloc(len + 1);
	int fd, how = -1, r = -1;

	assert_true(want != NULL && got != NULL);
	cst_toggle((const unsigned char *)text, want, len);
	if ((fd = cst_connect(addr, port, CST_WAIT_MS)) != -1 &&
	    cst_send_all(fd, text, len, CST_WAIT_MS) == 0 &&
	    cst_recv_exact(fd, got, len, CST_WAIT_MS) == (ssize_t)len &&
	    memcmp(got, want, len) == 0 && cst_shut_wr(fd) == 0 &&
	    cst_recv_eof(fd, got, len, CST_WAIT_MS, &how) == 0 && how == 0)
		r = 0;
	if (r == -1)
		fprintf(stderr, "cstest: echo via %s port %d failed (%s)\n",
		    addr, port, strerror(errno));
	if (fd != -1)
		close(fd);
	free(want);
	free(got);
	return r;
}

/* ---- /proc ---- */

/* Descriptors of pid, once their count has held still for 300 ms
 * (bounded): the pool of idle sessions is full. */
int
cst_settled_fds(pid_t pid)
{
	int64_t end = cst_now_ms() + CST_WAIT_MS, since = cst_now_ms();
	int last = -1, n;

	for (;; cst_sleep_ms(20)) {
		char dir[64];
		struct dirent *de;
		DIR *dp;

		snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
		if ((dp = opendir(dir)) == NULL)
			return -1;
		for (n = 0; (de = readdir(dp)) != NULL;)
			n += de->d_name[0] != '.';
		closedir(dp);
		if (n != last) {
			last = n;
			since = cst_now_ms();
		}
		if (cst_now_ms() - since >= 300 || cst_now_ms() >= end)
			return n;
	}
}

/* The spawner, or a session forked ahead of need and still idle. */
int
cst_is_standby(pid_t pid)
{
	char path[64], *cmd;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((cmd = cst_read_file(path)) == NULL)
		return 0;
	r = strcmp(cmd, "caseserv: spawner") == 0 ||
	    strcmp(cmd, "caseserv: session (idle)") == 0;
	free(cmd);
	return r;
}

int
cst_children(pid_t ppid, int *zombies)
{
	DIR *dir = opendir("/proc");
	struct dirent *de;
	char path[300], *text, *rp, state;
	int n = 0, pp;

	*zombies = 0;
	if (dir == NULL)
		return -1;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if ((text = cst_read_file(path)) == NULL)
			continue;
		/* The command name may hold spaces and ')': skip to the last. */
		if ((rp = strrchr(text, ')')) != NULL &&
		    sscanf(rp + 1, " %c %d", &state, &pp) == 2 && pp == ppid &&
		    !cst_is_standby((pid_t)atoi(de->d_name))) {
			n++;
			*zombies += state == 'Z';
		}
		free(text);
	}
	closedir(dir);
	return n;
}

/* A child of ppid whose comm is name, or 0. */
static pid_t
child_named(pid_t ppid, const char *name)
{
	DIR *dir = opendir("/proc");
	struct dirent *de;
	char path[300], *text;
	pid_t found = 0;

	if (dir == NULL)
		return 0;
	while (found == 0 && (de = readdir(dir)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		if ((text = cst_read_file(path)) == NULL)
			continue;
		text[strcspn(text, "\n")] = '\0';
		if (strcmp(text, name) == 0 &&
		    cst_proc_ppid((pid_t)atoi(de->d_name)) == ppid)
			found = (pid_t)atoi(de->d_name);
		free(text);
	}
	closedir(dir);
	return found;
}

/* main's title is set once the acceptor has its configuration in force. */
static int
main_ready(pid_t pid)
{
	char path[64], *cmd;
	int ready;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((cmd = cst_read_file(path)) == NULL)
		return 0;
	ready = strncmp(cmd, "caseserv: main [", 16) == 0;
	free(cmd);
	return ready;
}

pid_t
cst_must_acceptor(struct cst_daemon *d)
{
	int64_t end = cst_now_ms() + CST_WAIT_MS;
	pid_t pid;

	while (!main_ready(d->pid) ||
	    (pid = child_named(d->pid, "caseserv-acc")) == 0) {
		if (cst_now_ms() >= end)
			fail_msg("cstest: no acceptor under main pid %d",
			    (int)d->pid);
		cst_sleep_ms(POLL_MS);
	}
	return pid;
}

char
cst_proc_state(pid_t pid)
{
	char path[64], *text, *rp, state = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((text = cst_read_file(path)) == NULL)
		return 0;
	if ((rp = strrchr(text, ')')) == NULL ||
	    sscanf(rp + 1, " %c", &state) != 1)
		state = 0;
	free(text);
	return state;
}

long long
cst_cpu_ticks(pid_t pid)
{
	char path[64], *text, *p;
	unsigned long long ut = 0, st = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	assert_non_null(text = cst_read_file(path));
	/* Fields 14 and 15, counted after the ")" that ends the name. */
	assert_non_null(p = strrchr(text, ')'));
	assert_int_equal(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u "
	    "%*u %*u %llu %llu", &ut, &st), 2);
	free(text);
	return (long long)(ut + st);
}

pid_t
cst_proc_ppid(pid_t pid)
{
	char path[64], *text, *rp, state;
	int ppid = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((text = cst_read_file(path)) == NULL)
		return -1;
	if ((rp = strrchr(text, ')')) == NULL ||
	    sscanf(rp + 1, " %c %d", &state, &ppid) != 2)
		ppid = -1;
	free(text);
	return (pid_t)ppid;
}

int
cst_proc_status(pid_t pid, const char *field, char *buf, size_t len)
{
	char path[64], pat[64], *text, *p;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	snprintf(pat, sizeof(pat), "\n%s:", field);
	if ((text = cst_read_file(path)) == NULL)
		return -1;
	if ((p = strstr(text, pat)) == NULL) {
		free(text);
		return -1;
	}
	p += strlen(pat);
	p += strspn(p, " \t");
	n = strcspn(p, "\n");
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	snprintf(buf, len, "%.*s", (int)n, p);
	free(text);
	return 0;
}

int
cst_setup(void **state)
{
	struct cst_daemon *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	*state = d;
	return 0;
}

int
cst_teardown(void **state)
{
	struct cst_daemon *d = *state;

	cst_cleanup(d);
	free(d);
	return 0;
}

void
cst_roundtrip(int fd, const char *text)
{
	size_t len = strlen(text);
	unsigned char *want = malloc(len + 1), *got = malloc(len + 1);

	assert_true(want != NULL && got != NULL);
	cst_toggle((const unsigned char *)text, want, len);
	assert_int_equal(cst_send_all(fd, text, len, CST_WAIT_MS), 0);
	assert_int_equal(cst_recv_exact(fd, got, len, CST_WAIT_MS), len);
	assert_memory_equal(got, want, len);
	free(want);
	free(got);
}

int
cst_occupy(int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 1), 0);
	return fd;
}
