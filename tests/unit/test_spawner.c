/*
 * test_spawner.c - the spawner's record to the acceptor, checked as
 * input from another process, and the spawner's own pieces that can run
 * in a test: the libraries it sheds, its image, a word it cannot send
 * (tests/integration/test_hardening.c drives the spawner itself).  The
 * module is included to reach its statics.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>

#include "spawner.c"

static void
put(unsigned char buf[SPW_SIZE], uint32_t magic, uint16_t version,
    uint16_t zero, int32_t pid, int32_t err)
{
	memcpy(buf, &magic, 4);
	memcpy(buf + 4, &version, 2);
	memcpy(buf + 6, &zero, 2);
	memcpy(buf + 8, &pid, 4);
	memcpy(buf + 12, &err, 4);
}

/* A session comes with exactly two descriptors; a failure with none. */
static void
test_decode(void **state)
{
	unsigned char buf[SPW_SIZE];
	struct spw_born b;

	(void)state;
	put(buf, SPW_MAGIC, SPW_VERSION, 0, 4711, 0);
	assert_int_equal(spw_decode(buf, sizeof(buf), 2, &b), 0);
	assert_int_equal(b.pid, 4711);
	assert_int_equal(b.err, 0);
	assert_int_equal(spw_decode(buf, sizeof(buf), 1, &b), -1);
	assert_int_equal(spw_decode(buf, sizeof(buf), 0, &b), -1);
	assert_int_equal(spw_decode(buf, sizeof(buf), 3, &b), -1);
	assert_int_equal(spw_decode(buf, sizeof(buf) - 1, 2, &b), -1);
	put(buf, SPW_MAGIC, SPW_VERSION, 0, 0, EAGAIN);
	assert_int_equal(spw_decode(buf, sizeof(buf), 0, &b), 0);
	assert_int_equal(b.pid, 0);
	assert_int_equal(b.err, EAGAIN);
	assert_int_equal(spw_decode(buf, sizeof(buf), 2, &b), -1);
	/* pid 1 (init), a negative pid, an errno beside a pid, no errno. */
	put(buf, SPW_MAGIC, SPW_VERSION, 0, 1, 0);
	assert_int_equal(spw_decode(buf, sizeof(buf), 2, &b), -1);
	put(buf, SPW_MAGIC, SPW_VERSION, 0, -5, 0);
	assert_int_equal(spw_decode(buf, sizeof(buf), 2, &b), -1);
	put(buf, SPW_MAGIC, SPW_VERSION, 0, 4711, EAGAIN);
	assert_int_equal(spw_decode(buf, sizeof(buf), 2, &b), -1);
	put(buf, SPW_MAGIC, SPW_VERSION, 0, 0, 0);
	assert_int_equal(spw_decode(buf, sizeof(buf), 0, &b), -1);
	put(buf, SPW_MAGIC, SPW_VERSION, 0, 0, 100000);
	assert_int_equal(spw_decode(buf, sizeof(buf), 0, &b), -1);
	/* The header. */
	put(buf, SPW_MAGIC ^ 1, SPW_VERSION, 0, 4711, 0);
	assert_int_equal(spw_decode(buf, sizeof(buf), 2, &b), -1);
	put(buf, SPW_MAGIC, SPW_VERSION + 1, 0, 4711, 0);
	assert_int_equal(spw_decode(buf, sizeof(buf), 2, &b), -1);
	put(buf, SPW_MAGIC, SPW_VERSION, 1, 4711, 0);
	assert_int_equal(spw_decode(buf, sizeof(buf), 2, &b), -1);
}

/* A record as the spawner sends it: the word and fds by SCM_RIGHTS. */
static void
send_record(int sock, pid_t pid, const int *fds, int nfds)
{
	unsigned char buf[SPW_SIZE];
	union {
		char		buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr	align;
	} cm;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	put(buf, SPW_MAGIC, SPW_VERSION, 0, pid, 0);
	msg_put_fds(&mh, cm.buf, sizeof(cm.buf), fds, (size_t)nfds);
	assert_int_equal(sendmsg(sock, &mh, 0), (ssize_t)sizeof(buf));
}

/*
 * A channel handed over blocking (a compromised spawner's, say) comes
 * out non-blocking: the acceptor's reads of it must never wait.  A
 * record with three descriptors is refused and none of them is kept.
 */
static void
test_receive(void **state)
{
	struct spw_born b;
	int link[2], chan[2], other[2], fds[3];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, link), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, chan), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, other), 0);
	assert_int_equal(fcntl(chan[0], F_GETFL) & O_NONBLOCK, 0);
	fds[0] = other[0];		/* stands for the pidfd */
	fds[1] = chan[0];
	send_record(link[1], 4711, fds, 2);
	assert_int_equal(spw_receive(link[0], &b), 1);
	assert_int_equal(b.pid, 4711);
	assert_true(b.pidfd >= 0 && b.chan >= 0);
	assert_int_not_equal(fcntl(b.chan, F_GETFL) & O_NONBLOCK, 0);
	close(b.pidfd);
	close(b.chan);
	/* Nothing more: "nothing yet", not an error. */
	assert_int_equal(spw_receive(link[0], &b), 0);
	fds[2] = other[1];
	send_record(link[1], 4711, fds, 3);
	assert_int_equal(spw_receive(link[0], &b), -1);
	/* A failure comes with no descriptor; a bad word is refused with
	 * its descriptors closed; four descriptors do not fit (truncated):
	 * refused; the spawner gone: -1. */
	{
		unsigned char buf[SPW_SIZE];
		int four[4] = { other[0], other[1], chan[0], chan[1] }, fd;

		put(buf, SPW_MAGIC, SPW_VERSION, 0, 0, EAGAIN);
		assert_int_equal(send(link[1], buf, sizeof(buf), 0),
		    (ssize_t)sizeof(buf));
		assert_int_equal(spw_receive(link[0], &b), 1);
		assert_int_equal(b.pid, 0);
		assert_int_equal(b.err, EAGAIN);
		assert_int_equal(b.pidfd, -1);
		fd = dup(0);
		close(fd);
		send_record(link[1], 1, fds, 2);	/* pid 1: not a session */
		assert_int_equal(spw_receive(link[0], &b), -1);
		send_record(link[1], 4711, four, 4);
		assert_int_equal(spw_receive(link[0], &b), -1);
		assert_int_equal(dup(0), fd);		/* nothing kept */
		close(fd);
		close(link[1]);
		assert_int_equal(spw_receive(link[0], &b), -1);
		link[1] = -1;
	}
	close(link[0]);
	if (link[1] != -1)
		close(link[1]);
	close(chan[0]);
	close(chan[1]);
	close(other[0]);
	close(other[1]);
}

#ifndef CASESERV_SANITIZERS
/*
 * The libraries shed: one named in the list, by path or bare name, gives
 * the page-rounded span of its loadable segments; libc does not; an
 * object with no loadable segment gives nothing; a full list takes no
 * more.
 */
static void
test_shed_find(void **state)
{
	ElfW(Phdr) ph[2];
	struct dl_phdr_info info;
	struct spw_shed sh = { .n = 0 };
	const uintptr_t pg = (uintptr_t)getpagesize();

	(void)state;
	memset(ph, 0, sizeof(ph));
	ph[0].p_type = PT_LOAD;
	ph[0].p_vaddr = 0x1010;
	ph[0].p_memsz = 0x100;
	ph[1].p_type = PT_LOAD;
	ph[1].p_vaddr = 0x5000;
	ph[1].p_memsz = 0x2345;
	memset(&info, 0, sizeof(info));
	info.dlpi_addr = 0x7f0000000000;
	info.dlpi_name = "/usr/lib/x86_64-linux-gnu/libconfig.so.9";
	info.dlpi_phdr = ph;
	info.dlpi_phnum = 2;
	assert_int_equal(spw_shed_find(&info, sizeof(info), &sh), 0);
	assert_int_equal(sh.n, 1);
	assert_int_equal(sh.lo[0], (0x7f0000001010 & ~(pg - 1)));
	assert_int_equal(sh.hi[0], ((0x7f0000007345 + pg - 1) & ~(pg - 1)));
	info.dlpi_name = "/usr/lib/x86_64-linux-gnu/libc.so.6";
	(void)spw_shed_find(&info, sizeof(info), &sh);
	assert_int_equal(sh.n, 1);
	info.dlpi_name = "libseccomp.so.2";
	(void)spw_shed_find(&info, sizeof(info), &sh);
	assert_int_equal(sh.n, 2);
	ph[0].p_type = ph[1].p_type = PT_NOTE;
	info.dlpi_name = "/lib/libcap-ng.so.0";
	(void)spw_shed_find(&info, sizeof(info), &sh);
	assert_int_equal(sh.n, 2);
	ph[0].p_type = PT_LOAD;
	sh.n = SPW_SHED_MAX;
	(void)spw_shed_find(&info, sizeof(info), &sh);
	assert_int_equal(sh.n, SPW_SHED_MAX);
}
#endif

/* The spawner's image: the running binary, whole, that its owner may
 * execute and nothing else. */
static void
test_image(void **state)
{
	struct stat self, img;
	int fd;

	(void)state;
	fd = spw_image();
	assert_true(fd >= 0);
	assert_int_equal(stat("/proc/self/exe", &self), 0);
	assert_int_equal(fstat(fd, &img), 0);
	assert_int_equal(img.st_size, self.st_size);
	assert_int_equal(img.st_mode & 07777, S_IXUSR);
	close(fd);
}

/* A word that cannot go out (no socket at all): -1, not an exit. */
static void
test_tell_fails(void **state)
{
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	errno = 0;
	assert_int_equal(spw_tell(-1, 4711, 0, p[0], p[1]), -1);
	assert_int_equal(errno, EBADF);
	close(p[0]);
	close(p[1]);
}

/* The lowest free descriptor (what the next one made would be). */
static int
lowest_free(void)
{
	int fd = dup(0);

	assert_true(fd >= 0);
	close(fd);
	return fd;
}

/*
 * The acceptor out of descriptors as a session's record comes in: the
 * kernel drops what does not fit (MSG_CTRUNC).  The record is taken for a
 * fork that failed with EMFILE, whatever came of its descriptors (none,
 * or one alone, which is closed): nothing is kept, and the acceptor goes
 * on.  Room made again, the next record is taken whole.
 */
static void
test_receive_emfile(void **state)
{
	struct rlimit old, low;
	struct spw_born b;
	int link[2], chan[2], other[2], fds[2], lo, rc[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, link), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, chan), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, other), 0);
	fds[0] = other[0];
	fds[1] = chan[0];
	send_record(link[1], 4711, fds, 2);
	send_record(link[1], 4712, fds, 2);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	lo = lowest_free();
	/* No room at all, then room for one. */
	for (int room = 0; room < 2; room++) {
		low = old;
		low.rlim_cur = (rlim_t)(lo + room);
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
		memset(&b, 0x55, sizeof(b));
		rc[0] = spw_receive(link[0], &b);
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
		assert_int_equal(rc[0], 1);
		assert_int_equal(b.pid, 0);
		assert_int_equal(b.err, EMFILE);
		assert_int_equal(b.pidfd, -1);
		assert_int_equal(b.chan, -1);
		assert_int_equal(lowest_free(), lo);
	}
	/* Out of room too, but a failure's record (which has no business
	 * with descriptors), or one cut short, is still refused. */
	{
		unsigned char rec[SPW_SIZE + 4] = { 0 };
		union {
			char		buf[CMSG_SPACE(2 * sizeof(int))];
			struct cmsghdr	align;
		} cm;
		struct iovec iov = { rec, sizeof(rec) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

		msg_put_fds(&mh, cm.buf, sizeof(cm.buf), fds, 2);
		put(rec, SPW_MAGIC, SPW_VERSION, 0, 4711, 0);
		assert_int_equal(sendmsg(link[1], &mh, 0), (ssize_t)sizeof(rec));
		put(rec, SPW_MAGIC, SPW_VERSION, 0, 0, EAGAIN);
		iov.iov_len = SPW_SIZE;
		assert_int_equal(sendmsg(link[1], &mh, 0), (ssize_t)SPW_SIZE);
		low = old;
		low.rlim_cur = (rlim_t)lo;
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
		rc[0] = spw_receive(link[0], &b);
		rc[1] = spw_receive(link[0], &b);
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
		assert_int_equal(rc[0], -1);
		assert_int_equal(rc[1], -1);
		assert_int_equal(lowest_free(), lo);
	}
	send_record(link[1], 4713, fds, 2);
	assert_int_equal(spw_receive(link[0], &b), 1);
	assert_int_equal(b.pid, 4713);
	assert_true(b.pidfd >= 0 && b.chan >= 0);
	close(b.pidfd);
	close(b.chan);
	for (int i = 0; i < 2; i++) {
		close(link[i]);
		close(chan[i]);
		close(other[i]);
	}
}

/*
 * More that the spawner cannot say: a record longer than one (cut:
 * refused); credentials beside it (SO_PASSCRED) are no descriptors and
 * are passed over; a descriptor that is not a socket at all: -1.
 */
static void
test_receive_odd(void **state)
{
	unsigned char buf[SPW_SIZE + 4];
	struct spw_born b;
	int link[2], p[2], one = 1;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, link), 0);
	put(buf, SPW_MAGIC, SPW_VERSION, 0, 0, EAGAIN);
	memset(buf + SPW_SIZE, 0, 4);
	assert_int_equal(send(link[1], buf, sizeof(buf), 0),
	    (ssize_t)sizeof(buf));
	assert_int_equal(spw_receive(link[0], &b), -1);
	assert_int_equal(setsockopt(link[0], SOL_SOCKET, SO_PASSCRED, &one,
	    sizeof(one)), 0);
	assert_int_equal(send(link[1], buf, SPW_SIZE, 0), (ssize_t)SPW_SIZE);
	assert_int_equal(spw_receive(link[0], &b), 1);
	assert_int_equal(b.pid, 0);
	assert_int_equal(b.err, EAGAIN);
	assert_int_equal(b.pidfd, -1);
	close(link[0]);
	close(link[1]);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(spw_receive(p[0], &b), -1);
	close(p[0]);
	close(p[1]);
}

/* A request is one byte a session, 64 at most at a time; one that cannot
 * be written: -1. */
static void
test_request(void **state)
{
	unsigned char buf[128];
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(spw_request(p[1], 3), 0);
	assert_int_equal(read(p[0], buf, sizeof(buf)), 3);
	assert_int_equal(spw_request(p[1], 100), 0);
	assert_int_equal(read(p[0], buf, sizeof(buf)), 64);
	close(p[0]);
	close(p[1]);
	errno = 0;
	assert_int_equal(spw_request(-1, 1), -1);
	assert_int_equal(errno, EBADF);
}

/*
 * The spawner with nobody to tell: its acceptor gone (EPIPE), or a
 * failure it cannot report; it exits 0 (quietly, as the acceptor's end
 * is the signal to stop), where a session that could not be handed on
 * only gets -1 (test_tell_fails).
 */
static void
test_tell_gone(void **state)
{
	(void)state;
	for (int t = 0; t < 2; t++) {
		int status, p[2];
		pid_t pid;

		assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, p), 0);
		close(p[1]);
		assert_true((pid = fork()) != -1);
		if (pid == 0)
			_exit(spw_tell(t == 0 ? p[0] : -1, t == 0 ? 4711 : 0,
			    t == 0 ? 0 : EAGAIN, p[0], p[0]) == -1 ? 3 : 4);
		close(p[0]);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
}

/*
 * "caseserv --spawner" is the acceptor's to run: descriptor 3 must be a
 * SOCK_SEQPACKET Unix socket whose peer is the parent, as the same user.
 * A stream socket, a pair the process made itself, or (as root) the
 * parent's pair after a change of user, is refused: exit 64 with the
 * line on stderr.
 */
static void
test_exec_main_refused(void **state)
{
	(void)state;
	for (int t = 0; t < (geteuid() == 0 ? 3 : 2); t++) {
		char out[256] = "";
		int status, e[2], p[2];
		pid_t pid;
		ssize_t n;

		assert_int_equal(pipe(e), 0);
		/* The parent's pair, for the third. */
		assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, p), 0);
		assert_true((pid = fork()) != -1);
		if (pid == 0) {
			if ((t < 2 && (close(p[0]) == -1 || socketpair(AF_UNIX,
			    t == 0 ? SOCK_STREAM : SOCK_SEQPACKET, 0, p) == -1)) ||
			    dup2(p[0], SPW_EXEC_FD) == -1 ||
			    dup2(e[1], STDERR_FILENO) == -1 ||
			    (t == 2 && setuid(65534) == -1))
				_exit(99);
			spw_exec_main();
		}
		close(p[0]);
		close(p[1]);
		close(e[1]);
		/* All of it: a coverage build's child may have more to say. */
		for (size_t got = 0; (n = read(e[0], out + got,
		    sizeof(out) - 1 - got)) > 0; got += (size_t)n)
			if (got + (size_t)n == sizeof(out) - 1) {
				char rest[256];

				while (read(e[0], rest, sizeof(rest)) > 0)
					;
				break;
			}
		close(e[0]);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), EX_USAGE);
		assert_non_null(strstr(out, "--spawner is the acceptor's, "
		    "not an option"));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_receive),
#ifndef CASESERV_SANITIZERS
		cmocka_unit_test(test_shed_find),
#endif
		cmocka_unit_test(test_image),
		cmocka_unit_test(test_tell_fails),
		cmocka_unit_test(test_receive_emfile),
		cmocka_unit_test(test_receive_odd),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_tell_gone),
		cmocka_unit_test(test_exec_main_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
