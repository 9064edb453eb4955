/*
 * cstest.h - the integration tests' one helper library: a daemon on free
 * loopback ports in a private temporary directory, its log, and clients
 * whose every wait is bounded.
 *
 * Helpers named cst_must_* fail the current cmocka test themselves; the
 * others return a status for the test to assert on.
 */
#ifndef CASESERV_CSTEST_H
#define CASESERV_CSTEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>

/*
 * Ceiling for a wait that should end at once when the daemon works.  It is
 * generous so that sanitizer builds on a loaded two-core machine pass; every
 * wait polls, so a working daemon never costs this long.
 */
#define CST_WAIT_MS	10000

#define CST_PATHLEN	512

struct cst_daemon {
	char	dir[CST_PATHLEN];	/* private mkdtemp directory */
	char	conf[CST_PATHLEN];	/* DIR/caseserv.conf */
	char	log[CST_PATHLEN];	/* DIR/daemon.log: its stdout+stderr */
	int	port;			/* free on 127.0.0.1 and ::1 */
	pid_t	pid;			/* 0: not running (or reaped) */
	int	status;			/* wait status once reaped */
	uid_t	run_uid;		/* not 0: started by this account */
	gid_t	run_gid;
	gid_t	run_groups[4];		/* ... with these supplementary groups */
	int	run_ngroups;
};

/* The binary under test: $CASESERV, or $CASESERV_TEST when test_hooks. */
const char *cst_binary(int test_hooks);
/* $CASESERV_SRCDIR; exits 99 (hard error) when unset. */
const char *cst_srcdir(void);
int cst_is_root(void);

/* A port free on both 127.0.0.1 and ::1, in [lo, hi] (0, 0: any). */
int cst_free_port(int lo, int hi);
/* Hold 127.0.0.1:port with a listening socket of our own (its fd). */
int cst_occupy(int port);

/* Fresh temporary directory (mode 0755 so the dropped daemon can read). */
void cst_must_init(struct cst_daemon *d);
/* cmocka fixtures: *state is a fresh struct cst_daemon, cleaned up after. */
int cst_setup(void **state);
int cst_teardown(void **state);
/*
 * Write d->conf: listen on 127.0.0.1 and ::1 port d->port (not "localhost":
 * some /etc/hosts lack ::1), user "nobody", then extra (more settings).
 */
void cst_must_conf(struct cst_daemon *d, const char *extra);
/* Write text verbatim to path. */
void cst_must_write(const char *path, const char *text);
/*
 * Start `binary -f -e -c d->conf args...` (args NULL-terminated, may be
 * NULL) with stdout and stderr to d->log and env (NULL-terminated
 * "NAME=value" list, may be NULL) added.  Then wait for nlisten
 * `listening on` lines; fails the test if the daemon exits or is slow.
 */
void cst_must_start(struct cst_daemon *d, const char *binary,
    const char *const *args, const char *const *env, int nlisten);
/*
 * As cst_must_start, but argv is the whole command line (no -f -e -c
 * added); stdout and stderr still go to d->log.
 */
void cst_must_start_argv(struct cst_daemon *d, const char *const *argv,
    const char *const *env, int nlisten);
/* The fault-injection shim (tests/fault): $CASESERV_FAULT_LIB, or exit 99. */
const char *cst_fault_lib(void);
/* Wait until pid's state letter is one of states; 0, or -1 on timeout. */
int cst_wait_state(pid_t pid, const char *states, int timeout_ms);
/* cst_must_init + cst_must_conf(extra) + start $CASESERV (2 listeners). */
void cst_must_start_default(struct cst_daemon *d, const char *extra);
/*
 * Stop whatever the test left: SIGTERM, then SIGKILL if it lingers, print
 * the tail of the log (for the harness' .log file), remove the directory.
 */
void cst_cleanup(struct cst_daemon *d);

int cst_signal(struct cst_daemon *d, int sig);
/*
 * Wait for the daemon to exit; returns its wait status, or -1 after
 * SIGKILLing it when it did not exit within timeout_ms.
 */
int cst_wait_exit(struct cst_daemon *d, int timeout_ms);
/* Is the daemon still running (not exited)? */
int cst_alive(struct cst_daemon *d);

/* The whole log, NUL-terminated (caller frees), or NULL. */
char *cst_log_read(const struct cst_daemon *d);
int cst_log_count(const struct cst_daemon *d, const char *needle);
/* Wait until needle occurs at least n times; 0, or -1 on timeout. */
int cst_log_wait_n(const struct cst_daemon *d, const char *needle, int n,
    int timeout_ms);
int cst_log_wait(const struct cst_daemon *d, const char *needle,
    int timeout_ms);
/*
 * Copy the nth (from 1) log line containing needle into buf, waiting for it
 * up to timeout_ms.  0, or -1.
 */
int cst_log_line(const struct cst_daemon *d, const char *needle, int nth,
    char *buf, size_t len, int timeout_ms);
/* Print the log to stderr (diagnostics for a failing test). */
void cst_log_dump(const struct cst_daemon *d);

/* Value of " key=" in a log line into buf; 0, or -1 if absent. */
int cst_field(const char *line, const char *key, char *buf, size_t len);
/* Numeric value of " key="; -1 if absent. */
long long cst_field_num(const char *line, const char *key);

/* ---- clients ---------------------------------------------------------- */

/* Connect to addr ("127.0.0.1", "::1") port; fd, or -1.  TCP_NODELAY set. */
int cst_connect(const char *addr, int port, int timeout_ms);
int cst_must_connect(const char *addr, int port);
/* Local port of a connected socket (to find its log line). */
int cst_local_port(int fd);
/* Send everything; 0, or -1 (timeout or error, errno set). */
int cst_send_all(int fd, const void *buf, size_t len, int timeout_ms);
/* Read exactly len bytes; returns bytes read (< len: EOF, error or timeout). */
ssize_t cst_recv_exact(int fd, void *buf, size_t len, int timeout_ms);
/*
 * Read until EOF into buf (at most len bytes).  Returns the byte count;
 * *how is 0 for EOF, ECONNRESET for a reset, ETIMEDOUT, EMSGSIZE (more than
 * len bytes) or another errno.
 */
ssize_t cst_recv_eof(int fd, void *buf, size_t len, int timeout_ms, int *how);
int cst_shut_wr(int fd);
/*
 * Send and receive on n sockets at once (poll loop, interleaved chunks of
 * at most chunk bytes): socket i sends out[i] and must get back in[i],
 * both len[i] bytes long.  0, or -1 on timeout or error.
 */
int cst_pump(const int *fds, const unsigned char *const *out,
    unsigned char *const *in, const size_t *len, size_t n, size_t chunk,
    int timeout_ms);
/* Expected answer: the case of ASCII letters flipped. */
void cst_toggle(const unsigned char *in, unsigned char *out, size_t len);
/* Deterministic pseudo-random bytes (xorshift) for seed. */
void cst_random(unsigned char *buf, size_t len, uint64_t seed);
/* connect + send + receive the toggled bytes + half-close + EOF; 0 or -1. */
int cst_echo_once(const char *addr, int port, const char *text);
/* Send text on fd and assert that exactly its toggled form comes back. */
void cst_roundtrip(int fd, const char *text);

/* ---- processes -------------------------------------------------------- */

/*
 * Run argv (argv[0] a path) with env added, stdout and stderr captured
 * into files under dir; returns the wait status, or -1 when it did not
 * exit within timeout_ms (it is killed).  *out and *err (may be NULL) get
 * malloc'd NUL-terminated text.
 */
int cst_run(const char *dir, const char *const *argv, const char *const *env,
    char **out, char **err, int timeout_ms);
/* cst_run in d->dir as d's run_uid, run_gid and run_groups (when set). */
int cst_run_as(const struct cst_daemon *d, const char *const *argv,
    const char *const *env, char **out, char **err, int timeout_ms);
/* Exit code of a wait status, or 128+signal, or -1 for a timeout. */
int cst_exit_code(int status);
/* Count children of ppid, and of those how many are zombies. */
int cst_children(pid_t ppid, int *zombies);
/* Is pid the spawner or a session forked ahead of need, still idle?
 * cst_children() leaves those out. */
int cst_is_standby(pid_t pid);
/* Descriptors of pid once their count holds still (the pool is full). */
int cst_settled_fds(pid_t pid);
/*
 * The acceptor: the one child of main (d->pid) named caseserv-acc, once
 * it is accepting (main's title is set then), waited for up to
 * CST_WAIT_MS; fails the test when there is none.
 */
pid_t cst_must_acceptor(struct cst_daemon *d);
/* State letter of pid ('R', 'S', 'Z', ...), or 0 when it is gone. */
char cst_proc_state(pid_t pid);
/* CPU time (user + system) pid has used, in clock ticks. */
long long cst_cpu_ticks(pid_t pid);
/* Parent of pid, or -1 when it is gone. */
pid_t cst_proc_ppid(pid_t pid);
/* Field of /proc/PID/status ("CapEff") into buf, trimmed; 0 or -1. */
int cst_proc_status(pid_t pid, const char *field, char *buf, size_t len);
/* 127.0.0.1 or ::1 (family) and port into *ss; its length. */
socklen_t cst_loopback_addr(int family, int port, struct sockaddr_storage *ss);
/* Milliseconds of CLOCK_MONOTONIC. */
int64_t cst_now_ms(void);
void cst_sleep_ms(int ms);
/* Read a small file (caller frees), or NULL. */
char *cst_read_file(const char *path);

#endif
