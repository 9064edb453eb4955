/*
 * test_proxy.c - the PROXY protocol end to end (SPEC sections 3 and 7):
 * the test is the proxy.  It connects from 127.0.0.1 (the one trusted
 * proxy), writes a v1 or v2 header naming a client, then the client's
 * bytes, and checks that only those come back toggled, that the log names
 * the client with `via=` the proxy, and that allow/deny and the per-host
 * limit see the client, not the proxy.  A peer outside trusted_proxies, a
 * malformed or a missing header, and a session that lies to the acceptor
 * (the test daemon's hooks) are each closed without a byte served.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../lib/cstest.h"

#define CLIENT4		"192.0.2.7"
#define CLIENT6		"2001:db8::7"
#define V1(client, port) \
	"PROXY TCP4 " client " 127.0.0.1 " port " 1205\r\n"

static const unsigned char v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

/*
 * Listeners on 127.0.0.1 and ::1, both proxy_protocol, with only
 * 127.0.0.1 trusted (so a connection from ::1 is an untrusted peer).
 */
static void
start(struct cst_daemon *d, const char *binary, const char *extra,
    const char *const *env)
{
	char text[4096];

	cst_must_init(d);
	snprintf(text, sizeof(text),
	    "listen = ( { host = \"127.0.0.1\"; port = %d; proxy_protocol = true; },\n"
	    "           { host = \"::1\"; port = %d; proxy_protocol = true; } );\n"
	    "user = \"nobody\";\ntrusted_proxies = ( \"127.0.0.1\" );\n%s\n",
	    d->port, d->port, extra != NULL ? extra : "");
	cst_must_write(d->conf, text);
	cst_must_start(d, binary, NULL, env, 2);
}

/* A v2 header: command (0x20 LOCAL, 0x21 PROXY), family byte, body. */
static size_t
v2(unsigned char *buf, unsigned char cmd, unsigned char fam,
    const void *body, size_t len)
{
	memcpy(buf, v2_sig, 12);
	buf[12] = cmd;
	buf[13] = fam;
	buf[14] = (unsigned char)(len >> 8);
	buf[15] = (unsigned char)len;
	if (len > 0)
		memcpy(buf + 16, body, len);
	return 16 + len;
}

/* Connect as the proxy and send hdr; the connection, *via its name. */
static int
proxy(struct cst_daemon *d, const void *hdr, size_t len, char *via,
    size_t vialen)
{
	int fd = cst_must_connect("127.0.0.1", d->port);

	snprintf(via, vialen, "127.0.0.1:%d", cst_local_port(fd));
	assert_int_equal(cst_send_all(fd, hdr, len, CST_WAIT_MS), 0);
	return fd;
}

/* Served: text comes back toggled, then end of file after ours. */
static void
served(int fd, const char *text)
{
	char got[64];
	int how;

	cst_roundtrip(fd, text);
	assert_int_equal(cst_shut_wr(fd), 0);
	assert_int_equal(cst_recv_eof(fd, got, sizeof(got), CST_WAIT_MS, &how), 0);
	assert_int_equal(how, 0);
	close(fd);
}

/* Not served: the connection ends and not one byte comes back. */
static void
not_served(int fd)
{
	char got[64];
	int how;

	(void)cst_send_all(fd, "client bytes", 12, CST_WAIT_MS);
	assert_int_equal(cst_recv_eof(fd, got, sizeof(got), CST_WAIT_MS, &how), 0);
	assert_true(how == 0 || how == ECONNRESET);
	close(fd);
}

/* "open peer=PEER via=VIA" logged; its close line into line. */
static void
logged(struct cst_daemon *d, const char *peer, const char *via, char *line,
    size_t len)
{
	char needle[256];

	snprintf(needle, sizeof(needle), "open peer=%s via=%s pid=", peer, via);
	assert_int_equal(cst_log_wait(d, needle, CST_WAIT_MS), 0);
	snprintf(needle, sizeof(needle), "close peer=%s via=%s pid=", peer, via);
	assert_int_equal(cst_log_line(d, needle, 1, line, len, CST_WAIT_MS), 0);
}

/* v1: the header is not echoed, the bytes after it are; the log names
 * the client and the proxy. */
static void
test_v1(void **state)
{
	struct cst_daemon *d = *state;
	static const char hdr[] = V1(CLIENT4, "5123") "Hello, World";
	char via[64], line[512];
	int fd;

	start(d, cst_binary(0), NULL, NULL);
	/* Header and data in one segment: the data stays the client's. */
	fd = proxy(d, hdr, sizeof(hdr) - 1, via, sizeof(via));
	assert_int_equal(cst_recv_exact(fd, line, 12, CST_WAIT_MS), 12);
	assert_memory_equal(line, "hELLO, wORLD", 12);
	served(fd, "more");
	logged(d, CLIENT4 ":5123", via, line, sizeof(line));
	assert_int_equal(cst_field_num(line, "in"), 16);
	assert_int_equal(cst_field_num(line, "out"), 16);
	assert_non_null(strstr(line, "reason=eof"));
}

/* v2 TCP6 with TLVs after the addresses: parsed past them. */
static void
test_v2_tlvs(void **state)
{
	struct cst_daemon *d = *state;
	unsigned char body[64], hdr[128];
	char via[64], line[512];
	size_t n;
	int fd;

	memset(body, 0, sizeof(body));
	assert_int_equal(inet_pton(AF_INET6, CLIENT6, body), 1);
	body[31] = 1;				/* dst ::1 */
	body[32] = 5123 >> 8;
	body[33] = 5123 & 0xff;
	body[34] = 1205 >> 8;
	body[35] = 1205 & 0xff;
	n = 36;
	memcpy(body + n, "\x01\x00\x02h2", 5);	/* ALPN "h2" */
	n += 5;
	memcpy(body + n, "\x04\x00\x03xyz", 6);	/* NOOP */
	n += 6;
	start(d, cst_binary(0), NULL, NULL);
	fd = proxy(d, hdr, v2(hdr, 0x21, 0x21, body, n), via, sizeof(via));
	served(fd, "TLVs Skipped");
	logged(d, "[" CLIENT6 "]:5123", via, line, sizeof(line));
	assert_int_equal(cst_field_num(line, "in"), 12);
}

/* v2 LOCAL (a health check) and v1 UNKNOWN: the proxy is the client. */
static void
test_local(void **state)
{
	struct cst_daemon *d = *state;
	static const char unknown[] = "PROXY UNKNOWN\r\n";
	unsigned char hdr[32];
	char via[64], line[512];
	int fd;

	start(d, cst_binary(0), NULL, NULL);
	fd = proxy(d, hdr, v2(hdr, 0x20, 0x00, NULL, 0), via, sizeof(via));
	served(fd, "health");
	logged(d, via, via, line, sizeof(line));
	fd = proxy(d, unknown, sizeof(unknown) - 1, via, sizeof(via));
	served(fd, "unknown");
	logged(d, via, via, line, sizeof(line));
}

/* deny names the client: refused through the proxy, nothing served. */
static void
test_deny(void **state)
{
	struct cst_daemon *d = *state;
	static const char hdr[] = V1(CLIENT4, "5123");
	static const char other[] = V1("192.0.2.8", "5124");
	char via[64], needle[256], line[512];
	int fd;

	start(d, cst_binary(0), "deny = ( \"" CLIENT4 "\" );", NULL);
	fd = proxy(d, hdr, sizeof(hdr) - 1, via, sizeof(via));
	not_served(fd);
	snprintf(needle, sizeof(needle), "refused peer=" CLIENT4 ":5123 via=%s "
	    "reason=acl", via);
	assert_int_equal(cst_log_wait(d, needle, CST_WAIT_MS), 0);
	/* The proxy itself is not denied: another client is served. */
	fd = proxy(d, other, sizeof(other) - 1, via, sizeof(via));
	served(fd, "other");
	logged(d, "192.0.2.8:5124", via, line, sizeof(line));
	assert_int_equal(cst_log_count(d, "open peer=" CLIENT4), 0);
	assert_int_equal(cst_log_count(d, "close peer=" CLIENT4), 0);
}

/* max_clients_per_host counts the client the header names. */
static void
test_per_host(void **state)
{
	struct cst_daemon *d = *state;
	static const char a[] = V1(CLIENT4, "5001");
	static const char same[] = V1(CLIENT4, "5002");
	static const char other[] = V1("192.0.2.8", "5003");
	char via[64], needle[256], line[512];
	int held, fd;

	start(d, cst_binary(0), "max_clients_per_host = 1;", NULL);
	held = proxy(d, a, sizeof(a) - 1, via, sizeof(via));
	cst_roundtrip(held, "held");
	fd = proxy(d, same, sizeof(same) - 1, via, sizeof(via));
	not_served(fd);
	snprintf(needle, sizeof(needle), "refused peer=" CLIENT4 ":5002 via=%s "
	    "reason=max_clients_per_host", via);
	assert_int_equal(cst_log_wait(d, needle, CST_WAIT_MS), 0);
	/* Same proxy, another client: served while the first is held. */
	fd = proxy(d, other, sizeof(other) - 1, via, sizeof(via));
	served(fd, "other");
	logged(d, "192.0.2.8:5003", via, line, sizeof(line));
	served(held, "done");
	/* Its slot is free again once it closed. */
	assert_int_equal(cst_log_wait(d, "close peer=" CLIENT4 ":5001", CST_WAIT_MS), 0);
	fd = proxy(d, same, sizeof(same) - 1, via, sizeof(via));
	served(fd, "again");
}

/* A peer outside trusted_proxies: closed at once, before a byte is read,
 * and counted. */
static void
test_untrusted(void **state)
{
	struct cst_daemon *d = *state;
	static const char hdr[] = V1(CLIENT4, "5123");
	char needle[256], line[1024];
	int fd;

	start(d, cst_binary(0), NULL, NULL);
	fd = cst_must_connect("::1", d->port);
	snprintf(needle, sizeof(needle), "refused peer=[::1]:%d "
	    "reason=untrusted_proxy", cst_local_port(fd));
	(void)cst_send_all(fd, hdr, sizeof(hdr) - 1, CST_WAIT_MS);
	not_served(fd);
	assert_int_equal(cst_log_wait(d, needle, CST_WAIT_MS), 0);
	assert_int_equal(cst_log_count(d, "open peer="), 0);
	assert_int_equal(cst_signal(d, SIGUSR1), 0);
	assert_int_equal(cst_log_line(d, ": stats ", 1, line, sizeof(line),
	    CST_WAIT_MS), 0);
	assert_int_equal(cst_field_num(line, "refused_untrusted_proxy"), 1);
	assert_int_equal(cst_field_num(line, "refused"), 1);
	assert_int_equal(cst_field_num(line, "accepted"), 0);
}

/* No valid header: proxy_error, and the bytes are never served. */
static void
test_malformed(void **state)
{
	struct cst_daemon *d = *state;
	static const char bad[] = "PROXY TCP4 192.0.2.700 127.0.0.1 1 2\r\nhi";
	static const char http[] = "GET / HTTP/1.0\r\n\r\n";
	char via[64], needle[256];
	int fd;

	start(d, cst_binary(0), NULL, NULL);
	fd = proxy(d, bad, sizeof(bad) - 1, via, sizeof(via));
	not_served(fd);
	snprintf(needle, sizeof(needle), "close peer=%s pid=", via);
	assert_int_equal(cst_log_wait(d, needle, CST_WAIT_MS), 0);
	fd = proxy(d, http, sizeof(http) - 1, via, sizeof(via));
	not_served(fd);
	assert_int_equal(cst_log_wait_n(d, "in=0 out=0", 2, CST_WAIT_MS), 0);
	assert_int_equal(cst_log_count(d, "reason=proxy_error"), 2);
	assert_int_equal(cst_log_count(d, "open peer="), 0);
}

/* proxy_timeout = 1 and nothing sent: closed after about a second. */
static void
test_slow(void **state)
{
	struct cst_daemon *d = *state;
	char via[64], needle[256], got[8];
	int64_t t0;
	int fd, how;

	start(d, cst_binary(0), "proxy_timeout = 1;", NULL);
	t0 = cst_now_ms();
	fd = proxy(d, "PROXY TCP4 ", 11, via, sizeof(via));	/* then silence */
	assert_int_equal(cst_recv_eof(fd, got, sizeof(got), CST_WAIT_MS, &how), 0);
	assert_true(how == 0 || how == ECONNRESET);
	print_message("closed after %lld ms\n", (long long)(cst_now_ms() - t0));
	assert_true(cst_now_ms() - t0 >= 900);
	close(fd);
	snprintf(needle, sizeof(needle), "close peer=%s pid=", via);
	assert_int_equal(cst_log_wait(d, needle, CST_WAIT_MS), 0);
	assert_int_equal(cst_log_count(d, "reason=proxy_error"), 1);
}

/*
 * A compromised session (the test daemon's hook, for a header naming
 * port 6666) sends what it likes to the acceptor: it ends with
 * proxy_error (or, having sent two names, error), and a session that is
 * being served meanwhile, and one that comes after, are untouched.
 */
static void
liar(void **state, const char *what, const char *reason)
{
	struct cst_daemon *d = *state;
	static const char honest[] = V1(CLIENT4, "5123");
	static const char lying[] = V1("192.0.2.66", "6666");
	char env[128], via[64], lvia[64], line[512];
	const char *envv[] = { env, NULL };
	int before, fd, after;

	snprintf(env, sizeof(env), "CASESERV_TEST_SESSION_ATTACK=%s", what);
	start(d, cst_binary(1), "proxy_timeout = 1;", envv);
	before = proxy(d, honest, sizeof(honest) - 1, via, sizeof(via));
	cst_roundtrip(before, "honest before");
	fd = proxy(d, lying, sizeof(lying) - 1, lvia, sizeof(lvia));
	if (strcmp(what, "proxy_twice") == 0)
		served(fd, "twice");
	else
		not_served(fd);
	served(before, "and done");
	logged(d, CLIENT4 ":5123", via, line, sizeof(line));
	assert_int_equal(cst_field_num(line, "in"), 13 + 8);
	after = proxy(d, honest, sizeof(honest) - 1, via, sizeof(via));
	served(after, "honest after");
	assert_int_equal(cst_log_wait_n(d, "close peer=" CLIENT4 ":5123 via=", 2,
	    CST_WAIT_MS), 0);
	assert_int_equal(cst_log_wait(d, reason, CST_WAIT_MS), 0);
	assert_int_equal(cst_log_count(d, "reason=error"),
	    strcmp(what, "proxy_twice") == 0);
	assert_true(cst_alive(d));
}

static void
test_liar_garbage(void **state)
{
	liar(state, "proxy_garbage", "reason=proxy_error");
}

/* Silent and deaf to its own timeout: the acceptor's deadline ends it. */
static void
test_liar_silent(void **state)
{
	liar(state, "proxy_silent", "reason=proxy_error");
}

/* Two names: the first is answered, the second spoils its own record. */
static void
test_liar_twice(void **state)
{
	liar(state, "proxy_twice", "not one valid record");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_v1, cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_v2_tlvs, cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_local, cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_deny, cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_per_host, cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_untrusted, cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_malformed, cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_slow, cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_liar_garbage, cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_liar_silent, cst_setup, cst_teardown),
		cmocka_unit_test_setup_teardown(test_liar_twice, cst_setup, cst_teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
