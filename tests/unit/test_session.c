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
	struct cmsghdr *h;
	int fds[3], p[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, p), 0);
	for (int i = 0; i < 3; i++)
		fds[i] = i == 0 ? p[0] : p[1];
	if (nfds > 0) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		h = CMSG_FIRSTHDR(&mh);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(h), fds, (size_t)nfds * sizeof(int));
	}
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
