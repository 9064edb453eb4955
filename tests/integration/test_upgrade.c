/*
 * test_upgrade.c - reuse_port (SO_REUSEPORT) and the upgrade it allows:
 * a new instance binds the address beside the running one, then the old
 * one stops, and no client sees a refused or reset connection.
 *
 * The upgrade relies on net.ipv4.tcp_migrate_req (Linux 5.14): when the
 * old instance closes its listener, the connections in its accept queue
 * move to the new one instead of being reset.  The test sets it in a
 * network namespace of its own (root only), so the host is not changed;
 * without root only the tests that need no namespace run.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../lib/cstest.h"

#define MIGRATE_SYSCTL	"/proc/sys/net/ipv4/tcp_migrate_req"
#define LOOP_WORKERS	16
#define LOOP_MAX_MS	15000	/* the client loop never runs longer */
#define MSG_LEN		64

static int in_netns;		/* a namespace of our own: sysctls are ours */

struct pair {
	struct cst_daemon a, b;
};

static int
pair_setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));

	*state = p;
	return p == NULL ? -1 : 0;
}

static int
pair_teardown(void **state)
{
	struct pair *p = *state;

	if (p->a.dir[0] != '\0')
		cst_cleanup(&p->a);
	if (p->b.dir[0] != '\0')
		cst_cleanup(&p->b);
	free(p);
	return 0;
}

/* A daemon's directory and a file listening on 127.0.0.1:port. */
static void
conf_on(struct cst_daemon *d, int port, int reuse_port)
{
	char text[512];

	cst_must_init(d);
	if (port != 0)
		d->port = port;
	snprintf(text, sizeof(text),
	    "listen = ( { host = \"127.0.0.1\"; port = %d; reuse_port = %s; } );\n"
	    "user = \"nobody\";\nmax_clients = 1000;\nmax_clients_per_host = 0;\n"
	    "shutdown_timeout = 10;\n", d->port, reuse_port ? "true" : "false");
	cst_must_write(d->conf, text);
}

static int
sessions_served(const struct cst_daemon *d)
{
	return cst_log_count(d, "open peer=");
}

/* ---- reuse_port ------------------------------------------------------- */

static void
test_both_serve(void **state)
{
	struct pair *p = *state;
	int i;

	conf_on(&p->a, 0, 1);
	cst_must_start(&p->a, cst_binary(0), NULL, NULL, 1);
	conf_on(&p->b, p->a.port, 1);
	cst_must_start(&p->b, cst_binary(0), NULL, NULL, 1);
	/* The kernel spreads connections by a hash of the peer's port: 64
	 * connections all landing on one of two is a 2^-63 chance. */
	for (i = 0; i < 64; i++)
		assert_int_equal(cst_echo_once("127.0.0.1", p->a.port,
		    "Both Serve"), 0);
	assert_int_equal(cst_log_wait_n(&p->a, "close peer=", 1, CST_WAIT_MS), 0);
	assert_int_equal(cst_log_wait_n(&p->b, "close peer=", 1, CST_WAIT_MS), 0);
	cst_sleep_ms(200);
	assert_int_equal(sessions_served(&p->a) + sessions_served(&p->b), 64);
	print_message("reuse_port: A served %d, B served %d of 64\n",
	    sessions_served(&p->a), sessions_served(&p->b));
}

/* Without reuse_port on both sides, the second bind fails as ever. */
static void
in_use(struct pair *p, int a_reuse, int b_reuse)
{
	const char *argv[] = { cst_binary(0), "-f", "-e", "-c", p->b.conf, NULL };
	char want[128], *err = NULL;
	int status;

	conf_on(&p->a, 0, a_reuse);
	cst_must_start(&p->a, cst_binary(0), NULL, NULL, 1);
	conf_on(&p->b, p->a.port, b_reuse);
	status = cst_run(p->b.dir, argv, NULL, NULL, &err, CST_WAIT_MS);
	assert_int_equal(cst_exit_code(status), 71);
	snprintf(want, sizeof(want), "bind: 127.0.0.1:%d: Address already in use",
	    p->a.port);
	assert_non_null(err);
	if (strstr(err, want) == NULL)
		fail_msg("expected '%s', got: %s", want, err);
	free(err);
	/* The first one is unharmed. */
	assert_int_equal(cst_echo_once("127.0.0.1", p->a.port, "still here"), 0);
}

static void
test_in_use_without(void **state)
{
	in_use(*state, 0, 0);
}

static void
test_in_use_one_sided(void **state)
{
	struct pair *p = *state;

	in_use(p, 1, 0);
	cst_cleanup(&p->a);
	cst_cleanup(&p->b);
	in_use(p, 0, 1);
}

/* reuse_port counts at bind(): a reload keeps the socket, says restart. */
static void
test_reload_reuse_port(void **state)
{
	struct pair *p = *state;
	char text[512];

	conf_on(&p->a, 0, 0);
	cst_must_start(&p->a, cst_binary(0), NULL, NULL, 1);
	snprintf(text, sizeof(text), "listen = ( { host = \"127.0.0.1\"; "
	    "port = %d; reuse_port = true; } );\nuser = \"nobody\";\n",
	    p->a.port);
	cst_must_write(p->a.conf, text);
	assert_int_equal(cst_signal(&p->a, SIGHUP), 0);
	assert_int_equal(cst_log_wait(&p->a, "reload ok", CST_WAIT_MS), 0);
	assert_int_equal(cst_log_count(&p->a, "a change of reuse_port needs a "
	    "restart"), 1);
	assert_int_equal(cst_log_count(&p->a, "listening on "), 1);
	assert_int_equal(cst_echo_once("127.0.0.1", p->a.port, "kept"), 0);
}

/*
 * proxy_protocol is the listener's, not the socket's: a reload that turns
 * it on for a kept socket applies at once (no new bind), and -t accepts it.
 */
static void
test_reload_proxy_protocol(void **state)
{
	static const char hdr[] = "PROXY TCP4 192.0.2.7 127.0.0.1 5123 1205\r\n";
	struct pair *p = *state;
	const char *argv[] = { cst_binary(0), "-t", "-c", p->a.conf, NULL };
	char text[512], got[16];
	int fd, how;

	conf_on(&p->a, 0, 0);
	cst_must_start(&p->a, cst_binary(0), NULL, NULL, 1);
	snprintf(text, sizeof(text), "listen = ( { host = \"127.0.0.1\"; "
	    "port = %d; proxy_protocol = true; } );\nuser = \"nobody\";\n"
	    "trusted_proxies = ( \"127.0.0.1\" );\n", p->a.port);
	cst_must_write(p->a.conf, text);
	assert_int_equal(cst_exit_code(cst_run(p->a.dir, argv, NULL, NULL, NULL,
	    CST_WAIT_MS)), 0);
	assert_int_equal(cst_signal(&p->a, SIGHUP), 0);
	assert_int_equal(cst_log_wait(&p->a, "reload ok", CST_WAIT_MS), 0);
	assert_int_equal(cst_log_count(&p->a, "listening on "), 1);
	fd = cst_must_connect("127.0.0.1", p->a.port);
	assert_int_equal(cst_send_all(fd, hdr, sizeof(hdr) - 1, CST_WAIT_MS), 0);
	cst_roundtrip(fd, "Kept");
	assert_int_equal(cst_shut_wr(fd), 0);
	assert_int_equal(cst_recv_eof(fd, got, sizeof(got), CST_WAIT_MS, &how), 0);
	close(fd);
	assert_int_equal(cst_log_wait(&p->a, "open peer=192.0.2.7:5123 via=127.0.0.1:",
	    CST_WAIT_MS), 0);
}

/* ---- the upgrade -------------------------------------------------------- */

struct loop {
	int		 port;
	volatile int	 stop;
	pthread_mutex_t	 mu;
	long		 ok, refused, reset, short_reply, other;
	int64_t		 end;
};

/* One short session: 0, or the errno that ended it early. */
static int
one_session(int port, uint64_t seed)
{
	unsigned char out[MSG_LEN], want[MSG_LEN], got[MSG_LEN + 1];
	ssize_t n;
	int fd, how;

	cst_random(out, sizeof(out), seed);
	cst_toggle(out, want, sizeof(out));
	errno = 0;
	if ((fd = cst_connect("127.0.0.1", port, 5000)) == -1)
		return errno != 0 ? errno : EIO;
	if (cst_send_all(fd, out, sizeof(out), 5000) == -1) {
		how = errno;
		close(fd);
		return how;
	}
	errno = 0;
	n = cst_recv_exact(fd, got, sizeof(out), 5000);
	if (n != (ssize_t)sizeof(out)) {
		how = errno == ECONNRESET ? ECONNRESET : EMSGSIZE;
		close(fd);
		return how;
	}
	if (memcmp(got, want, sizeof(want)) != 0 || cst_shut_wr(fd) == -1 ||
	    cst_recv_eof(fd, got, sizeof(got), 5000, &how) != 0 || how != 0) {
		how = how == ECONNRESET ? ECONNRESET : EPROTO;
		close(fd);
		return how;
	}
	close(fd);
	return 0;
}

static void *
loop_worker(void *arg)
{
	struct loop *l = arg;
	uint64_t seed = (uint64_t)pthread_self();

	while (!l->stop && cst_now_ms() < l->end) {
		int rc = one_session(l->port, seed++);

		pthread_mutex_lock(&l->mu);
		if (rc == 0)
			l->ok++;
		else if (rc == ECONNREFUSED)
			l->refused++;
		else if (rc == ECONNRESET || rc == EPIPE)
			l->reset++;
		else if (rc == EMSGSIZE)
			l->short_reply++;
		else
			l->other++;
		pthread_mutex_unlock(&l->mu);
	}
	return NULL;
}

static int
set_migrate(int on)
{
	int fd = open(MIGRATE_SYSCTL, O_WRONLY | O_CLOEXEC), rc;

	if (fd == -1)
		return -1;
	rc = write(fd, on ? "1\n" : "0\n", 2) == 2 ? 0 : -1;
	close(fd);
	return rc;
}

/*
 * A serves with reuse_port while clients connect without a pause; B
 * starts on the same address; A gets SIGTERM.  Every connection must
 * get its bytes back: none refused, none reset, none cut short.
 */
static void
upgrade(struct pair *p, struct loop *l)
{
	pthread_t t[LOOP_WORKERS];
	int i;

	conf_on(&p->a, 0, 1);
	cst_must_start(&p->a, cst_binary(0), NULL, NULL, 1);
	memset(l, 0, sizeof(*l));
	pthread_mutex_init(&l->mu, NULL);
	l->port = p->a.port;
	l->end = cst_now_ms() + LOOP_MAX_MS;
	for (i = 0; i < LOOP_WORKERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, loop_worker, l), 0);
	cst_sleep_ms(700);				/* A alone */
	conf_on(&p->b, p->a.port, 1);
	cst_must_start(&p->b, cst_binary(0), NULL, NULL, 1);
	cst_sleep_ms(700);				/* both */
	assert_int_equal(cst_signal(&p->a, SIGTERM), 0);
	assert_int_equal(cst_exit_code(cst_wait_exit(&p->a, CST_WAIT_MS)), 0);
	cst_sleep_ms(700);				/* B alone */
	l->stop = 1;
	for (i = 0; i < LOOP_WORKERS; i++)
		pthread_join(t[i], NULL);
	print_message("upgrade: %ld connections, A served %d, B served %d; "
	    "refused %ld, reset %ld, short %ld, other %ld\n", l->ok + l->refused + l->reset +
	    l->short_reply + l->other, sessions_served(&p->a),
	    sessions_served(&p->b), l->refused, l->reset, l->short_reply,
	    l->other);
}

static void
test_upgrade(void **state)
{
	struct pair *p = *state;
	struct loop l;

	if (!in_netns || set_migrate(1) == -1) {
		print_message("SKIP: needs root and %s in a namespace of its "
		    "own\n", MIGRATE_SYSCTL);
		skip();
	}
	upgrade(p, &l);
	assert_int_equal(l.refused, 0);
	assert_int_equal(l.reset, 0);
	assert_int_equal(l.short_reply, 0);
	assert_int_equal(l.other, 0);
	/* The loop really ran across the switch, on both instances. */
	assert_true(l.ok >= 100);
	assert_true(sessions_served(&p->a) > 0);
	assert_true(sessions_served(&p->b) > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_both_serve, pair_setup,
		    pair_teardown),
		cmocka_unit_test_setup_teardown(test_in_use_without, pair_setup,
		    pair_teardown),
		cmocka_unit_test_setup_teardown(test_in_use_one_sided,
		    pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_reload_reuse_port,
		    pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_reload_proxy_protocol,
		    pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_upgrade, pair_setup,
		    pair_teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	if (cst_is_root() && unshare(CLONE_NEWNET) == 0) {
		struct ifreq ifr;
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		/* In the new namespace lo exists but is down. */
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
		if (fd != -1 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
			ifr.ifr_flags |= IFF_UP;
			in_netns = ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
		}
		if (fd != -1)
			close(fd);
		if (!in_netns) {
			perror("test_upgrade: loopback in a private namespace");
			return 99;
		}
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
