/*
 * test_hardening.c - the process model of SPEC section 5, read from
 * /proc as an administrator would check it: the master and every session
 * run as the unprivileged user, without capabilities, under seccomp; a
 * session that breaks its sandbox dies and the master goes on.
 *
 * Root only (the daemon drops privileges only when started as root).
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../lib/cstest.h"

#define NOBODY_IDS	"65534\t65534\t65534\t65534"
#define NO_CAPS		"0000000000000000"
#define BIND_CAP	"0000000000000400"	/* CAP_NET_BIND_SERVICE */

static void
assert_field(pid_t pid, const char *field, const char *want)
{
	char got[128];

	assert_int_equal(cst_proc_status(pid, field, got, sizeof(got)), 0);
	if (strcmp(got, want) != 0)
		fail_msg("pid %d %s: expected '%s', got '%s'", (int)pid, field,
		    want, got);
}

/* Unprivileged for good: ids, no groups, no new privileges, seccomp. */
static void
assert_confined(pid_t pid)
{
	assert_field(pid, "Uid", NOBODY_IDS);
	assert_field(pid, "Gid", NOBODY_IDS);
	assert_field(pid, "Groups", "");
	assert_field(pid, "NoNewPrivs", "1");
	assert_field(pid, "Seccomp", "2");
	assert_field(pid, "CapInh", NO_CAPS);
	assert_field(pid, "CapBnd", NO_CAPS);
	assert_field(pid, "CapAmb", NO_CAPS);
}

/* The session serving the connection fd (found by its `open` line). */
static pid_t
session_pid(struct cst_daemon *d, const char *addr, int fd)
{
	char needle[96], line[512];

	snprintf(needle, sizeof(needle), strchr(addr, ':') ?
	    "open peer=[%s]:%d " : "open peer=%s:%d ", addr,
	    cst_local_port(fd));
	assert_int_equal(cst_log_line(d, needle, 1, line, sizeof(line),
	    CST_WAIT_MS), 0);
	return (pid_t)cst_field_num(line, "pid");
}

static void
test_master(void **state)
{
	struct cst_daemon *d = *state;

	cst_must_start_default(d, NULL);
	assert_confined(d->pid);
	/* No port below 1024: not even CAP_NET_BIND_SERVICE is kept. */
	assert_field(d->pid, "CapEff", NO_CAPS);
	assert_field(d->pid, "CapPrm", NO_CAPS);
}

/* Inode of the server side of our TCP connection (local port cport). */
static unsigned long
tcp_inode(const char *table, int sport, int cport)
{
	char line[512];
	unsigned long inode = 0, ino;
	unsigned lp, rp;
	FILE *f = fopen(table, "r");

	assert_non_null(f);
	while (inode == 0 && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%x %*x "
		    "%*s %*s %*s %*d %*d %lu", &lp, &rp, &ino) == 3 &&
		    (int)lp == sport && (int)rp == cport)
			inode = ino;
	}
	fclose(f);
	return inode;
}

/* Is inode a Unix-domain socket? */
static int
is_unix_socket(unsigned long inode)
{
	char line[512];
	unsigned long ino;
	int found = 0;
	FILE *f = fopen("/proc/net/unix", "r");

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = sscanf(line, "%*s %*s %*s %*s %*s %*s %lu", &ino) == 1 &&
		    ino == inode;
	fclose(f);
	return found;
}

/*
 * A session holds exactly two descriptors: the client's TCP socket and
 * its report channel to the master (a pipe or a Unix socket: SPEC 5 says
 * "what it needs to report").
 */
static void
assert_fds(pid_t pid, unsigned long tcp)
{
	char dir[64], path[400], target[128];
	struct dirent *de;
	unsigned long ino;
	int ntcp = 0, nreport = 0, n = 0;
	ssize_t len;
	DIR *dp;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	assert_non_null(dp = opendir(dir));
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		assert_true(len > 0);
		target[len] = '\0';
		print_message("session fd %s -> %s\n", de->d_name, target);
		n++;
		if (sscanf(target, "socket:[%lu]", &ino) == 1 && ino == tcp)
			ntcp++;
		else if (strncmp(target, "pipe:[", 6) == 0 ||
		    (sscanf(target, "socket:[%lu]", &ino) == 1 &&
		    is_unix_socket(ino)))
			nreport++;
	}
	closedir(dp);
	assert_int_equal(n, 2);
	assert_int_equal(ntcp, 1);
	assert_int_equal(nreport, 1);
}

/*
 * SPEC 1: never held back by Nagle's algorithm.  On loopback a Nagle
 * stall is not reliably visible (Linux only holds a small segment behind
 * another unacknowledged small one, and ACKs quickly), so test_service's
 * timing cannot always see it: read the option on the session's own
 * socket instead, through a duplicate taken with pidfd_getfd(2).
 */
static void
assert_nodelay(pid_t pid, unsigned long tcp)
{
	char dir[64], path[400], target[128];
	struct dirent *de;
	unsigned long ino;
	int pidfd, fd = -1, on = 0;
	socklen_t len = sizeof(on);
	ssize_t n;
	DIR *dp;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	assert_non_null(dp = opendir(dir));
	while (fd == -1 && (de = readdir(dp)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (sscanf(target, "socket:[%lu]", &ino) == 1 && ino == tcp)
			fd = atoi(de->d_name);
	}
	closedir(dp);
	assert_true(fd != -1);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd == -1 && errno == ENOSYS)
		skip();
	assert_true(pidfd != -1);
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	assert_true(fd != -1);
	assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &len),
	    0);
	assert_int_equal(on != 0, 1);
	close(fd);
	close(pidfd);
}

static void
test_session(void **state)
{
	struct cst_daemon *d = *state;
	unsigned long tcp;
	pid_t pid;
	int fd;

	cst_must_start_default(d, NULL);
	fd = cst_must_connect("::1", d->port);
	/* Once it has answered, the session is past its lock-down. */
	cst_roundtrip(fd, "locked down?");
	pid = session_pid(d, "::1", fd);
	assert_true(pid > 1 && pid != d->pid);
	assert_confined(pid);
	assert_field(pid, "CapEff", NO_CAPS);
	assert_field(pid, "CapPrm", NO_CAPS);
	tcp = tcp_inode("/proc/net/tcp6", d->port, cst_local_port(fd));
	assert_fds(pid, tcp);
	assert_nodelay(pid, tcp);
	cst_roundtrip(fd, "still serving");
	close(fd);
}

/*
 * Started by an ordinary account: that account is kept (with a notice),
 * and the rest of the hardening still applies to master and sessions.
 */
static void
test_not_root(void **state)
{
	struct cst_daemon *d = *state;
	pid_t pid;
	int fd;

	cst_must_init(d);
	cst_must_conf(d, NULL);
	d->run_uid = 65534;
	d->run_gid = 65534;
	cst_must_start(d, cst_binary(0), NULL, NULL, 2);
	assert_int_equal(cst_log_wait(d, "privileges: not started as root",
	    CST_WAIT_MS), 0);
	fd = cst_must_connect("127.0.0.1", d->port);
	cst_roundtrip(fd, "unprivileged");
	pid = session_pid(d, "127.0.0.1", fd);
	assert_true(pid > 1 && pid != d->pid);
	for (int i = 0; i < 2; i++) {
		pid_t p = i == 0 ? d->pid : pid;

		assert_field(p, "Uid", NOBODY_IDS);
		assert_field(p, "NoNewPrivs", "1");
		assert_field(p, "Seccomp", "2");
		assert_field(p, "CapEff", NO_CAPS);
		assert_field(p, "CapPrm", NO_CAPS);
	}
	close(fd);
}

/*
 * Issue 13: started by an account with supplementary groups, which only
 * root could drop: the daemon says which stay, at start and from -t.
 */
static void
test_not_root_groups(void **state)
{
	struct cst_daemon *d = *state;
	const char *want = "privileges: not started as root: supplementary "
	    "groups disk, shadow are kept (only root can drop them)";
	const char *argv[] = { cst_binary(0), "-t", "-c", d->conf, NULL };
	struct group *gr;
	char *out, *err, groups[64];

	cst_must_init(d);
	cst_must_conf(d, NULL);
	if ((gr = getgrnam("disk")) == NULL)
		skip();
	d->run_groups[0] = gr->gr_gid;
	if ((gr = getgrnam("shadow")) == NULL)
		skip();
	d->run_groups[1] = gr->gr_gid;
	d->run_uid = 65534;
	d->run_gid = 65534;
	d->run_groups[2] = 65534;	/* the primary one: not named */
	d->run_ngroups = 3;
	assert_int_equal(cst_exit_code(cst_run_as(d, argv, NULL, &out, &err,
	    CST_WAIT_MS)), 0);
	print_message("-t: %s", out);
	assert_non_null(strstr(out, want));
	free(out);
	free(err);
	cst_must_start(d, cst_binary(0), NULL, NULL, 2);
	assert_int_equal(cst_log_wait(d, want, CST_WAIT_MS), 0);
	/* They are there indeed: the warning is no false alarm. */
	snprintf(groups, sizeof(groups), "%u %u 65534",
	    (unsigned)d->run_groups[0], (unsigned)d->run_groups[1]);
	assert_field(d->pid, "Groups", groups);
}

/* Listen config for two ports on both loopbacks. */
static void
two_ports_conf(struct cst_daemon *d, int p1, int p2)
{
	char text[512];

	snprintf(text, sizeof(text),
	    "listen = ( { host = \"127.0.0.1\"; port = %d; },\n"
	    "           { host = \"::1\"; port = %d; },\n"
	    "           { host = \"127.0.0.1\"; port = %d; },\n"
	    "           { host = \"::1\"; port = %d; } );\n"
	    "user = \"nobody\";\n", p1, p1, p2, p2);
	cst_must_write(d->conf, text);
}

/*
 * A port below 1024: served; the master keeps CAP_NET_BIND_SERVICE and
 * nothing else, so that a reload can bind another privileged port.
 */
static void
test_low_port(void **state)
{
	struct cst_daemon *d = *state;
	char eff[32];
	pid_t pid;
	int p2, fd;

	cst_must_init(d);
	d->port = cst_free_port(900, 1023);
	cst_must_conf(d, NULL);
	cst_must_start(d, cst_binary(0), NULL, NULL, 2);
	assert_int_equal(cst_echo_once("127.0.0.1", d->port, "low v4"), 0);
	assert_int_equal(cst_echo_once("::1", d->port, "low v6"), 0);
	assert_confined(d->pid);
	assert_field(d->pid, "CapPrm", BIND_CAP);
	/* Effective either always or only while binding. */
	assert_int_equal(cst_proc_status(d->pid, "CapEff", eff, sizeof(eff)),
	    0);
	assert_true(strcmp(eff, BIND_CAP) == 0 || strcmp(eff, NO_CAPS) == 0);
	/* The master's capability never reaches a session. */
	fd = cst_must_connect("127.0.0.1", d->port);
	cst_roundtrip(fd, "session");
	pid = session_pid(d, "127.0.0.1", fd);
	assert_confined(pid);
	assert_field(pid, "CapEff", NO_CAPS);
	assert_field(pid, "CapPrm", NO_CAPS);
	close(fd);

	do
		p2 = cst_free_port(900, 1023);
	while (p2 == d->port);
	two_ports_conf(d, d->port, p2);
	assert_int_equal(cst_signal(d, SIGHUP), 0);
	assert_int_equal(cst_log_wait(d, "reload ok", CST_WAIT_MS), 0);
	assert_int_equal(cst_echo_once("127.0.0.1", p2, "new low v4"), 0);
	assert_int_equal(cst_echo_once("::1", p2, "new low v6"), 0);
	assert_int_equal(cst_echo_once("127.0.0.1", d->port, "old low"), 0);
	assert_field(d->pid, "CapPrm", BIND_CAP);
}

/*
 * The test build's sessions make a forbidden system call (openat) after
 * their first read: each dies of SIGSYS before it answers, the master logs
 * it, counts it, and goes on accepting.
 */
static void
test_sandbox_violation(void **state)
{
	/* Seccomp alone: the other walls down, so the death is its own. */
	static const char *const env[] = { "CASESERV_TEST_SANDBOX_BREAK=1",
	    "CASESERV_TEST_NO_LANDLOCK=1", "CASESERV_TEST_NO_RLIMITS=1", NULL };
	static const char *addrs[2] = { "127.0.0.1", "::1" };
	struct cst_daemon *d = *state;
	char needle[96], line[512], val[64];
	unsigned char buf[64];
	int fd, i, how;
	pid_t pid;

	cst_must_init(d);
	cst_must_conf(d, NULL);
	cst_must_start(d, cst_binary(1), NULL, env, 2);
	for (i = 0; i < 2; i++) {
		fd = cst_must_connect(addrs[i], d->port);
		pid = session_pid(d, addrs[i], fd);
		assert_int_equal(cst_send_all(fd, "Hello", 5, CST_WAIT_MS), 0);
		/* Not one byte of answer: the session died on its first read. */
		how = -1;
		assert_int_equal(cst_recv_eof(fd, buf, sizeof(buf),
		    CST_WAIT_MS, &how), 0);
		assert_true(how == 0 || how == ECONNRESET);
		snprintf(needle, sizeof(needle), i ? "killed peer=[%s]:%d " :
		    "killed peer=%s:%d ", addrs[i], cst_local_port(fd));
		assert_int_equal(cst_log_line(d, needle, 1, line, sizeof(line),
		    CST_WAIT_MS), 0);
		print_message("%s\n", line);
		assert_int_equal(cst_field_num(line, "pid"), pid);
		assert_int_equal(cst_field(line, "signal", val, sizeof(val)),
		    0);
		assert_string_equal(val, "SIGSYS");
		assert_int_equal(cst_field(line, "reason", val, sizeof(val)),
		    0);
		assert_string_equal(val, "sandbox");
		assert_int_equal(cst_field(line, "syscall", val, sizeof(val)),
		    0);
		assert_string_equal(val, "openat");
		close(fd);
		/* The master survives and is still the one accepting. */
		assert_true(cst_alive(d));
	}
	assert_int_equal(cst_signal(d, SIGUSR1), 0);
	assert_int_equal(cst_log_line(d, ": stats ", 1, line, sizeof(line),
	    CST_WAIT_MS), 0);
	print_message("%s\n", line);
	assert_int_equal(cst_field_num(line, "killed_sandbox"), 2);
	assert_int_equal(cst_field_num(line, "accepted"), 2);
	assert_int_equal(cst_field_num(line, "active"), 0);
}

/* A live session's limit (a "Max ..." line of /proc/PID/limits): soft
 * and hard, as text. */
static void
assert_limit(pid_t pid, const char *name, const char *want)
{
	char path[64], *text, *line, soft[32], hard[32];

	snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
	assert_non_null(text = cst_read_file(path));
	assert_non_null(line = strstr(text, name));
	assert_int_equal(sscanf(line + strlen(name), " %31s %31s", soft, hard),
	    2);
	print_message("%s %s %s\n", name, soft, hard);
	assert_string_equal(soft, want);
	assert_string_equal(hard, want);
	free(text);
}

/*
 * Issue 13: as OpenSSH's sandbox, a session cannot fork, make a
 * descriptor or write a file byte even by a call its filter allows:
 * RLIMIT_NPROC and RLIMIT_FSIZE 0, RLIMIT_NOFILE 1 (poll() needs one)
 * with descriptor 0 already taken.
 */
static void
test_session_limits(void **state)
{
	struct cst_daemon *d = *state;
	pid_t pid;
	int fd;

	cst_must_start_default(d, NULL);
	fd = cst_must_connect("127.0.0.1", d->port);
	cst_roundtrip(fd, "limits");
	pid = session_pid(d, "127.0.0.1", fd);
	assert_limit(pid, "Max processes", "0");
	assert_limit(pid, "Max open files", "1");
	assert_limit(pid, "Max file size", "0");
	assert_limit(pid, "Max core file size", "0");
	close(fd);
}

/*
 * The test daemon with some walls taken down; its sessions answer the
 * first chunk with what each forbidden act got (session.c's probe).
 */
static void
probe_walls(struct cst_daemon *d, const char *const *env, char *out,
    size_t len)
{
	ssize_t n;
	int fd;

	cst_must_init(d);
	cst_must_conf(d, NULL);
	cst_must_start(d, cst_binary(1), NULL, env, 2);
	fd = cst_must_connect("127.0.0.1", d->port);
	assert_int_equal(cst_send_all(fd, "x", 1, CST_WAIT_MS), 0);
	memset(out, 0, len);
	for (size_t have = 0; have == 0 || out[have - 1] != '\n'; have += n) {
		n = cst_recv_exact(fd, out + have, 1, CST_WAIT_MS);
		assert_true(n == 1 && have + 1 < len);
	}
	print_message("%s", out);
	close(fd);
}

/*
 * Landlock alone (seccomp off, no zero limits): the session may make
 * every call, and the kernel still refuses it every file and, from
 * Landlock ABI 4, every TCP port.
 */
static void
test_landlock_alone(void **state)
{
	static const char *const env[] = { "CASESERV_TEST_PROBE_WALLS=1",
	    "CASESERV_TEST_NO_SECCOMP=1", "CASESERV_TEST_NO_RLIMITS=1", NULL };
	struct cst_daemon *d = *state;
	char out[256], *abi;
	int n;

	probe_walls(d, env, out, sizeof(out));
	assert_int_equal(cst_log_wait(d, "landlock: ", CST_WAIT_MS), 0);
	abi = cst_log_read(d);
	n = strstr(abi, "landlock: ABI ") == NULL ? 0 :
	    atoi(strstr(abi, "landlock: ABI ") + strlen("landlock: ABI "));
	free(abi);
	if (n == 0)
		skip();		/* no Landlock in this kernel */
	assert_non_null(strstr(out, "open=EACCES creat=EACCES "));
	if (n >= 4)
		assert_non_null(strstr(out, "bind=EACCES connect=EACCES "));
	/* Not a wall of Landlock's: fork works with the other two down. */
	assert_non_null(strstr(out, "fork=ok"));
}

/* The zero limits alone: no descriptor, no process. */
static void
test_limits_alone(void **state)
{
	static const char *const env[] = { "CASESERV_TEST_PROBE_WALLS=1",
	    "CASESERV_TEST_NO_SECCOMP=1", "CASESERV_TEST_NO_LANDLOCK=1", NULL };
	struct cst_daemon *d = *state;
	char out[256];

	probe_walls(d, env, out, sizeof(out));
	assert_string_equal(out, "open=EMFILE creat=EMFILE bind=EMFILE "
	    "connect=EMFILE fork=EAGAIN\n");
}

/* All down: the probe itself works, so the tests above prove the walls. */
static void
test_walls_down(void **state)
{
	static const char *const env[] = { "CASESERV_TEST_PROBE_WALLS=1",
	    "CASESERV_TEST_NO_SECCOMP=1", "CASESERV_TEST_NO_LANDLOCK=1",
	    "CASESERV_TEST_NO_RLIMITS=1", NULL };
	struct cst_daemon *d = *state;
	char out[256];

	probe_walls(d, env, out, sizeof(out));
	/* The listener answers connect; bind to port 0 takes a free one;
	 * nobody may create in /tmp (world-writable). */
	assert_string_equal(out, "open=ok creat=ok bind=ok connect=ok "
	    "fork=ok\n");
	unlink("/tmp/caseserv-probe");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_master, cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_session, cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_not_root, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_not_root_groups, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_low_port, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_sandbox_violation, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_session_limits, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_landlock_alone, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_limits_alone, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_walls_down, cst_setup,
		    cst_teardown),
	};

	if (!cst_is_root()) {
		fprintf(stderr, "test_hardening: needs root (skipped)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
