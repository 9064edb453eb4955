/*
 * test_wildcard.c - `host = "*"` and an omitted host bind both wildcards,
 * 0.0.0.0 and [::], side by side (IPV6_V6ONLY).
 *
 * A wildcard listener is reachable from every interface, so this test
 * runs in a network namespace of its own (root only: exit 77 otherwise)
 * whose only interface is its loopback.
 */
#include <config.h>

#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../lib/cstest.h"

/* In the new namespace lo exists but is down: bring it up. */
static int
loopback_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

	if (fd == -1)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return rc;
}

static void
wildcard(struct cst_daemon *d, const char *host_line)
{
	char text[256], name[64];

	cst_must_init(d);
	snprintf(text, sizeof(text),
	    "listen = ( { %s port = %d; } );\nuser = \"nobody\";\n",
	    host_line, d->port);
	cst_must_write(d->conf, text);
	cst_must_start(d, cst_binary(0), NULL, NULL, 2);
	snprintf(name, sizeof(name), "listening on 0.0.0.0:%d", d->port);
	assert_int_equal(cst_log_count(d, name), 1);
	snprintf(name, sizeof(name), "listening on [::]:%d", d->port);
	assert_int_equal(cst_log_count(d, name), 1);
	/* Both families are served: neither socket took the other's place. */
	assert_int_equal(cst_echo_once("127.0.0.1", d->port, "Wild v4"), 0);
	assert_int_equal(cst_echo_once("::1", d->port, "Wild v6"), 0);
	/* A v4 peer arrives on the v4 socket, not as ::ffff:127.0.0.1. */
	assert_int_equal(cst_log_wait(d, "open peer=127.0.0.1:", CST_WAIT_MS), 0);
	assert_int_equal(cst_log_count(d, "::ffff:"), 0);
}

/*
 * A reload resolves the wildcard again, under the master's sandbox: glibc
 * then probes the interfaces (a netlink socket) to sort the two results.
 * The master must survive it, keep both sockets and still serve.
 */
static void
test_reload_star(void **state)
{
	struct cst_daemon *d = *state;

	wildcard(d, "host = \"*\";");
	assert_int_equal(cst_signal(d, SIGHUP), 0);
	assert_int_equal(cst_log_wait(d, "reload ok", CST_WAIT_MS), 0);
	assert_true(cst_alive(d));
	assert_int_equal(cst_log_count(d, "listening on "), 2);
	assert_int_equal(cst_echo_once("127.0.0.1", d->port, "after v4"), 0);
	assert_int_equal(cst_echo_once("::1", d->port, "after v6"), 0);
}

static void
test_star(void **state)
{
	wildcard(*state, "host = \"*\";");
}

static void
test_omitted(void **state)
{
	wildcard(*state, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_star, cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_omitted, cst_setup,
		    cst_teardown),
		cmocka_unit_test_setup_teardown(test_reload_star, cst_setup,
		    cst_teardown),
	};

	if (!cst_is_root()) {
		fprintf(stderr, "test_wildcard: needs root for a network namespace\n");
		return 77;
	}
	if (unshare(CLONE_NEWNET) == -1 || loopback_up() == -1) {
		perror("test_wildcard: private network namespace");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
