/*
 * soak.c - mixed load against the real daemon for a long time, then a
 * verdict on what it leaked (make soak; not part of make check or CI).
 *
 *   CASESERV=path/to/caseserv soak
 *
 *   SOAK_SECONDS	how long the load runs (default 1800)
 *   SOAK_WORKERS	client processes, one session at a time each (6);
 *			the odd ones open only short sessions
 *   SOAK_SAMPLE	seconds between two samples of the master (10)
 *   SOAK_DIR		where the configuration, daemon.log and soak.csv go
 *			(default: a new /tmp/caseserv-soak.XXXXXX, kept)
 *
 * The load mixes short sessions, long ones that talk for seconds, slow
 * readers (the session blocks on a full send buffer), bulk transfers and
 * resets (SO_LINGER 0).  Meanwhile the master gets SIGHUP every 3 s (the
 * configuration alternates between two listener sets, so listeners are
 * bound and closed) and SIGUSR1 every 7 s.  Every SOAK_SAMPLE seconds the
 * daemon's VmRSS and descriptor count (main and the acceptor together),
 * the acceptor's sessions and zombies go to soak.csv.  At the end the load stops, the sessions drain, the master is
 * stopped with SIGTERM, and the verdict checks:
 *
 *   - RSS and descriptors flat: the maximum over the last quarter of the
 *     samples is at most that of the first quarter plus a small slack;
 *   - every `open` line has its `close` or `killed` line (by pid, in log
 *     order), and the opens plus refusals equal the connections the load
 *     made;
 *   - no zombie seen in two samples in a row, none at the end;
 *   - every reload logged `reload ok`; every echo came back intact;
 *   - the master exits 0.
 *
 * Exit 0 when all hold, 1 otherwise.  Only the daemon this program started
 * is ever signalled.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define IO_TIMEOUT_MS	60000	/* a session that stalls this long failed */
#define MAX_SAMPLES	100000
#define MAX_WORKERS	64
#define RSS_SLACK_KB	256	/* allocator noise, not a leak */
/* The listener only one variant has, and a connection being accepted
 * when the sample is taken: a leak grows by one per session, not by 2. */
#define FD_SLACK	2

enum kind { K_SHORT, K_LONG, K_SLOW, K_BULK, K_RESET, K_N };

static const char *const kind_names[K_N] = {
	"short", "long", "slow_reader", "bulk", "reset",
};

/* Counters shared by the worker processes (MAP_SHARED). */
struct shared {
	uint64_t connected[K_N];	/* connect() succeeded */
	uint64_t ok[K_N];		/* echo intact (and EOF where due) */
	uint64_t bad[K_N];		/* wrong bytes, early EOF, timeout */
	uint64_t connect_failed;
	uint64_t bytes;
};

struct sample {
	long	t, rss_kb, fds, sessions, zombies;
};

static struct shared *sh;
static int port, port2;
static char dir[512], conf[600], logpath[600], csvpath[600];

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static long
env_long(const char *name, long dflt, long min)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (v == NULL || *v == '\0')
		return dflt;
	n = strtol(v, &end, 10);
	if (*end != '\0' || n < min) {
		fprintf(stderr, "soak: %s=%s: want a number >= %ld\n", name,
		    v, min);
		exit(2);
	}
	return n;
}

static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void
toggle(const unsigned char *in, unsigned char *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = in[i];

		out[i] = ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) ?
		    (unsigned char)(c ^ 0x20) : c;
	}
}

/* ---- the daemon's side ---------------------------------------------------- */

/* A port free on 127.0.0.1 and ::1 (the kernel's pick on v4, tried on v6). */
static int
free_port(void)
{
	for (int i = 0; i < 100; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET };
		struct sockaddr_in6 b = { .sin6_family = AF_INET6 };
		socklen_t l = sizeof(a);
		int f4 = socket(AF_INET, SOCK_STREAM, 0), f6, one = 1, p;

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(f4, (struct sockaddr *)&a, sizeof(a)) == -1 ||
		    getsockname(f4, (struct sockaddr *)&a, &l) == -1) {
			close(f4);
			continue;
		}
		p = ntohs(a.sin_port);
		f6 = socket(AF_INET6, SOCK_STREAM, 0);
		setsockopt(f6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		b.sin6_addr = in6addr_loopback;
		b.sin6_port = htons((uint16_t)p);
		if (bind(f6, (struct sockaddr *)&b, sizeof(b)) == 0) {
			close(f4);
			close(f6);
			return p;
		}
		close(f4);
		close(f6);
	}
	fprintf(stderr, "soak: no free port\n");
	exit(2);
}

/* Variant 0 and 1 differ by one listener and a few limits: a reload
 * then binds or closes a socket and swaps the configuration. */
static void
write_conf(int variant)
{
	char tmp[700];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", conf);
	if ((f = fopen(tmp, "w")) == NULL) {
		perror(tmp);
		exit(2);
	}
	fprintf(f, "listen = ( { host = \"127.0.0.1\"; port = %d; },\n"
	    "           { host = \"::1\"; port = %d; }", port, port);
	if (variant)
		fprintf(f, ",\n           { host = \"127.0.0.1\"; port = %d; }",
		    port2);
	fprintf(f, " );\n");
	fprintf(f, "user = \"nobody\";\nmax_clients = 1000;\n"
	    "max_clients_per_host = 0;\nidle_timeout = %d;\n"
	    "shutdown_timeout = 20;\n", variant ? 60 : 90);
	fclose(f);
	chmod(tmp, 0644);
	if (rename(tmp, conf) == -1) {
		perror(conf);
		exit(2);
	}
}

static pid_t
start_daemon(const char *bin)
{
	int fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	pid_t pid;

	if (fd == -1) {
		perror(logpath);
		exit(2);
	}
	if ((pid = fork()) == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(bin, bin, "-f", "-e", "-c", conf, (char *)NULL);
		fprintf(stderr, "soak: exec %s: %s\n", bin, strerror(errno));
		_exit(127);
	}
	close(fd);
	return pid;
}

static char *
read_file(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	do {
		if (cap - len < 65536) {
			cap = cap * 2 + 65536;
			if ((buf = realloc(buf, cap)) == NULL)
				exit(2);
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

static int
log_count(const char *needle)
{
	char *text = read_file(logpath, NULL), *p = text;
	int n = 0;

	while (p != NULL && (p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	free(text);
	return n;
}

static int
wait_log(const char *needle, int n, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;

	while (log_count(needle) < n)
		if (now_ms() > end)
			return -1;
		else
			sleep_ms(20);
	return 0;
}

/* ---- /proc ------------------------------------------------------------- */

static long
proc_rss_kb(pid_t pid)
{
	char path[64], *text, *p;
	long kb = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((text = read_file(path, NULL)) == NULL)
		return -1;
	if ((p = strstr(text, "\nVmRSS:")) != NULL)
		kb = strtol(p + 7, NULL, 10);
	free(text);
	return kb;
}

static long
proc_fds(pid_t pid)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	long n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Children of ppid; zombies among them, their pids into zpid (up to nz). */
static long
proc_children(pid_t ppid, long *zombies, pid_t *zpid, size_t nz)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char path[300], *text, *rp, state;
	long n = 0;
	int pp;

	*zombies = 0;
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if ((text = read_file(path, NULL)) == NULL)
			continue;
		if ((rp = strrchr(text, ')')) != NULL &&
		    sscanf(rp + 1, " %c %d", &state, &pp) == 2 && pp == ppid) {
			n++;
			if (state == 'Z' && (size_t)*zombies < nz)
				zpid[*zombies] = atoi(e->d_name);
			*zombies += state == 'Z';
		}
		free(text);
	}
	closedir(d);
	return n;
}

/*
 * The acceptor: main's one child (main -> acceptor -> sessions).  Main
 * and the acceptor are sampled together; sessions are the acceptor's.
 */
static pid_t
proc_acceptor(pid_t main_pid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char path[300], *text, *rp, state;
	pid_t acc = -1;
	int pp;

	if (d == NULL)
		return -1;
	while (acc == -1 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if ((text = read_file(path, NULL)) == NULL)
			continue;
		if ((rp = strrchr(text, ')')) != NULL &&
		    sscanf(rp + 1, " %c %d", &state, &pp) == 2 &&
		    pp == main_pid && state != 'Z')
			acc = atoi(e->d_name);
		free(text);
	}
	closedir(d);
	return acc;
}

static long
sum2(long a, long b)
{
	return a < 0 || b < 0 ? -1 : a + b;
}

/* ---- the load ------------------------------------------------------------ */

static int
connect_to(int p)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct sockaddr_in6 b = { .sin6_family = AF_INET6 };
	int v6 = rand() & 1, one = 1;
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_port = b.sin6_port = htons((uint16_t)p);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	b.sin6_addr = in6addr_loopback;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, v6 ? (struct sockaddr *)&b : (struct sockaddr *)&a,
	    v6 ? sizeof(b) : sizeof(a)) == -1) {
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

struct plan {
	size_t	len;		/* bytes sent */
	size_t	send_chunk;	/* per send() */
	long	send_gap;	/* ms between sends */
	size_t	recv_chunk;	/* per recv() */
	long	recv_gap;	/* ms between recvs */
	size_t	stop_at;	/* bytes received before the end */
	int	reset;		/* end with SO_LINGER 0 instead of FIN */
};

/*
 * Send plan->len bytes and check every byte that comes back, paced as
 * planned; then half-close and wait for EOF, or reset.  0, or -1.
 */
static int
converse(int fd, const struct plan *pl, const unsigned char *out,
    const unsigned char *want, unsigned char *in)
{
	size_t sent = 0, got = 0;
	int64_t next_send = now_ms(), next_recv = next_send, end;
	ssize_t n;

	end = now_ms() + IO_TIMEOUT_MS;
	while (got < pl->stop_at) {
		int64_t t = now_ms();
		struct pollfd p = { fd, 0, 0 };
		long wait = 100;

		if (t > end)
			return -1;
		if (sent < pl->len && t >= next_send)
			p.events |= POLLOUT;
		else if (sent < pl->len && next_send - t < wait)
			wait = (long)(next_send - t);
		if (t >= next_recv)
			p.events |= POLLIN;
		else if (next_recv - t < wait)
			wait = (long)(next_recv - t);
		if (poll(&p, 1, (int)wait) == -1 && errno != EINTR)
			return -1;
		if (p.revents & POLLOUT) {
			size_t w = pl->len - sent < pl->send_chunk ?
			    pl->len - sent : pl->send_chunk;

			n = send(fd, out + sent, w, MSG_NOSIGNAL);
			if (n == -1 && errno != EAGAIN)
				return -1;
			sent += n > 0 ? (size_t)n : 0;
			next_send = now_ms() + pl->send_gap;
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			size_t r = pl->stop_at - got < pl->recv_chunk ?
			    pl->stop_at - got : pl->recv_chunk;

			n = recv(fd, in, r, 0);
			if (n == 0 || (n == -1 && errno != EAGAIN))
				return -1;
			if (n > 0 && memcmp(in, want + got, (size_t)n) != 0)
				return -1;
			got += n > 0 ? (size_t)n : 0;
			next_recv = now_ms() + pl->recv_gap;
		}
	}
	if (pl->reset) {
		struct linger lg = { 1, 0 };

		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		return 0;
	}
	if (shutdown(fd, SHUT_WR) == -1)
		return -1;
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };

		if (poll(&p, 1, IO_TIMEOUT_MS) != 1)
			return -1;
		n = recv(fd, in, 1, 0);
		if (n == 0)
			return 0;
		if (n == -1 && errno == EAGAIN)
			continue;
		return -1;	/* a byte too many, or a reset */
	}
}

static void
make_plan(enum kind k, uint64_t *x, struct plan *pl)
{
	memset(pl, 0, sizeof(*pl));
	pl->send_chunk = pl->recv_chunk = 65536;
	switch (k) {
	case K_SHORT:
		pl->len = 1 + rnd(x) % 2000;
		break;
	case K_LONG:		/* talks for 2..8 s */
		pl->len = 4000;
		pl->send_chunk = 100;
		pl->send_gap = 50 + (long)(rnd(x) % 150);
		break;
	case K_SLOW:		/* reads 2 KiB every 20 ms */
		pl->len = 128 * 1024 + rnd(x) % (128 * 1024);
		pl->recv_chunk = 2048;
		pl->recv_gap = 20;
		break;
	case K_BULK:
		pl->len = (1 + rnd(x) % 4) << 20;
		break;
	case K_RESET:		/* gone mid-stream, with a reset */
		pl->len = 16384 + rnd(x) % 65536;
		pl->reset = 1;
		break;
	default:
		break;
	}
	pl->stop_at = pl->reset ? pl->len / 2 : pl->len;
}

static enum kind
pick(uint64_t *x)
{
	unsigned r = (unsigned)(rnd(x) % 100);

	if (r < 55)
		return K_SHORT;
	if (r < 70)
		return K_LONG;
	if (r < 80)
		return K_SLOW;
	if (r < 88)
		return K_BULK;
	return K_RESET;
}

static void __attribute__((noreturn))
worker(int id, int64_t until)
{
	size_t cap = 5u << 20;
	unsigned char *out = malloc(cap), *want = malloc(cap), *in = malloc(65536);
	uint64_t x = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)id << 32) ^
	    (uint64_t)getpid();

	if (out == NULL || want == NULL || in == NULL)
		_exit(2);
	srand((unsigned)x);
	for (size_t i = 0; i < cap; i++)
		out[i] = (unsigned char)(rnd(&x) >> 17);
	toggle(out, want, cap);
	while (now_ms() < until) {
		/* Odd workers keep the fork rate up with short sessions. */
		enum kind k = (id & 1) ? K_SHORT : pick(&x);
		struct plan pl;
		int fd;

		make_plan(k, &x, &pl);
		if ((fd = connect_to(port)) == -1) {
			__atomic_add_fetch(&sh->connect_failed, 1, __ATOMIC_RELAXED);
			sleep_ms(100);
			continue;
		}
		__atomic_add_fetch(&sh->connected[k], 1, __ATOMIC_RELAXED);
		if (converse(fd, &pl, out, want, in) == 0) {
			__atomic_add_fetch(&sh->ok[k], 1, __ATOMIC_RELAXED);
			__atomic_add_fetch(&sh->bytes, pl.stop_at, __ATOMIC_RELAXED);
		} else {
			__atomic_add_fetch(&sh->bad[k], 1, __ATOMIC_RELAXED);
		}
		close(fd);
		/* A few dozen sessions a second in all, not a fork bomb. */
		sleep_ms((long)(rnd(&x) % 60));
	}
	_exit(0);
}

/* ---- the verdict ---------------------------------------------------------- */

struct tally {
	long opens, closes, killed, refused, unmatched_close, still_open;
	long reload_ok, reload_failed, stats;
};

static int
cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* Walk the log in order; an open pid must meet its close before reuse. */
static void
audit_log(struct tally *t)
{
	char *text = read_file(logpath, NULL), *line, *save = NULL, *p;
	size_t n = 0, cap = 0;
	pid_t *open = NULL;

	memset(t, 0, sizeof(*t));
	if (text == NULL)
		return;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		int is_open = strstr(line, " open peer=") != NULL;
		int is_end = strstr(line, " close peer=") != NULL ||
		    strstr(line, " killed peer=") != NULL;

		t->refused += strstr(line, " refused peer=") != NULL;
		t->reload_ok += strstr(line, "reload ok") != NULL;
		t->reload_failed += strstr(line, "reload failed") != NULL;
		t->stats += strstr(line, " stats active=") != NULL;
		if ((!is_open && !is_end) || (p = strstr(line, " pid=")) == NULL)
			continue;
		pid_t pid = (pid_t)atol(p + 5);

		if (is_open) {
			t->opens++;
			if (n == cap && (open = realloc(open,
			    (cap = cap * 2 + 1024) * sizeof(*open))) == NULL)
				exit(2);
			open[n++] = pid;
			continue;
		}
		t->closes += strstr(line, " close peer=") != NULL;
		t->killed += strstr(line, " killed peer=") != NULL;
		size_t i;
		for (i = n; i > 0 && open[i - 1] != pid; i--)
			;
		if (i == 0) {
			t->unmatched_close++;
			continue;
		}
		open[i - 1] = open[--n];
	}
	t->still_open = (long)n;
	if (n > 0) {
		qsort(open, n, sizeof(*open), cmp_pid);
		fprintf(stderr, "soak: open without close: pid %d ...\n",
		    (int)open[0]);
	}
	free(open);
	free(text);
}

static long
quarter_max(const struct sample *s, size_t n, int last, int fds)
{
	size_t q = n / 4 ? n / 4 : 1, from = last ? n - q : 0;
	long m = -1;

	for (size_t i = from; i < from + q && i < n; i++) {
		long v = fds ? s[i].fds : s[i].rss_kb;

		m = v > m ? v : m;
	}
	return m;
}

static int
check(const char *what, int ok)
{
	printf("soak: %-58s %s\n", what, ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}

int
main(void)
{
	const char *bin = getenv("CASESERV");
	long seconds = env_long("SOAK_SECONDS", 1800, 10);
	long nworkers = env_long("SOAK_WORKERS", 6, 1);
	long every = env_long("SOAK_SAMPLE", 10, 1);
	struct sample *smp = calloc(MAX_SAMPLES, sizeof(*smp));
	pid_t workers[MAX_WORKERS], master, acc, zprev[64], zcur[64];
	size_t nsmp = 0, nzprev = 0;
	int64_t start, until, next_hup, next_usr1, next_sample;
	long hups = 0, usr1s = 0, zombie_stuck = 0;
	int variant = 0, status, fails = 0;
	uint64_t connected = 0, ok = 0, bad = 0;
	struct tally t;
	FILE *csv;
	char buf[256];

	if (bin == NULL || smp == NULL || nworkers > MAX_WORKERS) {
		fprintf(stderr, "soak: set CASESERV to the daemon to test "
		    "(and SOAK_WORKERS <= %d)\n", MAX_WORKERS);
		return 2;
	}
	if (getenv("SOAK_DIR") != NULL) {
		snprintf(dir, sizeof(dir), "%s", getenv("SOAK_DIR"));
		mkdir(dir, 0755);
	} else {
		strcpy(dir, "/tmp/caseserv-soak.XXXXXX");
		if (mkdtemp(dir) == NULL)
			return 2;
	}
	chmod(dir, 0755);	/* the dropped daemon rereads its file */
	snprintf(conf, sizeof(conf), "%s/caseserv.conf", dir);
	snprintf(logpath, sizeof(logpath), "%s/daemon.log", dir);
	snprintf(csvpath, sizeof(csvpath), "%s/soak.csv", dir);
	unlink(logpath);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED || (csv = fopen(csvpath, "w")) == NULL)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	port = free_port();
	do
		port2 = free_port();
	while (port2 == port);
	write_conf(0);
	master = start_daemon(bin);
	if (wait_log("listening on ", 2, 20000) == -1) {
		fprintf(stderr, "soak: the daemon did not start; see %s\n",
		    logpath);
		kill(master, SIGKILL);
		return 1;
	}
	printf("soak: %ld s, %ld workers, master pid %d on port %d; "
	    "files in %s\n", seconds, nworkers, (int)master, port, dir);
	fflush(stdout);

	start = now_ms();
	until = start + seconds * 1000;
	for (long i = 0; i < nworkers; i++)
		if ((workers[i] = fork()) == 0)
			worker((int)i, until);
	fprintf(csv, "t_s,rss_kb,fds,sessions,zombies,connected,reloads\n");
	next_hup = start + 3000;
	next_usr1 = start + 7000;
	next_sample = start + every * 1000;	/* after a warm-up */
	while (now_ms() < until) {
		int64_t t0 = now_ms();

		if (t0 >= next_sample && nsmp < MAX_SAMPLES) {
			struct sample *s = &smp[nsmp++];
			size_t nz;

			s->t = (long)((t0 - start) / 1000);
			acc = proc_acceptor(master);
			s->rss_kb = sum2(proc_rss_kb(master), proc_rss_kb(acc));
			s->fds = sum2(proc_fds(master), proc_fds(acc));
			s->sessions = proc_children(acc, &s->zombies, zcur, 64);
			nz = (size_t)s->zombies < 64 ? (size_t)s->zombies : 64;
			/* A zombie seen again one sample later was never reaped. */
			for (size_t i = 0; i < nz; i++)
				for (size_t j = 0; j < nzprev; j++)
					zombie_stuck += zcur[i] == zprev[j];
			memcpy(zprev, zcur, nz * sizeof(*zcur));
			nzprev = nz;
			connected = 0;
			for (int k = 0; k < K_N; k++)
				connected += __atomic_load_n(&sh->connected[k],
				    __ATOMIC_RELAXED);
			fprintf(csv, "%ld,%ld,%ld,%ld,%ld,%llu,%ld\n", s->t,
			    s->rss_kb, s->fds, s->sessions, s->zombies,
			    (unsigned long long)connected, hups);
			fflush(csv);
			next_sample += every * 1000;
		}
		if (t0 >= next_hup) {
			variant = !variant;
			write_conf(variant);
			kill(master, SIGHUP);
			hups++;
			next_hup += 3000;
		}
		if (t0 >= next_usr1) {
			kill(master, SIGUSR1);
			usr1s++;
			next_usr1 += 7000;
		}
		sleep_ms(100);
	}

	/* Let the load end, the sessions drain, then stop the master. */
	for (long i = 0; i < nworkers; i++)
		waitpid(workers[i], &status, 0);
	for (int64_t end = now_ms() + 30000; now_ms() < end; sleep_ms(100)) {
		long z;

		if (proc_children(proc_acceptor(master), &z, zcur, 64) == 0)
			break;
	}
	acc = proc_acceptor(master);
	long zend, left = proc_children(acc, &zend, zcur, 64);
	long rss_end = sum2(proc_rss_kb(master), proc_rss_kb(acc));
	long fds_end = sum2(proc_fds(master), proc_fds(acc));
	kill(master, SIGUSR1);
	usr1s++;
	wait_log(" stats active=", (int)usr1s, 10000);
	kill(master, SIGTERM);
	if (waitpid(master, &status, 0) != master)
		status = -1;
	fclose(csv);
	audit_log(&t);

	for (int k = 0; k < K_N; k++) {
		printf("soak: %-12s connected %8llu  intact %8llu  failed %llu\n",
		    kind_names[k], (unsigned long long)sh->connected[k],
		    (unsigned long long)sh->ok[k], (unsigned long long)sh->bad[k]);
		ok += sh->ok[k];
		bad += sh->bad[k];
	}
	connected = ok + bad;
	printf("soak: %llu sessions by the load (%llu connects failed), "
	    "%.1f MiB echoed\n", (unsigned long long)connected,
	    (unsigned long long)sh->connect_failed, sh->bytes / 1048576.0);
	printf("soak: log: %ld open, %ld close, %ld killed, %ld refused, "
	    "%ld reload ok, %ld reload failed, %ld stats lines\n",
	    t.opens, t.closes, t.killed, t.refused, t.reload_ok,
	    t.reload_failed, t.stats);
	printf("soak: master RSS kB first-quarter max %ld, last-quarter max "
	    "%ld, at the end %ld\n", quarter_max(smp, nsmp, 0, 0),
	    quarter_max(smp, nsmp, 1, 0), rss_end);
	printf("soak: master fds first-quarter max %ld, last-quarter max %ld, "
	    "at the end %ld\n", quarter_max(smp, nsmp, 0, 1),
	    quarter_max(smp, nsmp, 1, 1), fds_end);
	printf("soak: %zu samples in %s; %ld SIGHUP, %ld SIGUSR1\n", nsmp,
	    csvpath, hups, usr1s);

	fails += check("samples: at least 4", nsmp >= 4);
	fails += check("RSS flat (last quarter <= first + 256 kB)",
	    quarter_max(smp, nsmp, 1, 0) <=
	    quarter_max(smp, nsmp, 0, 0) + RSS_SLACK_KB);
	fails += check("descriptors flat (last quarter <= first + 2)",
	    quarter_max(smp, nsmp, 1, 1) <=
	    quarter_max(smp, nsmp, 0, 1) + FD_SLACK);
	snprintf(buf, sizeof(buf), "every open has its close/killed (%ld left)",
	    t.still_open);
	fails += check(buf, t.still_open == 0 && t.unmatched_close == 0);
	snprintf(buf, sizeof(buf), "opens + refused = the load's sessions "
	    "(%ld + %ld = %llu)", t.opens, t.refused,
	    (unsigned long long)connected);
	fails += check(buf, (uint64_t)(t.opens + t.refused) == connected);
	fails += check("every echo intact", bad == 0);
	fails += check("every reload ok", t.reload_ok == hups &&
	    t.reload_failed == 0);
	fails += check("no zombie in two samples running", zombie_stuck == 0);
	fails += check("no session or zombie left once drained",
	    left == 0 && zend == 0);
	fails += check("master exited 0 on SIGTERM",
	    status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	printf("soak: %s\n", fails ? "FAILED" : "passed");
	return fails ? 1 : 0;
}
