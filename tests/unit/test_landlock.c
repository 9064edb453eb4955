/*
 * test_landlock.c - the Landlock layers, as the kernel enforces them.
 * Each probe restricts a forked child, which tries what the layer must
 * refuse (and what it must still allow) and reports the errno of each
 * try; the parent compares.  Skips (77) where the kernel has no Landlock.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "landlock.h"

#define NTRIES	8

/* What a child got: errno of each try (0: it worked), and the ABI. */
struct outcome {
	int	abi;
	int	err[NTRIES];
};

static char dir[64] = "/tmp/cs-landlock.XXXXXX";	/* a scratch directory */
static char wdir[96], rdir[96];			/* writable / readable in it */
static int port;				/* a TCP listener of ours */

/* errno of an open (closed again at once), 0 if it worked. */
static int
try_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0600);

	if (fd == -1)
		return errno;
	close(fd);
	return 0;
}

static int
try_tcp(int do_bind)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd, rc;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(do_bind ? 0 : (uint16_t)port);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return errno;
	rc = do_bind ? bind(fd, (struct sockaddr *)&sin, sizeof(sin)) :
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	rc = rc == -1 ? errno : 0;
	close(fd);
	return rc;
}

enum role { R_SESSION, R_ACCEPTOR, R_MAIN };

/* In the child: restrict as role, then every try. */
static void __attribute__((noreturn))
child(enum role role, int fd)
{
	const char *const reads[] = { rdir, NULL };
	char path[160];
	struct outcome o;

	memset(&o, 0, sizeof(o));
	o.abi = role == R_SESSION ? ll_restrict_session() :
	    role == R_ACCEPTOR ? ll_restrict_acceptor() :
	    ll_restrict_main(reads, wdir);
	o.err[0] = try_open("/etc/passwd", O_RDONLY);
	snprintf(path, sizeof(path), "%s/new", dir);
	o.err[1] = try_open(path, O_WRONLY | O_CREAT | O_EXCL);
	o.err[2] = try_tcp(1);
	o.err[3] = try_tcp(0);
	snprintf(path, sizeof(path), "%s/file", rdir);
	o.err[4] = try_open(path, O_RDONLY);
	o.err[5] = try_open(path, O_WRONLY);
	snprintf(path, sizeof(path), "%s/pid", wdir);
	o.err[6] = try_open(path, O_WRONLY | O_TRUNC);
	o.err[7] = unlink(path) == -1 ? errno : 0;
	_exit(write(fd, &o, sizeof(o)) == (ssize_t)sizeof(o) ? 0 : 1);
}

static struct outcome
run(enum role role)
{
	struct outcome o;
	char path[160];
	int p[2], status;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/pid", wdir);
	assert_int_equal(close(open(path, O_WRONLY | O_CREAT, 0644)), 0);
	assert_int_equal(pipe(p), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		close(p[0]);
		child(role, p[1]);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &o, sizeof(o)), (ssize_t)sizeof(o));
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	unlink(path);
	snprintf(path, sizeof(path), "%s/new", dir);
	unlink(path);
	print_message("role %d: ABI %d, errors %d %d %d %d %d %d %d %d\n",
	    (int)role, o.abi, o.err[0], o.err[1], o.err[2], o.err[3],
	    o.err[4], o.err[5], o.err[6], o.err[7]);
	return o;
}

static void
no_files_no_tcp(enum role role)
{
	struct outcome o = run(role);

	assert_int_equal(o.abi, ll_abi_used());
	assert_int_equal(o.err[0], EACCES);	/* read anywhere */
	assert_int_equal(o.err[1], EACCES);	/* create */
	assert_int_equal(o.err[4], EACCES);
	assert_int_equal(o.err[7], EACCES);	/* remove */
	if (ll_abi_used() >= 4) {
		assert_int_equal(o.err[2], EACCES);	/* bind */
		assert_int_equal(o.err[3], EACCES);	/* connect */
	} else {
		assert_int_equal(o.err[2], 0);
		assert_int_equal(o.err[3], 0);
	}
}

static void
session(void **state)
{
	(void)state;
	no_files_no_tcp(R_SESSION);
}

static void
acceptor(void **state)
{
	(void)state;
	no_files_no_tcp(R_ACCEPTOR);
}

/* Reads what it was given and /etc; writes only in its directory. */
static void
main_role(void **state)
{
	struct outcome o = run(R_MAIN);

	(void)state;
	assert_int_equal(o.abi, ll_abi_used());
	assert_int_equal(o.err[0], 0);		/* /etc: NSS reads there */
	assert_int_equal(o.err[1], EACCES);	/* nothing made, anywhere */
	assert_int_equal(o.err[2], 0);		/* reload binds */
	assert_int_equal(o.err[3], 0);		/* DNS over TCP, LDAP, ... */
	assert_int_equal(o.err[4], 0);		/* the configuration */
	assert_int_equal(o.err[5], EACCES);	/* ... read-only */
	assert_int_equal(o.err[6], 0);		/* the pidfile */
	assert_int_equal(o.err[7], 0);		/* removed at exit */
}

static void
describe(void **state)
{
	char buf[96], want[96];

	(void)state;
	ll_describe(buf, sizeof(buf));
	print_message("%s\n", buf);
	snprintf(want, sizeof(want), "landlock: ABI %d in force",
	    ll_abi_used());
	assert_int_equal(strncmp(buf, want, strlen(want)), 0);
	assert_true(ll_abi_used() <= LL_ABI_KNOWN && ll_abi_used() <= ll_abi());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(session),
		cmocka_unit_test(acceptor),
		cmocka_unit_test(main_role),
		cmocka_unit_test(describe),
	};
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	char path[160], line[96];
	int lfd, rc;

	if (ll_abi() == 0) {
		fprintf(stderr, "test_landlock: %s (skipped)\n",
		    ll_describe(line, sizeof(line)));
		return 77;
	}
	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(wdir, sizeof(wdir), "%s/run", dir);
	snprintf(rdir, sizeof(rdir), "%s/etc", dir);
	snprintf(path, sizeof(path), "%s/file", rdir);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (mkdir(wdir, 0755) == -1 || mkdir(rdir, 0755) == -1 ||
	    close(open(path, O_WRONLY | O_CREAT, 0644)) == -1 || lfd == -1 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 8) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) == -1)
		return 99;
	port = ntohs(sin.sin_port);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	close(lfd);
	unlink(path);
	rmdir(rdir);
	rmdir(wdir);
	rmdir(dir);
	return rc;
}
