/*
 * test_session.c - the session's deadlines: which one poll() waits for,
 * and that one already passed is never mistaken for none.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/wait.h>

#include "session.c"

static struct ses_params
params(int idle, int session)
{
	return (struct ses_params){ .idle_timeout = idle,
	    .session_timeout = session };
}

/* No timeout configured: poll() waits for ever. */
static void
test_wait_none(void **state)
{
	struct ses_params p = params(0, 0);
	int64_t now = ses_now_ms();
	int which = -1;

	(void)state;
	assert_int_equal(ses_wait_ms(&p, now, now, &which), -1);
	assert_int_equal(which, SES_OK);
}

/* The nearer deadline wins, whichever it is. */
static void
test_wait_nearer(void **state)
{
	struct ses_params p = params(2, 8);
	int64_t now = ses_now_ms();
	int which = -1, ms;

	(void)state;
	ms = ses_wait_ms(&p, now, now, &which);
	assert_int_equal(which, SES_IDLE);
	assert_true(ms > 1000 && ms <= 2000);
	/* Seven seconds in, active half a second ago: the session deadline is
	 * nearer. */
	ms = ses_wait_ms(&p, now - 7000, now - 500, &which);
	assert_int_equal(which, SES_TIMEOUT);
	assert_true(ms > 0 && ms <= 1000);
}

/*
 * Issue 12: the idle deadline has passed (silent for 3 s of idle 2) while
 * the session deadline (8 s) is still ahead: the session ends now, idle.
 * It used to wait for the session deadline instead.
 */
static void
test_wait_idle_passed(void **state)
{
	struct ses_params p = params(2, 8);
	int64_t now = ses_now_ms();
	int which = -1;

	(void)state;
	assert_int_equal(ses_wait_ms(&p, now - 3000, now - 3000, &which), 0);
	assert_int_equal(which, SES_IDLE);
	/* Idle alone, passed: the same. */
	p = params(2, 0);
	assert_int_equal(ses_wait_ms(&p, now - 3000, now - 3000, &which), 0);
	assert_int_equal(which, SES_IDLE);
	/* Both passed: whichever passed first. */
	p = params(2, 3);
	assert_int_equal(ses_wait_ms(&p, now - 5000, now - 3000, &which), 0);
	assert_int_equal(which, SES_TIMEOUT);
}

/* Every reason the master may receive has its log name; others do not. */
static void
test_reason_names(void **state)
{
	static const char *const want[SES_NREASONS] = {
		"ok", "eof", "idle_timeout", "session_timeout", "byte_limit",
		"reset", "shutdown", "error", "sandbox", "proxy_error",
	};

	(void)state;
	for (int r = 0; r < SES_NREASONS; r++)
		assert_string_equal(ses_reason_name(r), want[r]);
	assert_string_equal(ses_reason_name(-1), "unknown");
	assert_string_equal(ses_reason_name(SES_NREASONS), "unknown");
}

/*
 * Closing all but the kept descriptors, in any order, adjacent or not:
 * exactly those stay open.  (In a child: it closes nearly everything.)
 */
static void
test_close_others(void **state)
{
	static const int keeps[][3] = {
		{ 9, 5, 7 }, { 5, 6, 7 }, { 7, 6, 5 }, { 0, 9, 3 }, { 12, 3, 3 },
	};

	(void)state;
	for (size_t t = 0; t < sizeof(keeps) / sizeof(keeps[0]); t++) {
		int status;
		pid_t pid = fork();

		assert_true(pid != -1);
		if (pid == 0) {
			int open_ok = 1;

			for (int fd = 0; fd < 16; fd++)
				if (fcntl(fd, F_GETFD) == -1 &&
				    dup2(2, fd) == -1)
					_exit(3);
			if (ses_close_others(keeps[t], 3) == -1)
				_exit(4);
			for (int fd = 0; fd < 16; fd++) {
				int kept = fd == keeps[t][0] ||
				    fd == keeps[t][1] || fd == keeps[t][2];

				open_ok &= (fcntl(fd, F_GETFD) != -1) == kept;
			}
			_exit(open_ok ? 0 : 5);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	/* More than three is a caller's mistake, refused. */
	assert_int_equal(ses_close_others((const int[]){ 3, 4, 5, 6 }, 4), -1);
}

/* A hand-over as the acceptor sends it: the record, and nfds sockets. */
static void
hand(int chan, unsigned char *rec, size_t len, int nfds)
{
	union {
		char		buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr	align;
	} cm;
	struct iovec iov = { rec, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fds[3], p[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, p), 0);
	for (int i = 0; i < 3; i++)
		fds[i] = i == 0 ? p[0] : p[1];
	if (nfds > 0)
		msg_put_fds(&mh, cm.buf, sizeof(cm.buf), fds, (size_t)nfds);
	assert_int_equal(sendmsg(chan, &mh, 0), (ssize_t)len);
	close(p[0]);
	close(p[1]);
}

/*
 * What a pooled session takes from its channel: a record with exactly
 * one socket is its client (the socket comes back); no socket, two, a
 * record that does not decode, one too long: -2, and nothing is kept;
 * the channel closed: -1.
 */
static void
test_receive(void **state)
{
	struct rpt_start st = { .idle_timeout = 5, .session_timeout = 0 },
	    got;
	unsigned char rec[RPT_START_SIZE + 8];
	int p[2], fd, before;

	(void)state;
	st.peer.ss_family = AF_INET;
	rpt_encode_start(&st, rec);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, p), 0);
	ses_report_fd = p[1];
	before = dup(0);
	close(before);
	hand(p[0], rec, RPT_START_SIZE, 1);
	fd = ses_receive(&got);
	assert_true(fd >= 0);
	assert_int_equal(got.idle_timeout, 5);
	close(fd);
	hand(p[0], rec, RPT_START_SIZE, 0);
	assert_int_equal(ses_receive(&got), -2);
	hand(p[0], rec, RPT_START_SIZE, 2);
	assert_int_equal(ses_receive(&got), -2);
	memset(rec, 0xff, 8);
	hand(p[0], rec, RPT_START_SIZE, 1);
	assert_int_equal(ses_receive(&got), -2);
	rpt_encode_start(&st, rec);
	hand(p[0], rec, RPT_START_SIZE + 8, 1);
	assert_int_equal(ses_receive(&got), -2);
	/* Nothing kept from the refused ones. */
	fd = dup(0);
	close(fd);
	assert_int_equal(fd, before);
	close(p[0]);
	assert_int_equal(ses_receive(&got), -1);
	close(p[1]);
	ses_report_fd = -1;
}

/* A record of type and reason, as the acceptor would send it. */
static void
send_rec(int fd, int type, int reason)
{
	struct rpt_record r = { .type = type, .reason = reason };
	unsigned char buf[RPT_SIZE];

	rpt_encode(&r, buf);
	assert_int_equal(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
}

/*
 * The acceptor's verdict on the client a PROXY header named: proceed is
 * SES_OK, a refusal -1; no answer in time is a proxy error; a record of
 * another type, of the wrong size or that does not decode is an error;
 * asked to finish while waiting: shutdown.
 */
static void
test_verdict(void **state)
{
	unsigned char junk[RPT_SIZE];
	int p[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, p), 0);
	ses_report_fd = p[1];
	assert_int_equal(ses_verdict(0), SES_PROXY_ERROR);
	send_rec(p[0], RPT_VERDICT, RPT_PROCEED);
	assert_int_equal(ses_verdict(1), SES_OK);
	send_rec(p[0], RPT_VERDICT, RPT_REFUSE);
	assert_int_equal(ses_verdict(1), -1);
	send_rec(p[0], RPT_CLOSE, SES_EOF);
	assert_int_equal(ses_verdict(1), SES_ERROR);
	assert_int_equal(write(p[0], "no", 2), 2);
	assert_int_equal(ses_verdict(1), SES_ERROR);
	memset(junk, 0, sizeof(junk));
	assert_int_equal(write(p[0], junk, sizeof(junk)), (ssize_t)sizeof(junk));
	assert_int_equal(ses_verdict(1), SES_ERROR);
	/* An answer queued does not outweigh the request to finish. */
	send_rec(p[0], RPT_VERDICT, RPT_PROCEED);
	ses_finishing = 1;
	assert_int_equal(ses_verdict(1), SES_SHUTDOWN);
	ses_finishing = 0;
	close(p[0]);
	close(p[1]);
	ses_report_fd = -1;
}

/*
 * A session behind a PROXY listener: the client of a TCP4 header goes to
 * the acceptor as RPT_PEER (UNKNOWN as RPT_LOCAL, the proxy itself) and
 * its verdict is the answer; a header that is not one is a proxy error
 * (nothing sent); a channel that cannot be written is an error.
 */
static void
test_proxy(void **state)
{
	static const char tcp4[] = "PROXY TCP4 192.0.2.7 198.51.100.1 4711 "
	    "8080\r\n", unknown[] = "PROXY UNKNOWN\r\n";
	struct ses_params par = { .proxy_timeout = 1, .via = "proxy" };
	unsigned char buf[RPT_SIZE + 1];
	struct rpt_record r;
	struct ses_conn c;
	int p[2], cl[2], pp[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, p), 0);
	ses_report_fd = p[1];
	for (int t = 0; t < 3; t++) {
		const char *hdr = t == 0 ? tcp4 : t == 1 ? unknown : "GET /\r\n";

		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, cl), 0);
		c.rfd = c.wfd = cl[1];
		c.report_fd = p[1];
		assert_int_equal(write(cl[0], hdr, strlen(hdr)),
		    (ssize_t)strlen(hdr));
		send_rec(p[0], RPT_VERDICT, t == 0 ? RPT_PROCEED : RPT_REFUSE);
		assert_int_equal(ses_proxy(&c, &par), t == 0 ? SES_OK :
		    t == 1 ? -1 : SES_PROXY_ERROR);
		if (t < 2) {
			assert_int_equal(read(p[0], buf, sizeof(buf)), RPT_SIZE);
			assert_int_equal(rpt_decode(buf, RPT_SIZE, &r), 0);
			assert_int_equal(r.type, t == 0 ? RPT_PEER : RPT_LOCAL);
			if (t == 0) {
				const struct sockaddr_in *sin =
				    (const struct sockaddr_in *)&r.peer;

				assert_int_equal(sin->sin_family, AF_INET);
				assert_int_equal(ntohs(sin->sin_port), 4711);
				assert_int_equal(ntohl(sin->sin_addr.s_addr),
				    0xc0000207);
			}
		} else {
			/* Not sent, so the verdict queued is still there. */
			assert_int_equal(ses_verdict(1), -1);
		}
		close(cl[0]);
		close(cl[1]);
	}
	/* The channel: the read end of a pipe, which cannot be written. */
	assert_int_equal(pipe(pp), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, cl), 0);
	c.rfd = c.wfd = cl[1];
	ses_report_fd = pp[0];
	assert_int_equal(write(cl[0], tcp4, strlen(tcp4)),
	    (ssize_t)strlen(tcp4));
	assert_int_equal(ses_proxy(&c, &par), SES_ERROR);
	close(cl[0]);
	close(cl[1]);
	close(pp[0]);
	close(pp[1]);
	close(p[0]);
	close(p[1]);
	ses_report_fd = -1;
}

/* A non-blocking socket pair, the far end's buffers full to the brim. */
static void
full_pair(int s[2])
{
	static const unsigned char chunk[4096];
	int small = 4096;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, s),
	    0);
	assert_int_equal(setsockopt(s[0], SOL_SOCKET, SO_SNDBUF, &small,
	    sizeof(small)), 0);
	while (write(s[0], chunk, sizeof(chunk)) > 0)
		;
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
}

/*
 * Writing to a client that does not read: the write waits, and the idle
 * deadline (here long passed) ends it; a client gone is a reset (with
 * SIGPIPE ignored, as in a session).  What was written counts.
 */
static void
test_write_all(void **state)
{
	struct ses_params p = params(1, 0);
	static const unsigned char data[] = "hello";
	int64_t now = ses_now_ms(), last = now - 5000;
	void (*old)(int);
	int s[2];

	(void)state;
	full_pair(s);
	ses_rep.out = 0;
	assert_int_equal(ses_write_all(s[0], data, 5, &p, now - 5000, &last),
	    SES_IDLE);
	assert_true(ses_rep.out == 0);
	close(s[1]);
	old = signal(SIGPIPE, SIG_IGN);
	last = now;
	assert_int_equal(ses_write_all(s[0], data, 5, &p, now, &last),
	    SES_RESET);
	signal(SIGPIPE, old);
	close(s[0]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	assert_int_equal(ses_write_all(s[0], data, 5, &p, now, &last), 0);
	assert_true(ses_rep.out == 5);
	assert_true(last >= now);
	close(s[0]);
	close(s[1]);
}

/*
 * One chunk echoed: nothing there yet (non-blocking) is no end, a
 * descriptor that cannot be read is a reset, end of input is EOF.
 */
static void
test_echo(void **state)
{
	struct ses_params p = params(0, 0);
	int64_t now = ses_now_ms(), last = now;
	struct ses_conn c;
	int s[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, s),
	    0);
	c.rfd = c.wfd = s[1];
	c.report_fd = -1;
	assert_int_equal(ses_echo(&c, 10, &p, now, &last), 0);
	shutdown(s[0], SHUT_WR);
	assert_int_equal(ses_echo(&c, 10, &p, now, &last), SES_EOF);
	close(s[0]);
	close(s[1]);
	c.rfd = c.wfd = -1;
	assert_int_equal(ses_echo(&c, 10, &p, now, &last), SES_RESET);
}

/*
 * Asked to finish: what the client already sent is still echoed (case
 * toggled), within the byte limit; its end of input met while draining
 * ends the session with EOF instead.
 */
static void
test_drain(void **state)
{
	char got[16] = "";
	struct ses_params p = params(0, 0);
	struct ses_conn c;
	int s[2];

	(void)state;
	for (int t = 0; t < 3; t++) {
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
		c.rfd = c.wfd = s[1];
		c.report_fd = -1;
		p.max_bytes = t == 1 ? 2 : 0;
		memset(&ses_rep, 0, sizeof(ses_rep));
		assert_int_equal(write(s[0], "abc", 3), 3);
		if (t == 2)
			shutdown(s[0], SHUT_WR);
		ses_finishing = 1;
		assert_int_equal(ses_serve(&c, &p), t == 2 ? SES_EOF :
		    SES_SHUTDOWN);
		ses_finishing = 0;
		memset(got, 0, sizeof(got));
		assert_int_equal(read(s[0], got, sizeof(got)), t == 1 ? 2 : 3);
		assert_string_equal(got, t == 1 ? "AB" : "ABC");
		assert_true(ses_rep.in == (t == 1 ? 2 : 3));
		close(s[0]);
		close(s[1]);
	}
}

/* Is fd closed? */
static int
is_closed(int fd)
{
	return fcntl(fd, F_GETFD) == -1 && errno == EBADF;
}

/*
 * The end of a session: the client's descriptors are closed whatever
 * the reason.  After a clean end a socket gets its FIN (the client reads
 * end of file); a separate output is closed; a "socket" that cannot be
 * shut down (a pipe under -i) is closed all the same.
 */
static void
test_close(void **state)
{
	struct ses_conn c = { .report_fd = -1 };
	char b;
	int s[2], in[2], out[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	c.rfd = c.wfd = s[1];
	ses_close(&c, SES_IDLE);
	assert_true(is_closed(s[1]));
	assert_int_equal(read(s[0], &b, 1), 0);
	close(s[0]);
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	c.rfd = in[0];
	c.wfd = out[1];
	close(in[1]);
	ses_close(&c, SES_TIMEOUT);
	assert_true(is_closed(in[0]) && is_closed(out[1]));
	assert_int_equal(read(out[0], &b, 1), 0);
	close(out[0]);
	assert_int_equal(pipe(in), 0);
	c.rfd = c.wfd = in[0];
	ses_close(&c, SES_SHUTDOWN);
	assert_true(is_closed(in[0]));
	close(in[1]);
}

/*
 * The channel moves to descriptor 0 (the only number a session at
 * RLIMIT_NOFILE 1 could make) unless 0 is taken by the client or is the
 * channel already; a channel that is no descriptor fails.  In a child:
 * descriptor 0 is changed.
 */
static void
test_take_fd0(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		struct ses_conn c = { .rfd = 0, .wfd = 0, .report_fd = 5 };
		int p[2];

		/* 0 taken, whatever the harness left there. */
		if (fcntl(0, F_GETFD) == -1 &&
		    open("/dev/null", O_RDONLY) != 0)
			_exit(7);
		ses_report_fd = 5;
		if (ses_take_fd0(&c) != 0 || ses_report_fd != 5)
			_exit(1);
		c.rfd = 4;
		c.wfd = 0;
		if (ses_take_fd0(&c) != 0 || ses_report_fd != 5)
			_exit(2);
		c.wfd = 4;
		c.report_fd = 0;
		if (ses_take_fd0(&c) != 0 || ses_report_fd != 5)
			_exit(3);
		c.report_fd = 1000;
		if (ses_take_fd0(&c) != -1)
			_exit(4);
		if (pipe(p) == -1 || p[0] == 0)
			_exit(5);
		c.report_fd = p[1];
		if (ses_take_fd0(&c) != 0 || ses_report_fd != 0 ||
		    fcntl(p[1], F_GETFD) != -1 || write(0, "x", 1) != 1)
			_exit(6);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/*
 * TCP_NODELAY and SO_OOBINLINE on a TCP client; a pipe or a Unix socket
 * (under -i) has neither and that is no error; a bad descriptor is.
 */
static void
test_tcp_options(void **state)
{
	int p[2], fd, v = 0;
	socklen_t len = sizeof(v);

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(ses_tcp_options(p[0]), 0);
	close(p[0]);
	close(p[1]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, p), 0);
	assert_int_equal(ses_tcp_options(p[0]), 0);
	close(p[0]);
	close(p[1]);
	assert_int_equal(ses_tcp_options(-1), -1);
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(ses_tcp_options(fd), 0);
	assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
	assert_int_equal(v, 1);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_OOBINLINE, &v, &len), 0);
	assert_int_equal(v, 1);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wait_none),
		cmocka_unit_test(test_wait_nearer),
		cmocka_unit_test(test_wait_idle_passed),
		cmocka_unit_test(test_reason_names),
		cmocka_unit_test(test_close_others),
		cmocka_unit_test(test_receive),
		cmocka_unit_test(test_verdict),
		cmocka_unit_test(test_proxy),
		cmocka_unit_test(test_write_all),
		cmocka_unit_test(test_echo),
		cmocka_unit_test(test_drain),
		cmocka_unit_test(test_close),
		cmocka_unit_test(test_take_fd0),
		cmocka_unit_test(test_tcp_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
