/*
 * loadgen.c - load generator for caseserv and any other case-toggling
 * TCP service.  Self-contained; build with
 *
 *	cc -O2 -Wall -Wextra -o loadgen loadgen.c -lpthread
 *
 * Every byte that comes back is checked against an independent per-byte
 * reference toggle, so a fast but wrong server cannot win.  Every run is
 * bounded by a count and by a wall-clock limit (-t), and only loopback
 * addresses are accepted as targets.
 *
 * Output is one line of key=value pairs, easy to read and to parse.
 * conn and hold also give the CPU the whole machine spent, busy, while
 * they ran (conn) or set the sessions up (hold), in units of loadgen's
 * own: the client does the same work against every server, so the
 * server's cost a session shows through the machine's noise better than
 * in a rate (cpu_units, setup_cpu_units; -1 without /proc/stat).
 * Exit status: 0 all verified, 1 some byte was wrong, 2 I/O errors or
 * timeouts (nothing wrong seen), 64 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define EX_USAGE_	64
#define MAX_WORKERS	512
#define GRACE_MS	2000	/* in-flight work may finish this long past -t */
#define PATLEN		65521	/* prime: chunk edges drift over the pattern */
#define CHUNK		65536

enum mode { M_CONN, M_STREAM, M_PINGPONG, M_HOLD };
#define HOLD_SOURCES	8	/* 127.0.0.1 .. 127.0.0.8: ports to spare */

struct opts {
	enum mode	 mode;
	const char	*host;
	const char	*port;
	long		 count;		/* conn: connections; pingpong: trips */
	int		 workers;	/* -c */
	size_t		 msglen;	/* conn: bytes per connection */
	long		 mib;		/* stream: MiB per connection */
	double		 limit;		/* -t seconds */
	long		 server_pid;	/* hold: -P, for PSS and teardown */
	long		 fresh;		/* hold: -k fresh sessions while held */
};

struct stats {
	long		 done;		/* connections or round trips */
	long		 errors;	/* I/O errors, early EOF, timeouts */
	long		 bad;		/* replies with a wrong byte */
	uint64_t	 bytes;		/* verified bytes received */
};

static struct opts	 opt;
static struct sockaddr_storage target;
static socklen_t	 targetlen;
static int64_t		 t_start, t_stop;	/* ns, monotonic */
static double		*lat_us;		/* one slot per ticket */
static long		 next_ticket;
static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char	 pat[PATLEN], pat_tgl[PATLEN];

static void
usage(void)
{
	fprintf(stderr,
"usage: loadgen conn     -p PORT [-h HOST] [-n CONNS] [-c WORKERS] [-s BYTES] [-t SECS]\n"
"       loadgen stream   -p PORT [-h HOST] [-c CONNS] [-m MIB] [-t SECS]\n"
"       loadgen pingpong -p PORT [-h HOST] [-n TRIPS] [-c CONNS] [-t SECS]\n"
"       loadgen hold     -p PORT [-h HOST] [-n SESSIONS] [-c WINDOW] [-k FRESH] [-P PID] [-t SECS]\n"
"       loadgen port     (print a free loopback TCP port and exit)\n"
"\n"
"conn      N connections (default 1000) over C concurrent workers (default 1);\n"
"          each sends S random bytes (default 64), reads and checks the whole\n"
"          toggled reply, half-closes, expects EOF. Reports conn/s and the\n"
"          latency of a whole connection (connect .. EOF), p50/p99 in us.\n"
"stream    C connections (default 4) each push M MiB (default 16) and read it\n"
"          back at the same time, checking every byte. Reports MiB/s echoed.\n"
"pingpong  N (default 10000) 1-byte round trips, spread over C connections\n"
"          one after another (default 4). Reports p50/p99 round trip in us.\n"
"hold      open N sessions (default 10000) and hold them, at most C set-ups\n"
"          in flight (default 64); each is live once its 1-byte echo is back.\n"
"          Reports the set-up rate; with -P the server's PSS (smaps_rollup of\n"
"          PID, its idle descendants and their children) per held session;\n"
"          the latency of K fresh\n"
"          conn sessions while they are held (default 200); then closes them\n"
"          all and, with -P, times the teardown until no session process\n"
"          (a child of PID or of its idle descendants) is left.\n"
"          IPv4 targets are reached from 127.0.0.1..8 (more ports to spare).\n"
"-h HOST   loopback address only (default 127.0.0.1)\n"
"-t SECS   wall-clock limit (default 10): no new work starts after it, and\n"
"          work in flight gets %d ms more before it counts as a timeout.\n"
"Exit: 0 all verified, 1 a byte was wrong, 2 I/O errors, 64 usage.\n",
	    GRACE_MS);
	exit(EX_USAGE_);
}

/* The machine's busy time (every CPU, idle and iowait left out) and this
 * process's own, in seconds. */
struct cpu_mark {
	double		 busy;		/* -1: /proc/stat unreadable */
	double		 self;
};

static void
cpu_mark(struct cpu_mark *m)
{
	unsigned long long v[8] = { 0 };
	struct rusage ru;
	FILE *f = fopen("/proc/stat", "r");
	long hz = sysconf(_SC_CLK_TCK);

	m->busy = -1;
	if (f != NULL) {
		/* user nice system idle iowait irq softirq steal */
		if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
		    &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8 &&
		    hz > 0)
			m->busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) /
			    (double)hz;
		fclose(f);
	}
	getrusage(RUSAGE_SELF, &ru);
	m->self = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* The machine's busy time between a and b in units of loadgen's own. */
static double
cpu_units(const struct cpu_mark *a, const struct cpu_mark *b)
{
	if (a->busy < 0 || b->busy < 0 || b->self - a->self <= 0)
		return -1;
	return (b->busy - a->busy) / (b->self - a->self);
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Reference toggle, deliberately naive: it must not share code with the
 * server under test. */
static unsigned char
ref_toggle(unsigned char c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
		return c ^ 0x20;
	return c;
}

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Half letters, half any byte at all: both paths of a toggle get work. */
static void
fill_random(unsigned char *buf, size_t len, uint64_t seed)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15ULL + 1;

	for (size_t i = 0; i < len; i++) {
		uint64_t r = rnd(&s);

		if (r & 0x100)
			buf[i] = (unsigned char)('A' + (r >> 16) % 26 + (r & 0x200 ? 32 : 0));
		else
			buf[i] = (unsigned char)r;
	}
}

static long
parse_long(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "loadgen: %s: not a number in %ld..%ld\n", s, lo, hi);
		exit(EX_USAGE_);
	}
	return v;
}

/* SECURITY: a load generator must never be pointed at someone else's
 * machine by a typo; only loopback targets are accepted. */
static void
resolve_loopback(void)
{
	struct addrinfo hints, *res;
	int e;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((e = getaddrinfo(opt.host, opt.port, &hints, &res)) != 0) {
		fprintf(stderr, "loadgen: %s:%s: %s\n", opt.host, opt.port, gai_strerror(e));
		exit(EX_USAGE_);
	}
	if (res->ai_family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)(void *)res->ai_addr;

		e = (ntohl(a->sin_addr.s_addr) >> 24) == 127;
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)(void *)res->ai_addr;

		e = IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
	}
	if (!e) {
		fprintf(stderr, "loadgen: %s: not a loopback address, refused\n", opt.host);
		exit(EX_USAGE_);
	}
	memcpy(&target, res->ai_addr, res->ai_addrlen);
	targetlen = res->ai_addrlen;
	freeaddrinfo(res);
}

static int
ms_left(int64_t deadline)
{
	int64_t left = (deadline - now_ns()) / 1000000;

	return left < 0 ? 0 : (int)left;
}

/* Block until fd is ready for ev, or the deadline passes (returns -1). */
static int
wait_fd(int fd, short ev, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };

	for (int tries = 0; tries < 100000; tries++) {
		int n = poll(&p, 1, ms_left(deadline));

		if (n > 0)
			return 0;
		if (n == 0 || errno != EINTR)
			return -1;
	}
	return -1;
}

static int
dial(int64_t deadline)
{
	int fd, one = 1, err = 0;
	socklen_t len = sizeof err;

	fd = socket(target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* Nagle would hold back small writes and measure the client, not
	 * the server. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&target, targetlen) == 0)
		return fd;
	if (errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) == 0 &&
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
		return fd;
	close(fd);
	return -1;
}

static int
send_all(int fd, const unsigned char *buf, size_t len, int64_t deadline)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		} else if (n < 0 && errno == EAGAIN) {
			if (wait_fd(fd, POLLOUT, deadline) < 0)
				return -1;
		} else if (n < 0 && errno != EINTR)
			return -1;
	}
	return 0;
}

/* Read exactly len bytes: 0, or -1 on error, timeout or early EOF. */
static int
recv_exact(int fd, unsigned char *buf, size_t len, int64_t deadline)
{
	while (len > 0) {
		ssize_t n = recv(fd, buf, len, 0);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		} else if (n == 0)
			return -1;
		else if (errno == EAGAIN) {
			if (wait_fd(fd, POLLIN, deadline) < 0)
				return -1;
		} else if (errno != EINTR)
			return -1;
	}
	return 0;
}

static int
expect_eof(int fd, int64_t deadline)
{
	unsigned char c;

	for (int tries = 0; tries < 1000; tries++) {
		ssize_t n = recv(fd, &c, 1, 0);

		if (n == 0)
			return 0;
		if (n > 0)
			return -1;	/* the server sent more than it owed */
		if (errno == EAGAIN) {
			if (wait_fd(fd, POLLIN, deadline) < 0)
				return -1;
		} else if (errno != EINTR)
			return -1;
	}
	return -1;
}

static int
verify(const unsigned char *sent, const unsigned char *got, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (got[i] != ref_toggle(sent[i]))
			return -1;
	return 0;
}

static long
take_ticket(void)
{
	long t = -1;

	pthread_mutex_lock(&lock);
	if (next_ticket < opt.count && now_ns() < t_stop)
		t = next_ticket++;
	pthread_mutex_unlock(&lock);
	return t;
}

/* One connection of the conn mode: 0 ok, -1 I/O, -2 wrong byte. */
static int
one_conn(long ticket, unsigned char *msg, unsigned char *reply)
{
	int64_t t0 = now_ns(), deadline = t_stop + (int64_t)GRACE_MS * 1000000;
	int fd, rc = -1;

	fill_random(msg, opt.msglen, (uint64_t)ticket + 1);
	if ((fd = dial(deadline)) < 0)
		return -1;
	if (send_all(fd, msg, opt.msglen, deadline) == 0 &&
	    recv_exact(fd, reply, opt.msglen, deadline) == 0) {
		rc = verify(msg, reply, opt.msglen) == 0 ? 0 : -2;
		if (rc == 0 && (shutdown(fd, SHUT_WR) < 0 || expect_eof(fd, deadline) < 0))
			rc = -1;
	}
	close(fd);
	if (rc == 0)
		lat_us[ticket] = (double)(now_ns() - t0) / 1e3;
	return rc;
}

static void *
conn_worker(void *arg)
{
	struct stats *st = arg;
	unsigned char *msg = malloc(opt.msglen), *reply = malloc(opt.msglen);
	long t;

	if (msg == NULL || reply == NULL) {
		st->errors++;
		goto out;
	}
	while ((t = take_ticket()) >= 0) {
		int rc = one_conn(t, msg, reply);

		if (rc == 0) {
			st->done++;
			st->bytes += opt.msglen;
		} else if (rc == -2)
			st->bad++;
		else
			st->errors++;
	}
out:
	free(msg);
	free(reply);
	return NULL;
}

/* Received byte number off must be the toggled pattern byte there. */
static int
check_stream(const unsigned char *buf, size_t len, uint64_t off)
{
	size_t p = (size_t)(off % PATLEN);

	for (size_t i = 0; i < len; i++) {
		if (buf[i] != pat_tgl[p])
			return -1;
		if (++p == PATLEN)
			p = 0;
	}
	return 0;
}

/* Push and pull at once from one thread with poll, so that neither side's
 * socket buffer can fill up and deadlock the echo. */
static void *
stream_worker(void *arg)
{
	struct stats *st = arg;
	uint64_t total = (uint64_t)opt.mib << 20, sent = 0, got = 0;
	int64_t deadline = t_stop;
	unsigned char *buf = malloc(CHUNK);
	int fd = -1, wr_open = 1;

	if (buf == NULL || (fd = dial(deadline)) < 0)
		goto fail;
	while (got < total || wr_open) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (now_ns() >= deadline)
			goto timeout;
		if (sent < total)
			p.events |= POLLOUT;
		else if (wr_open) {
			shutdown(fd, SHUT_WR);
			wr_open = 0;
			continue;
		}
		n = poll(&p, 1, ms_left(deadline));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto timeout;	/* the time limit, or poll failed */
		if (p.revents & POLLOUT) {
			size_t at = (size_t)(sent % PATLEN), len = PATLEN - at;

			if (len > total - sent)
				len = (size_t)(total - sent);
			n = send(fd, pat + at, len, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n > 0)
				sent += (uint64_t)n;
			else if (n < 0 && errno != EAGAIN && errno != EINTR)
				goto fail;
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			n = recv(fd, buf, CHUNK, MSG_DONTWAIT);
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
				goto fail;
			if (n > 0) {
				if (got + (uint64_t)n > sent || check_stream(buf, (size_t)n, got) < 0) {
					st->bad++;
					goto out;
				}
				got += (uint64_t)n;
				st->bytes = got;
			}
		}
	}
	if (expect_eof(fd, deadline + (int64_t)GRACE_MS * 1000000) < 0)
		goto fail;
	st->done++;
	goto out;
timeout:
	/* Running out of time is the bound doing its job, not an error:
	 * the bytes verified so far still count. */
	goto out;
fail:
	st->errors++;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

/* One connection's share of the round trips, from slot *at on. */
static void
pingpong_conn(struct stats *st, long trips, long *at)
{
	int64_t deadline = t_stop + (int64_t)GRACE_MS * 1000000;
	uint64_t s = 12345 + (uint64_t)*at;
	int fd = dial(deadline);

	if (fd < 0) {
		st->errors++;
		return;
	}
	for (long i = 0; i < trips && now_ns() < t_stop; i++) {
		unsigned char c = (unsigned char)rnd(&s), r;
		int64_t t0 = now_ns();

		if (send_all(fd, &c, 1, deadline) < 0 || recv_exact(fd, &r, 1, deadline) < 0) {
			st->errors++;
			break;
		}
		if (r != ref_toggle(c)) {
			st->bad++;
			break;
		}
		lat_us[(*at)++] = (double)(now_ns() - t0) / 1e3;
		st->done++;
		st->bytes++;
	}
	if (st->errors == 0 && st->bad == 0 &&
	    (shutdown(fd, SHUT_WR) < 0 || expect_eof(fd, deadline) < 0))
		st->errors++;
	close(fd);
}

/* The trips are spread over -c connections in turn: on a small VM the
 * scheduler's placement of the two ends makes one connection's latency
 * either fast or slow for its whole life, so one sample would mislead. */
static void
pingpong(struct stats *st)
{
	long at = 0;

	for (int k = 0; k < opt.workers && st->errors == 0 && st->bad == 0; k++)
		pingpong_conn(st, opt.count / opt.workers + (k < opt.count % opt.workers), &at);
}

/* ---- hold: many sessions at once ----------------------------------------- */

/* Children of pid (all its threads), from /proc/PID/task/TID/children. */
static long
children_of(long pid, long *out, long max)
{
	char path[320], buf[1 << 16];
	long n = 0;
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof path, "/proc/%ld/task", pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/%ld/task/%s/children", pid, e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		setvbuf(f, buf, _IOFBF, sizeof buf);
		while (fscanf(f, "%ld", out != NULL && n < max ? &out[n] : &(long){0}) == 1)
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

/* Pss of one process, in KiB (smaps_rollup), or -1. */
static long
pss_of(long pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/smaps_rollup", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "Pss: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/*
 * The server's own processes: PID and every descendant it has while idle
 * (caseserv: main and its acceptor; a bare server: itself).  Sessions are
 * the children of these that are not in the list themselves.
 */
#define HOLD_KEEPERS	64
static long keepers[HOLD_KEEPERS], nkeepers;

static int
is_keeper(long pid)
{
	for (long i = 0; i < nkeepers; i++)
		if (keepers[i] == pid)
			return 1;
	return 0;
}

/*
 * A caseserv session, idle (forked ahead of need) or serving: its title
 * starts with "caseserv: session".  Never a keeper, so that idle ones
 * count as sessions both idle and held (they cancel out), and the
 * teardown ends when the count is back to the idle one.
 */
static int
is_session_title(long pid)
{
	char path[64], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strncmp(buf, "caseserv: session", 17) == 0;
}

static void
find_keepers(long pid)
{
	long kids[HOLD_KEEPERS], n;

	if (nkeepers >= HOLD_KEEPERS || is_session_title(pid))
		return;
	keepers[nkeepers++] = pid;
	n = children_of(pid, kids, HOLD_KEEPERS);
	for (long i = 0; i < n && i < HOLD_KEEPERS; i++)
		find_keepers(kids[i]);
}

/* Session processes: children of the keepers that are not keepers (zombies
 * count: reaping is part of the teardown).  With out, also their pids. */
static long
sessions_of(long *out, long max)
{
	static long kids[200000];
	long total = 0;

	for (long i = 0; i < nkeepers; i++) {
		long n = children_of(keepers[i], kids, 200000);

		for (long k = 0; k < n && k < 200000; k++)
			if (!is_keeper(kids[k])) {
				if (out != NULL && total < max)
					out[total] = kids[k];
				total++;
			}
	}
	return total;
}

/* The server's whole PSS: its own processes and every session. */
static long
pss_total(long *nprocs)
{
	static long kids[200000];
	long n = sessions_of(kids, 200000), total = 0, k;

	*nprocs = 0;
	for (long i = 0; i < nkeepers; i++)
		if ((k = pss_of(keepers[i])) > 0) {
			total += k;
			(*nprocs)++;
		}
	for (long i = 0; i < n && i < 200000; i++)
		if ((k = pss_of(kids[i])) > 0) {
			total += k;
			(*nprocs)++;
		}
	return total;
}

/* A non-blocking socket connecting to the target from source number i. */
static int
dial_from(long i)
{
	int fd, one = 1;

	fd = socket(target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (target.ss_family == AF_INET) {
		struct sockaddr_in src = { .sin_family = AF_INET };

		/* The port is chosen at connect(), per destination. */
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
		src.sin_addr.s_addr = htonl(INADDR_LOOPBACK + (uint32_t)(i % HOLD_SOURCES));
		if (bind(fd, (struct sockaddr *)&src, sizeof src) < 0) {
			close(fd);
			return -1;
		}
	}
	if (connect(fd, (struct sockaddr *)&target, targetlen) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Open opt.count sessions, at most opt.workers set-ups in flight; a session
 * is live once the server echoed its byte ('h' -> 'H').  fds[] keeps them.
 */
static long
hold_open(int *fds, long *errors)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	long started = 0, live = 0, inflight = 0;
	struct epoll_event ev[256];

	if (ep < 0)
		return 0;
	while (live < opt.count && now_ns() < t_stop) {
		while (inflight < opt.workers && started < opt.count) {
			struct epoll_event e = { .events = EPOLLOUT, .data.u64 = (uint64_t)started };
			int fd = dial_from(started);

			if (fd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) < 0) {
				(*errors)++;
				if (fd >= 0)
					close(fd);
				return live;	/* out of descriptors or ports: stop */
			}
			fds[started++] = fd;
			inflight++;
		}
		int n = epoll_wait(ep, ev, 256, ms_left(t_stop));

		for (int k = 0; k < n; k++) {
			long i = (long)ev[k].data.u64;
			int fd = fds[i], err = 0;
			socklen_t len = sizeof err;
			unsigned char c;

			if (ev[k].events & EPOLLOUT) {
				struct epoll_event e = { .events = EPOLLIN, .data.u64 = (uint64_t)i };

				if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0 ||
				    send(fd, "h", 1, MSG_NOSIGNAL) != 1 ||
				    epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e) < 0)
					goto failed;
				continue;
			}
			if (recv(fd, &c, 1, 0) != 1 || c != 'H')
				goto failed;
			epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
			live++;
			inflight--;
			continue;
failed:
			(*errors)++;
			epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
			close(fd);
			fds[i] = -1;
			inflight--;
		}
	}
	close(ep);
	return live;
}

static void percentiles(long n, double *p50, double *p99, double *max);

static int
hold(void)
{
	int64_t t0, t1, deadline;
	long live, errors = 0, idle_procs = 0, procs = 0, pss0 = -1, pss1 = -1, left = -1;
	double p50, p99, max, teardown_ms = -1;
	unsigned char msg[64], reply[64];
	int *fds = calloc((size_t)opt.count, sizeof *fds);
	struct rlimit rl;
	struct cpu_mark c0, c1;

	if (fds == NULL || (lat_us = malloc((size_t)opt.fresh * sizeof *lat_us)) == NULL) {
		perror("loadgen: malloc");
		return 2;
	}
	for (long i = 0; i < opt.count; i++)
		fds[i] = -1;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)opt.count + 64) {
		fprintf(stderr, "loadgen: hold: ulimit -n is %ld, %ld needed\n",
		    (long)rl.rlim_cur, opt.count + 64);
		return EX_USAGE_;
	}
	if (opt.server_pid > 0) {
		find_keepers(opt.server_pid);
		pss0 = pss_total(&idle_procs);
		idle_procs -= nkeepers;		/* spare sessions, if any */
	}
	cpu_mark(&c0);
	t_start = t0 = now_ns();
	t_stop = t0 + (int64_t)(opt.limit * 1e9);
	live = hold_open(fds, &errors);
	t1 = now_ns();
	cpu_mark(&c1);
	if (opt.server_pid > 0)
		pss1 = pss_total(&procs);
	/* Fresh sessions while all those are held: what a new client sees. */
	opt.msglen = sizeof msg;
	t_stop = now_ns() + (int64_t)(opt.limit * 1e9);
	for (long k = 0; k < opt.fresh; k++) {
		lat_us[k] = -1;
		if (one_conn(k, msg, reply) != 0)
			errors++;
	}
	percentiles(opt.fresh, &p50, &p99, &max);
	/* Teardown: every client closes; the server's children must go. */
	deadline = now_ns() + (int64_t)(opt.limit * 1e9);
	int64_t td0 = now_ns();
	for (long i = 0; i < opt.count; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (opt.server_pid > 0) {
		while ((left = sessions_of(NULL, 0)) > idle_procs && now_ns() < deadline) {
			struct timespec ts = { 0, 5000000 };

			nanosleep(&ts, NULL);
		}
		if (left <= idle_procs)
			teardown_ms = (double)(now_ns() - td0) / 1e6;
	}
	printf("mode=hold target=%s:%s window=%d held=%ld errors=%ld setup_s=%.3f "
	    "setup_per_s=%.1f procs=%ld pss_idle_kib=%ld pss_held_kib=%ld "
	    "pss_per_session_kib=%.1f fresh_p50_us=%.1f fresh_p99_us=%.1f "
	    "teardown_ms=%.1f children_left=%ld setup_cpu_units=%.2f\n",
	    opt.host, opt.port, opt.workers, live, errors, (double)(t1 - t0) / 1e9,
	    (double)live / ((double)(t1 - t0) / 1e9), procs, pss0, pss1,
	    live > 0 && pss0 >= 0 && pss1 >= 0 ? (double)(pss1 - pss0) / (double)live : -1.0,
	    p50, p99, teardown_ms, left, cpu_units(&c0, &c1));
	free(fds);
	free(lat_us);
	lat_us = NULL;
	if (errors)
		fprintf(stderr, "loadgen: hold: %ld I/O errors or timeouts\n", errors);
	return live < opt.count || errors ? 2 : 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile over the completed samples (slots < 0 are
 * tickets that failed or never ran). */
static void
percentiles(long n, double *p50, double *p99, double *max)
{
	long k = 0;

	for (long i = 0; i < n; i++)
		if (lat_us[i] >= 0)
			lat_us[k++] = lat_us[i];
	*p50 = *p99 = *max = 0;
	if (k == 0)
		return;
	qsort(lat_us, (size_t)k, sizeof *lat_us, cmp_double);
	*p50 = lat_us[(k * 50 + 99) / 100 - 1];
	*p99 = lat_us[(k * 99 + 99) / 100 - 1];
	*max = lat_us[k - 1];
}

static void
free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		perror("loadgen: port");
		exit(2);
	}
	printf("%u\n", ntohs(a.sin_port));
	close(fd);
	exit(0);
}

static void
parse_args(int argc, char **argv)
{
	int ch;

	if (argc < 2)
		usage();
	if (strcmp(argv[1], "conn") == 0)
		opt.mode = M_CONN;
	else if (strcmp(argv[1], "stream") == 0)
		opt.mode = M_STREAM;
	else if (strcmp(argv[1], "pingpong") == 0)
		opt.mode = M_PINGPONG;
	else if (strcmp(argv[1], "hold") == 0)
		opt.mode = M_HOLD;
	else if (strcmp(argv[1], "port") == 0)
		free_port();
	else
		usage();
	opt.host = "127.0.0.1";
	opt.count = opt.mode == M_CONN ? 1000 : 10000;
	opt.workers = opt.mode == M_CONN ? 1 : opt.mode == M_HOLD ? 64 : 4;
	opt.fresh = 200;
	opt.msglen = 64;
	opt.mib = 16;
	opt.limit = 10;
	optind = 2;
	while ((ch = getopt(argc, argv, "h:p:n:c:s:m:t:P:k:")) != -1) {
		switch (ch) {
		case 'h': opt.host = optarg; break;
		case 'p': opt.port = optarg; break;
		case 'n': opt.count = parse_long(optarg, 1, 10000000); break;
		case 'c': opt.workers = (int)parse_long(optarg, 1,
		    opt.mode == M_HOLD ? 4096 : MAX_WORKERS); break;
		case 's': opt.msglen = (size_t)parse_long(optarg, 1, 1 << 20); break;
		case 'm': opt.mib = parse_long(optarg, 1, 4096); break;
		case 't': opt.limit = (double)parse_long(optarg, 1, 3600); break;
		case 'P': opt.server_pid = parse_long(optarg, 1, 1L << 30); break;
		case 'k': opt.fresh = parse_long(optarg, 1, 100000); break;
		default: usage();
		}
	}
	if (optind != argc || opt.port == NULL)
		usage();
}

static void
report(const struct stats *sum, double secs, double cpu)
{
	double p50, p99, max;
	const char *name[] = { "conn", "stream", "pingpong" };

	printf("mode=%s target=%s:%s workers=%d done=%ld errors=%ld bad=%ld secs=%.3f",
	    name[opt.mode], opt.host, opt.port, opt.workers, sum->done, sum->errors,
	    sum->bad, secs);
	if (opt.mode == M_STREAM) {
		printf(" mib=%.1f mib_per_s=%.1f\n", (double)sum->bytes / 1048576,
		    (double)sum->bytes / 1048576 / secs);
		return;
	}
	percentiles(opt.count, &p50, &p99, &max);
	if (opt.mode == M_CONN)
		printf(" conn_per_s=%.1f cpu_units=%.2f", (double)sum->done / secs,
		    cpu);
	else
		printf(" trips_per_s=%.1f", (double)sum->done / secs);
	printf(" p50_us=%.1f p99_us=%.1f max_us=%.1f\n", p50, p99, max);
}

int
main(int argc, char **argv)
{
	pthread_t tid[MAX_WORKERS];
	struct stats st[MAX_WORKERS], sum = { 0 };
	struct cpu_mark c0, c1;
	int nthreads = 0;

	parse_args(argc, argv);
	resolve_loopback();
	signal(SIGPIPE, SIG_IGN);
	if (opt.mode == M_HOLD)
		return hold();
	memset(st, 0, sizeof st);
	fill_random(pat, PATLEN, 7);
	for (size_t i = 0; i < PATLEN; i++)
		pat_tgl[i] = ref_toggle(pat[i]);
	if (opt.mode != M_STREAM) {
		lat_us = malloc((size_t)opt.count * sizeof *lat_us);
		if (lat_us == NULL) {
			perror("loadgen: malloc");
			return 2;
		}
		for (long i = 0; i < opt.count; i++)
			lat_us[i] = -1;
	}
	cpu_mark(&c0);
	t_start = now_ns();
	t_stop = t_start + (int64_t)(opt.limit * 1e9);
	if (opt.mode == M_PINGPONG)
		pingpong(&st[0]);
	else
		for (int i = 0; i < opt.workers; i++) {
			if (pthread_create(&tid[i], NULL,
			    opt.mode == M_CONN ? conn_worker : stream_worker, &st[i]) != 0) {
				fprintf(stderr, "loadgen: pthread_create: failed\n");
				break;
			}
			nthreads++;
		}
	for (int i = 0; i < nthreads; i++)
		pthread_join(tid[i], NULL);
	double secs = (double)(now_ns() - t_start) / 1e9;

	cpu_mark(&c1);
	for (int i = 0; i < MAX_WORKERS; i++) {
		sum.done += st[i].done;
		sum.errors += st[i].errors;
		sum.bad += st[i].bad;
		sum.bytes += st[i].bytes;
	}
	report(&sum, secs, cpu_units(&c0, &c1));
	if (sum.bad)
		fprintf(stderr, "loadgen: %ld replies had a wrong byte\n", sum.bad);
	if (sum.errors)
		fprintf(stderr, "loadgen: %ld I/O errors or timeouts\n", sum.errors);
	free(lat_us);
	return sum.bad ? 1 : sum.errors ? 2 : 0;
}
