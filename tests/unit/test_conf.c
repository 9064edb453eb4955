/*
 * test_conf.c - the configuration file: every key, every kind of error
 * with its exact "FILE:LINE: message", the -T dump, and the shipped file.
 *
 * The module is included so the tests can walk its key table: the checks
 * below then cover every key, including keys added later.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "conf.c"

static char tmp_path[] = "/tmp/test_conf.XXXXXX";

/* Every test writes its file to the same temporary path. */
static int
setup(void **state)
{
	int fd = mkstemp(tmp_path);

	(void)state;
	if (fd == -1)
		return -1;
	close(fd);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(tmp_path);
	return 0;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int
load_text(const char *text, struct cfg *c, char *err)
{
	write_file(tmp_path, text);
	err[0] = '\0';
	return cfg_load(tmp_path, c, err, CFG_ERRLEN);
}

static int
is_empty(const struct cfg *c)
{
	static const struct cfg zero;

	return memcmp(c, &zero, sizeof(zero)) == 0;
}

/* text must fail with exactly "TMPFILE:line: msg" and leave cfg empty. */
static void
expect_error(const char *text, int line, const char *msg)
{
	char err[CFG_ERRLEN], want[CFG_ERRLEN];
	struct cfg c;

	memset(&c, 0x5a, sizeof(c));
	if (load_text(text, &c, err) != -1)
		fail_msg("accepted: %s", text);
	snprintf(want, sizeof(want), "%s:%d: %s", tmp_path, line, msg);
	assert_string_equal(err, want);
	assert_true(is_empty(&c));
	cfg_free(&c);		/* safe on the empty result */
}

static void
load_ok(const char *text, struct cfg *c)
{
	char err[CFG_ERRLEN];

	if (load_text(text, c, err) != 0)
		fail_msg("rejected: %s", err);
}

static int
str_equal(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Field by field, the path aside. */
static void
assert_cfg_equal(const struct cfg *a, const struct cfg *b)
{
	size_t i;

	assert_int_equal(a->nlisten, b->nlisten);
	for (i = 0; i < a->nlisten; i++) {
		assert_true(str_equal(a->listen[i].host, b->listen[i].host));
		assert_string_equal(a->listen[i].port, b->listen[i].port);
		assert_int_equal(a->listen[i].proxy_protocol,
		    b->listen[i].proxy_protocol);
		assert_int_equal(a->listen[i].reuse_port, b->listen[i].reuse_port);
	}
	assert_int_equal(a->backlog, b->backlog);
	assert_true(str_equal(a->user, b->user));
	assert_true(str_equal(a->group, b->group));
	assert_true(str_equal(a->pidfile, b->pidfile));
	assert_int_equal(a->max_clients, b->max_clients);
	assert_int_equal(a->max_clients_per_host, b->max_clients_per_host);
	assert_int_equal(a->host_prefix_ipv4, b->host_prefix_ipv4);
	assert_int_equal(a->host_prefix_ipv6, b->host_prefix_ipv6);
	assert_int_equal(a->max_connection_rate, b->max_connection_rate);
	assert_int_equal(a->max_connection_rate_per_host,
	    b->max_connection_rate_per_host);
	assert_int_equal(a->idle_timeout, b->idle_timeout);
	assert_int_equal(a->session_timeout, b->session_timeout);
	assert_int_equal(a->stats_interval, b->stats_interval);
	assert_true(a->max_session_bytes == b->max_session_bytes);
	assert_int_equal(a->nallow, b->nallow);
	if (a->nallow > 0)
		assert_memory_equal(a->allow, b->allow,
		    a->nallow * sizeof(*a->allow));
	assert_int_equal(a->ndeny, b->ndeny);
	if (a->ndeny > 0)
		assert_memory_equal(a->deny, b->deny,
		    a->ndeny * sizeof(*a->deny));
	assert_int_equal(a->ntrusted_proxies, b->ntrusted_proxies);
	if (a->ntrusted_proxies > 0)
		assert_memory_equal(a->trusted_proxies, b->trusted_proxies,
		    a->ntrusted_proxies * sizeof(*a->trusted_proxies));
	assert_int_equal(a->proxy_timeout, b->proxy_timeout);
	assert_int_equal(a->shutdown_timeout, b->shutdown_timeout);
	assert_int_equal(a->log_facility, b->log_facility);
	assert_int_equal(a->log_level, b->log_level);
}

static const char full_text[] =
    "# every key, none at its default\n"
    "listen = (\n"
    "  { host = \"*\"; port = \"http\"; },\n"
    "  { host = \"::1\"; port = 8080; proxy_protocol = true;\n"
    "    reuse_port = true; },\n"
    "  { port = \"1206\"; },\n"
    "  { host = \"localhost\"; }\n"
    ");\n"
    "backlog = 64;\n"
    "user = \"nobody\";\n"
    "group = \"nogroup\";\n"
    "pidfile = \"/run/caseserv.pid\";\n"
    "max_clients = 1000;\n"
    "max_clients_per_host = 0;\n"
    "host_prefix_ipv4 = 24;\n"
    "host_prefix_ipv6 = 56;\n"
    "max_connection_rate = 100;\n"
    "max_connection_rate_per_host = 5;\n"
    "idle_timeout = 0;\n"
    "session_timeout = 3600;\n"
    "max_session_bytes = 10000000000L;\n"
    "allow = [ \"192.0.2.7/24\", \"2001:db8::/32\", \"::ffff:198.51.100.1\" ];\n"
    "deny = ( \"192.0.2.66\" );\n"
    "trusted_proxies = ( \"10.1.2.0/24\", \"2001:db8:1::7\" );\n"
    "proxy_timeout = 3600;\n"
    "shutdown_timeout = 0;\n"
    "log_facility = \"local7\";\n"
    "log_level = \"debug\";\n"
    "stats_interval = 60;\n";

static void
assert_rule(const struct acl_rule *r, const char *text)
{
	char buf[64];

	acl_format(r, buf, sizeof(buf));
	assert_string_equal(buf, text);
}

static void
test_full(void **state)
{
	struct cfg c;

	(void)state;
	load_ok(full_text, &c);
	assert_string_equal(c.path, tmp_path);
	assert_int_equal(c.nlisten, 4);
	assert_null(c.listen[0].host);
	assert_string_equal(c.listen[0].port, "http");
	assert_int_equal(c.listen[0].line, 3);
	assert_string_equal(c.listen[1].host, "::1");
	assert_string_equal(c.listen[1].port, "8080");
	assert_true(c.listen[1].proxy_protocol);
	assert_true(c.listen[1].reuse_port);
	assert_false(c.listen[0].proxy_protocol);
	assert_false(c.listen[0].reuse_port);
	assert_null(c.listen[2].host);
	assert_string_equal(c.listen[2].port, "1206");
	assert_string_equal(c.listen[3].host, "localhost");
	assert_string_equal(c.listen[3].port, "1205");
	assert_int_equal(c.backlog, 64);
	assert_string_equal(c.user, "nobody");
	assert_string_equal(c.group, "nogroup");
	assert_string_equal(c.pidfile, "/run/caseserv.pid");
	assert_int_equal(c.max_clients, 1000);
	assert_int_equal(c.max_clients_per_host, 0);
	assert_int_equal(c.host_prefix_ipv4, 24);
	assert_int_equal(c.host_prefix_ipv6, 56);
	assert_int_equal(c.max_connection_rate, 100);
	assert_int_equal(c.max_connection_rate_per_host, 5);
	assert_int_equal(c.idle_timeout, 0);
	assert_int_equal(c.session_timeout, 3600);
	assert_true(c.max_session_bytes == INT64_C(10000000000));
	assert_int_equal(c.nallow, 3);
	assert_rule(&c.allow[0], "192.0.2.0/24");
	assert_rule(&c.allow[1], "2001:db8::/32");
	assert_rule(&c.allow[2], "198.51.100.1");
	assert_int_equal(c.ndeny, 1);
	assert_rule(&c.deny[0], "192.0.2.66");
	assert_int_equal(c.ntrusted_proxies, 2);
	assert_rule(&c.trusted_proxies[0], "10.1.2.0/24");
	assert_rule(&c.trusted_proxies[1], "2001:db8:1::7");
	assert_int_equal(c.proxy_timeout, 3600);
	assert_int_equal(c.shutdown_timeout, 0);
	assert_int_equal(c.log_facility, LOG_LOCAL7);
	assert_int_equal(c.log_level, LOG_DEBUG);
	assert_int_equal(c.stats_interval, 60);
	cfg_free(&c);
	assert_true(is_empty(&c));
}

static void
assert_defaults(const struct cfg *c)
{
	assert_int_equal(c->nlisten, 1);
	assert_string_equal(c->listen[0].host, "localhost");
	assert_string_equal(c->listen[0].port, "1205");
	assert_false(c->listen[0].proxy_protocol);
	assert_false(c->listen[0].reuse_port);
	assert_int_equal(c->backlog, 128);
	assert_string_equal(c->user, "caseserv");
	assert_null(c->group);
	assert_null(c->pidfile);
	assert_int_equal(c->max_clients, 256);
	assert_int_equal(c->max_clients_per_host, 32);
	assert_int_equal(c->host_prefix_ipv4, 32);
	assert_int_equal(c->host_prefix_ipv6, 64);
	assert_int_equal(c->max_connection_rate, 0);
	assert_int_equal(c->max_connection_rate_per_host, 0);
	assert_int_equal(c->idle_timeout, 300);
	assert_int_equal(c->session_timeout, 0);
	assert_true(c->max_session_bytes == 0);
	assert_int_equal(c->nallow, 0);
	assert_null(c->allow);
	assert_int_equal(c->ndeny, 0);
	assert_null(c->deny);
	assert_int_equal(c->ntrusted_proxies, 0);
	assert_null(c->trusted_proxies);
	assert_int_equal(c->proxy_timeout, 5);
	assert_int_equal(c->shutdown_timeout, 10);
	assert_int_equal(c->log_facility, LOG_DAEMON);
	assert_int_equal(c->log_level, LOG_INFO);
	assert_int_equal(c->stats_interval, 0);
}

static void
test_defaults(void **state)
{
	struct cfg c;

	(void)state;
	load_ok("# nothing set\n", &c);
	assert_defaults(&c);
	cfg_free(&c);
}

/* "" unsets the keys without a default; "*" and no host are the wildcard. */
static void
test_unset_and_wildcard(void **state)
{
	struct cfg c;

	(void)state;
	load_ok("group = \"\";\npidfile = \"\";\n"
	    "listen = ( { host = \"*\"; }, { port = 7; } );\n", &c);
	assert_null(c.group);
	assert_null(c.pidfile);
	assert_null(c.listen[0].host);
	assert_string_equal(c.listen[0].port, "1205");
	assert_null(c.listen[1].host);
	assert_string_equal(c.listen[1].port, "7");
	cfg_free(&c);
}

/* Plain ints, L ints, hex, and plain literals libconfig 1.5 would wrap. */
static void
test_int64(void **state)
{
	struct cfg c;

	(void)state;
	load_ok("max_session_bytes = 1048576;\n", &c);
	assert_true(c.max_session_bytes == 1048576);
	cfg_free(&c);
	load_ok("max_session_bytes = 1048576L;\n", &c);
	assert_true(c.max_session_bytes == 1048576);
	cfg_free(&c);
	load_ok("max_session_bytes = 9223372036854775807L;\n", &c);
	assert_true(c.max_session_bytes == INT64_MAX);
	cfg_free(&c);
	load_ok("max_session_bytes = 10000000000;\n", &c);
	assert_true(c.max_session_bytes == INT64_C(10000000000));
	cfg_free(&c);
	load_ok("max_session_bytes = 0x100000000;\n", &c);
	assert_true(c.max_session_bytes == INT64_C(0x100000000));
	cfg_free(&c);
}

static void
test_unknown_key(void **state)
{
	(void)state;
	expect_error("backlog = 5;\n\nmax_client = 5;\n", 3,
	    "unknown setting 'max_client'");
	expect_error("backlog = 5;\nbacklog_x = { a = 1; };\n", 2,
	    "unknown setting 'backlog_x'");
	expect_error("listen = (\n  { host = \"::1\";\n    hots = \"x\"; }\n);\n",
	    3, "listen: unknown setting 'hots'");
}

static void
test_wrong_types(void **state)
{
	(void)state;
	/* int keys */
	expect_error("\nidle_timeout = \"5\";\n", 2,
	    "idle_timeout: expected an integer");
	expect_error("backlog = 1.5;\n", 1, "backlog: expected an integer");
	expect_error("backlog = true;\n", 1, "backlog: expected an integer");
	expect_error("backlog = ( 1 );\n", 1, "backlog: expected an integer");
	expect_error("max_session_bytes = \"1\";\n", 1,
	    "max_session_bytes: expected an integer");
	/* string keys */
	expect_error("user = 5;\n", 1, "user: expected a string");
	expect_error("pidfile = [ \"/a\" ];\n", 1, "pidfile: expected a string");
	expect_error("log_level = 7;\n", 1, "log_level: expected a string");
	expect_error("log_facility = true;\n", 1,
	    "log_facility: expected a string");
	/* lists */
	expect_error("listen = \"localhost\";\n", 1,
	    "listen: expected a list of groups");
	expect_error("listen = { host = \"a\"; };\n", 1,
	    "listen: expected a list of groups");
	expect_error("listen = (\n  \"localhost\" );\n", 2,
	    "listen: expected a group { host = ...; port = ...; }");
	expect_error("listen = ( { host = 1; } );\n", 1,
	    "listen: host: expected a string");
	expect_error("listen = ( { port = 1.0; } );\n", 1,
	    "listen: port: expected an integer or a service name");
	expect_error("allow = \"10.0.0.0/8\";\n", 1,
	    "allow: expected a list of strings");
	expect_error("deny = ( \"10.0.0.0/8\",\n 5 );\n", 2,
	    "deny: expected a list of strings");
}

/* Every integer key: its bounds pass, one step outside them fails. */
static void
test_ranges_from_table(void **state)
{
	char text[128], msg[256];
	const struct cfg_key *k;
	struct cfg c;

	(void)state;
	for (k = cfg_keys; k < cfg_keys + CFG_NKEYS; k++) {
		if (k->type != KT_INT && k->type != KT_INT64)
			continue;
		snprintf(text, sizeof(text), "%s = %" PRId64 "L;\n", k->name,
		    k->min);
		load_ok(text, &c);
		cfg_free(&c);
		snprintf(text, sizeof(text), "%s = %" PRId64 "L;\n", k->name,
		    k->max);
		load_ok(text, &c);
		cfg_free(&c);
		snprintf(text, sizeof(text), "\n%s = %" PRId64 ";\n", k->name,
		    k->min - 1);
		snprintf(msg, sizeof(msg), "%s: %" PRId64 " is out of range %"
		    PRId64 "..%" PRId64, k->name, k->min - 1, k->min, k->max);
		expect_error(text, 2, msg);
		if (k->max == INT64_MAX)
			continue;
		snprintf(text, sizeof(text), "%s = %" PRId64 ";\n", k->name,
		    k->max + 1);
		snprintf(msg, sizeof(msg), "%s: %" PRId64 " is out of range %"
		    PRId64 "..%" PRId64, k->name, k->max + 1, k->min, k->max);
		expect_error(text, 1, msg);
	}
}

static void
test_ranges_explicit(void **state)
{
	(void)state;
	expect_error("# x\n\nbacklog = 0;\n", 3,
	    "backlog: 0 is out of range 1..65535");
	expect_error("backlog = 65536;\n", 1,
	    "backlog: 65536 is out of range 1..65535");
	expect_error("host_prefix_ipv6 = 129;\n", 1,
	    "host_prefix_ipv6: 129 is out of range 0..128");
	expect_error("idle_timeout = -1;\n", 1,
	    "idle_timeout: -1 is out of range 0..2147483647");
	/* libconfig 1.5 would read these as 128 and -1: still caught. */
	expect_error("backlog = 4294967424;\n", 1,
	    "backlog: 4294967424 is out of range 1..65535");
	expect_error("backlog = 0xFFFFFFFF;\n", 1,
	    "backlog: 4294967295 is out of range 1..65535");
	expect_error("max_session_bytes = 9223372036854775808L;\n", 1,
	    "max_session_bytes: 9223372036854775808 is out of range "
	    "0..9223372036854775807");
	expect_error("max_session_bytes = -1L;\n", 1,
	    "max_session_bytes: -1 is out of range 0..9223372036854775807");
}

/*
 * SPEC gives the rates and timeouts as "int >= 0": any value an int holds,
 * even where libconfig 1.5 would read the literal wrong.
 */
static void
test_large_limits(void **state)
{
	struct cfg c;

	(void)state;
	load_ok("idle_timeout = 40000000;\nsession_timeout = 2147483647;\n"
	    "shutdown_timeout = 86400000;\nmax_connection_rate = 2000000;\n"
	    "max_connection_rate_per_host = 2147483647;\n", &c);
	assert_int_equal(c.idle_timeout, 40000000);
	assert_int_equal(c.session_timeout, INT_MAX);
	assert_int_equal(c.shutdown_timeout, 86400000);
	assert_int_equal(c.max_connection_rate, 2000000);
	assert_int_equal(c.max_connection_rate_per_host, INT_MAX);
	cfg_free(&c);
	expect_error("\nidle_timeout = 2147483648;\n", 2,
	    "idle_timeout: 2147483648 is out of range 0..2147483647");
	/* 2^32 + 300 would read as 300. */
	expect_error("session_timeout = 4294967596;\n", 1,
	    "session_timeout: 4294967596 is out of range 0..2147483647");
	expect_error("max_connection_rate = 0x80000000;\n", 1,
	    "max_connection_rate: 2147483648 is out of range 0..2147483647");
}

/* (b) Literals of any length: leading zeros, and beyond 64 bits. */
static void
test_long_literals(void **state)
{
	struct cfg c;

	(void)state;
	expect_error("max_clients_per_host = "
	    "-99999999999999999999999999999999;\n", 1, "max_clients_per_host: "
	    "-99999999999999999999999999999999 is out of range 0..100000");
	expect_error("backlog = 0000000000000000000000000000004294967424;\n", 1,
	    "backlog: 4294967424 is out of range 1..65535");
	expect_error("backlog = 0x000000000000000000000000000000100000080;\n",
	    1, "backlog: 4294967424 is out of range 1..65535");
	expect_error("max_session_bytes = 18446744073709551616L;\n", 1,
	    "max_session_bytes: 18446744073709551616 is out of range "
	    "0..9223372036854775807");
	expect_error("max_session_bytes = 0xFFFFFFFFFFFFFFFFL;\n", 1,
	    "max_session_bytes: 0xFFFFFFFFFFFFFFFF is out of range "
	    "0..9223372036854775807");
	/* Past 64 characters a message shows the start of the literal. */
	expect_error("backlog = 1000000000000000000000000000000000000000000000"
	    "000000000000000000000000000000;\n", 1, "backlog: 10000000000000000"
	    "00000000000000000000000000000000000000000000000... is out of "
	    "range 1..65535");
	load_ok("backlog = 000000000000000000000000000000000000000064;\n"
	    "max_session_bytes = 0000000000000000000000000010000000000;\n",
	    &c);
	assert_int_equal(c.backlog, 64);
	assert_true(c.max_session_bytes == INT64_C(10000000000));
	cfg_free(&c);
}

/* (c) Each integer is its own literal, wherever it stands in the text. */
static void
test_literal_placement(void **state)
{
	struct cfg c;

	(void)state;
	expect_error("listen = ( { host = \"127.0.0.1\"; port = 4294967297; }, "
	    "{ host = \"::1\"; port = 1; } );\n", 1,
	    "listen: port: 4294967297 is out of range 1..65535");
	expect_error("listen = ( { port = 1; }, { port = 4294967297; } );\n", 1,
	    "listen: port: 4294967297 is out of range 1..65535");
	/* The value on another line than its name: the name's line. */
	expect_error("\nbacklog =\n  4294967424;\n", 2,
	    "backlog: 4294967424 is out of range 1..65535");
	/* Numbers in strings and comments, floats and names are no literals. */
	expect_error("user = \"backlog = 5 \\\" 6\"; /* 7\n 8 */ # 9\n"
	    "// 10\nbacklog = 4294967424; max_clients = 5;\n", 4,
	    "backlog: 4294967424 is out of range 1..65535");
	load_ok("listen = ( { host = \"::1\"; port = 4097; },\n"
	    "  { host = \"x1e5\"; port = 65535; } ); backlog = 1; "
	    "max_session_bytes = 4294967424; max_clients = 0x10;\n", &c);
	assert_string_equal(c.listen[0].port, "4097");
	assert_string_equal(c.listen[1].port, "65535");
	assert_int_equal(c.backlog, 1);
	assert_true(c.max_session_bytes == INT64_C(4294967424));
	assert_int_equal(c.max_clients, 16);
	cfg_free(&c);
}

/* An integer libconfig parsed but the lexer did not see is an error. */
static void
test_unmatched_integer(void **state)
{
	char err[CFG_ERRLEN];
	struct load ld = { .path = "t", .err = err, .errlen = sizeof(err) };
	struct clx_text *t;
	config_t lc;
	int64_t v;

	(void)state;
	write_file(tmp_path, "# no literals\n");
	assert_non_null(t = clx_scan(tmp_path, err, sizeof(err)));
	config_init(&lc);
	assert_int_equal(config_read_string(&lc, "backlog = 5;\n"),
	    CONFIG_TRUE);
	clx_map(t, config_root_setting(&lc));
	assert_int_equal(get_int(&ld, config_lookup(&lc, "backlog"), "backlog",
	    1, 65535, &v), -1);
	assert_string_equal(err, "t:1: backlog: cannot match the integer to "
	    "the file's text (was a file changed while being read?)");
	config_destroy(&lc);
	clx_free(t);
}

/* An @include file next to tmp_path, named by its base name. */
static const char *
write_include(char *path, const char *text)
{
	int fd = mkstemp(path);

	assert_int_not_equal(fd, -1);
	close(fd);
	write_file(path, text);
	return strrchr(path, '/') + 1;
}

static void
expect_error_in(const char *text, const char *file, int line,
    const char *msg)
{
	char err[CFG_ERRLEN], want[CFG_ERRLEN];
	struct cfg c;

	if (load_text(text, &c, err) != -1)
		fail_msg("accepted: %s", text);
	snprintf(want, sizeof(want), "%s:%d: %s", file, line, msg);
	assert_string_equal(err, want);
	assert_true(is_empty(&c));
}

/* (a) Integers in @include files, nested ones too, are read exactly. */
static void
test_include_integers(void **state)
{
	char inc[] = "/tmp/test_conf_inc.XXXXXX", inc2[] =
	    "/tmp/test_conf_inc2.XXXXXX", text[256];
	const char *name, *name2;
	struct cfg c;

	(void)state;
	name = write_include(inc, "# included\nbacklog = 4294967424;\n");
	snprintf(text, sizeof(text), "max_clients = 5;\n@include \"%s\"\n",
	    name);
	expect_error_in(text, name, 2,
	    "backlog: 4294967424 is out of range 1..65535");
	name2 = write_include(inc2, "max_session_bytes = 10000000000;\n"
	    "listen = ( { port = 4294967297; } );\n");
	snprintf(text, sizeof(text), "@include \"%s\"\n", name2);
	write_file(inc, text);
	snprintf(text, sizeof(text), "backlog = 7;\n@include \"%s\"\n", name);
	expect_error_in(text, name2, 2,
	    "listen: port: 4294967297 is out of range 1..65535");
	write_file(inc2, "max_session_bytes = 10000000000;\n");
	load_ok(text, &c);
	assert_int_equal(c.backlog, 7);
	assert_true(c.max_session_bytes == INT64_C(10000000000));
	cfg_free(&c);
	unlink(inc);
	unlink(inc2);
}

/*
 * libconfig 1.5 exits the process on an @include of a directory: a
 * reload would kill the daemon.  Only regular files are included.
 */
static void
test_include_not_regular(void **state)
{
	char dir[] = "/tmp/test_conf_dir.XXXXXX", text[256], fifo[300];
	const char *name;

	(void)state;
	assert_non_null(mkdtemp(dir));
	name = strrchr(dir, '/') + 1;
	snprintf(text, sizeof(text), "backlog = 5;\n@include \"%s\"\n", name);
	expect_error_in(text, name, 0, "cannot open: Is a directory");
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	snprintf(text, sizeof(text), "@include \"%s/fifo\"\n", name);
	snprintf(fifo, sizeof(fifo), "%s/fifo", name);
	expect_error_in(text, fifo, 0, "cannot open: not a regular file");
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	unlink(fifo);
	rmdir(dir);
	/* A missing file is reported at the directive. */
	expect_error("\n@include \"test_conf_no_such_file\"\n", 2,
	    "cannot open include file 'test_conf_no_such_file': No such file "
	    "or directory");
}

/*
 * Issue 13: libconfig parses one text with every @include expanded from
 * the descriptor that was vetted, and opens no file.  By construction:
 * the included file is swapped for a link to /etc/shadow (and then to a
 * file that would be valid) after the scan, where libconfig used to open
 * it by name; neither is read.
 */
static void
test_include_swapped(void **state)
{
	char inc[] = "/tmp/test_conf_inc.XXXXXX", evil[] =
	    "/tmp/test_conf_evil.XXXXXX", text[256], err[CFG_ERRLEN];
	struct load ld = { .path = tmp_path, .err = err, .errlen = sizeof(err) };
	const char *name;
	struct clx_text *t;
	struct cfg c;

	(void)state;
	name = write_include(inc, "backlog = 5;\n");
	(void)write_include(evil, "backlog = 9;\n");
	snprintf(text, sizeof(text), "max_clients = 3;\n@include \"%s\"\n",
	    name);
	write_file(tmp_path, text);
	for (int i = 0; i < 2; i++) {
		assert_non_null(t = clx_scan(tmp_path, err, sizeof(err)));
		assert_null(strstr(clx_source(t), "@include"));
		assert_non_null(strstr(clx_source(t), "backlog = 5;"));
		assert_int_equal(unlink(inc), 0);
		assert_int_equal(symlink(i == 0 ? "/etc/shadow" : evil, inc), 0);
		memset(&c, 0, sizeof(c));
		if (parse(&ld, t, &c) != 0)
			fail_msg("rejected: %s", err);
		assert_int_equal(c.backlog, 5);
		assert_int_equal(c.max_clients, 3);
		cfg_free(&c);
		clx_free(t);
		assert_int_equal(unlink(inc), 0);
		write_file(inc, "backlog = 5;\n");
	}
	unlink(inc);
	unlink(evil);
}

/* FILE:LINE stays right around and inside expanded @include files. */
static void
test_include_lines(void **state)
{
	char inc[] = "/tmp/test_conf_inc.XXXXXX", text[256];
	const char *name;

	(void)state;
	name = write_include(inc, "# one\n# two\n# three\n");
	snprintf(text, sizeof(text), "max_clients = 5;\n@include \"%s\"\n"
	    "backlog = 0;\n", name);
	expect_error(text, 3, "backlog: 0 is out of range 1..65535");
	/* The last line without its newline, then a comment after the
	 * directive: the next line is still the main file's. */
	write_file(inc, "backlog = 5;");
	snprintf(text, sizeof(text), "\n@include \"%s\"  # more\n"
	    "max_clients = 0;\n", name);
	expect_error(text, 3, "max_clients: 0 is out of range 1..100000");
	/* A syntax error in the included file: its name, its line. */
	write_file(inc, "backlog = 5;\n\nfoo bar\n");
	snprintf(text, sizeof(text), "@include \"%s\"\n", name);
	expect_error_in(text, name, 3, "syntax error");
	write_file(inc, "backlog = 5;\nlisten = ( { host = \"\"; } );\n");
	expect_error_in(text, name, 2, "listen: host: must not be empty "
	    "(\"*\" is the wildcard)");
	/* Anything else after the directive would become a line of its own. */
	snprintf(text, sizeof(text), "@include \"%s\" backlog = 3;\n", name);
	expect_error(text, 1, "@include: only a comment may follow on its line");
	expect_error("\n\n@include \"x\n", 3, "unterminated @include");
	unlink(inc);
}

/* However they nest, at most 256 @include files are read. */
static void
test_include_limit(void **state)
{
	char inc[] = "/tmp/test_conf_inc.XXXXXX", line[128], *text;
	const char *name = write_include(inc, "");
	size_t i, len = 0;

	(void)state;
	assert_non_null(text = calloc(300, sizeof(line)));
	for (i = 0; i < 300; i++) {
		snprintf(line, sizeof(line), "@include \"%s\"\n", name);
		memcpy(text + len, line, strlen(line) + 1);
		len += strlen(line);
	}
	expect_error(text, 257, "@include: more than 256 files");
	free(text);
	unlink(inc);
}

/*
 * libconfig 1.5 ends the configuration, silently, at a comment, string or
 * @include name a file leaves open, and carries it on into the including
 * file.  Found by fuzz_conflex (tests/fuzz/corpus/conf/unterminated-*).
 */
static void
test_unterminated(void **state)
{
	char inc[] = "/tmp/test_conf_inc.XXXXXX", text[256];
	const char *name;

	(void)state;
	/* The unclosed comment used to drop the deny list: accepted. */
	expect_error("user = \"nobody\";\n/* deny list:\n"
	    "deny = ( \"192.0.2.0/24\" );\n", 2, "unterminated comment");
	expect_error("backlog = 5;\n\"\nmax_clients = 3;\n", 2,
	    "unterminated string");
	expect_error("backlog = 5;\n@include \"x\n", 2,
	    "unterminated @include");
	/* The string went on into the main file, which lost its last line. */
	name = write_include(inc, "# included\nbacklog = 4294967424;\"\n"
	    "denysession_bytes = 0x7fffffffffffffffL;\n");
	snprintf(text, sizeof(text), "max_clients = 5;\n@include \"%s\"\n"
	    "idle_timeout = 0x10;2147483648\n", name);
	expect_error_in(text, name, 2, "unterminated string");
	/* The name went on too: libconfig would have read /dev/zero. */
	write_file(inc, "@include \"/dev/");
	snprintf(text, sizeof(text), "@include \"%s\"\nzero\"\n", name);
	expect_error_in(text, name, 1, "unterminated @include");
	/* And nothing but a comment may follow a directive on its line. */
	snprintf(text, sizeof(text), "@include \"%s\"zero\"\n", name);
	expect_error(text, 1, "@include: only a comment may follow on its line");
	write_file(inc, "backlog = 5; /* to the end\n");
	snprintf(text, sizeof(text), "@include \"%s\"\nuser = \"x\"; */\n",
	    name);
	expect_error_in(text, name, 1, "unterminated comment");
	unlink(inc);
}

static void
test_strings(void **state)
{
	(void)state;
	expect_error("user = \"\";\n", 1, "user: must not be empty");
	expect_error("pidfile = \"run/caseserv.pid\";\n", 1,
	    "pidfile: 'run/caseserv.pid': not an absolute path");
	expect_error("log_level = \"verbose\";\n", 1, "log_level: 'verbose' "
	    "is not one of error, warning, notice, info, debug");
	expect_error("log_facility = \"kern\";\n", 1, "log_facility: 'kern' "
	    "is not one of daemon, user, local0, local1, local2, local3, "
	    "local4, local5, local6, local7");
	/* Control characters never reach a message. */
	expect_error("log_level = \"a\\nb\\x1b[0m\";\n", 1, "log_level: "
	    "'a?b?[0m' is not one of error, warning, notice, info, debug");
}

static void
test_bad_acl(void **state)
{
	(void)state;
	expect_error("allow = ( \"192.0.2.0/24\",\n  \"192.0.2.0/33\" );\n", 2,
	    "allow: '192.0.2.0/33': not an IP address or CIDR prefix");
	expect_error("\ndeny = [ \"example.com\" ];\n", 2,
	    "deny: 'example.com': not an IP address or CIDR prefix");
	expect_error("deny = ( \"2001:db8::/129\" );\n", 1,
	    "deny: '2001:db8::/129': not an IP address or CIDR prefix");
}

static void
test_bad_listen(void **state)
{
	(void)state;
	expect_error("listen = ( { port = \"no-such-service\"; } );\n", 1,
	    "listen: port: 'no-such-service': unknown TCP service");
	expect_error("listen = (\n { port = 80; },\n { port = 0; } );\n", 3,
	    "listen: port: 0 is out of range 1..65535");
	expect_error("listen = ( { port = 65536; } );\n", 1,
	    "listen: port: 65536 is out of range 1..65535");
	expect_error("listen = ( { port = \"0\"; } );\n", 1,
	    "listen: port: '0' is out of range 1..65535");
	expect_error("listen = ( { port = 4294967297; } );\n", 1,
	    "listen: port: 4294967297 is out of range 1..65535");
	expect_error("listen = ( { host = \"\"; } );\n", 1,
	    "listen: host: must not be empty (\"*\" is the wildcard)");
	expect_error("\nlisten = ();\n", 2,
	    "listen: empty list: nothing to listen on");
	expect_error("listen = [];\n", 1,
	    "listen: empty list: nothing to listen on");
}

/* The PROXY protocol's keys and reuse_port (SPEC section 3). */
static void
test_proxy_keys(void **state)
{
	struct cfg a, b;

	(void)state;
	load_ok("listen = ( { port = 1; reuse_port = true; },\n"
	    "  { port = 2; proxy_protocol = true; reuse_port = false; } );\n"
	    "trusted_proxies = [ \"192.0.2.1\" ];\nproxy_timeout = 1;\n", &a);
	assert_false(a.listen[0].proxy_protocol);
	assert_true(a.listen[0].reuse_port);
	assert_true(a.listen[1].proxy_protocol);
	assert_false(a.listen[1].reuse_port);
	assert_int_equal(a.ntrusted_proxies, 1);
	assert_rule(&a.trusted_proxies[0], "192.0.2.1");
	assert_int_equal(a.proxy_timeout, 1);
	/* A reload compares the flags too (socket activation logs them). */
	load_ok("listen = ( { port = 1; reuse_port = true; },\n"
	    "  { port = 2; proxy_protocol = true; } );\n"
	    "trusted_proxies = [ \"192.0.2.1\" ];\n", &b);
	assert_true(cfg_listen_equal(&a, &b));
	b.listen[0].reuse_port = 0;
	assert_false(cfg_listen_equal(&a, &b));
	b.listen[0].reuse_port = 1;
	b.listen[1].proxy_protocol = 0;
	assert_false(cfg_listen_equal(&a, &b));
	cfg_free(&a);
	cfg_free(&b);
	/* No trusted proxy is fine as long as nobody needs one. */
	load_ok("listen = ( { proxy_protocol = false; } );\n"
	    "trusted_proxies = ();\n", &a);
	cfg_free(&a);

	expect_error("listen = ( { port = 1; },\n"
	    "  { port = 2; proxy_protocol = true; } );\n", 2,
	    "listen: proxy_protocol: trusted_proxies is empty: no proxy may "
	    "send a header");
	expect_error("trusted_proxies = ();\nlisten = (\n"
	    "  { proxy_protocol = true; } );\n", 3,
	    "listen: proxy_protocol: trusted_proxies is empty: no proxy may "
	    "send a header");
	expect_error("listen = ( { proxy_protocol = 1; } );\n", 1,
	    "listen: proxy_protocol: expected true or false");
	expect_error("listen = (\n { reuse_port = \"yes\"; } );\n", 2,
	    "listen: reuse_port: expected true or false");
	expect_error("trusted_proxies = \"10.0.0.1\";\n", 1,
	    "trusted_proxies: expected a list of strings");
	expect_error("trusted_proxies = ( \"10.0.0.1\",\n \"lb.example\" );\n",
	    2, "trusted_proxies: 'lb.example': not an IP address or CIDR prefix");
	expect_error("proxy_timeout = 0;\n", 1,
	    "proxy_timeout: 0 is out of range 1..3600");
	expect_error("proxy_timeout = 3601;\n", 1,
	    "proxy_timeout: 3601 is out of range 1..3600");
	expect_error("proxy_timeout = \"5\";\n", 1,
	    "proxy_timeout: expected an integer");
	expect_error("proxy_timeout = true;\n", 1,
	    "proxy_timeout: expected an integer");
}

static void
test_syntax(void **state)
{
	(void)state;
	expect_error("backlog = 5;\nuser = ;\n", 2, "syntax error");
	expect_error("backlog = 5;\n\nbacklog = 6;\n", 3,
	    "duplicate setting name");
	expect_error("listen = ( { port = 1; port = 2; } );\n", 1,
	    "duplicate setting name");
}

static void
test_cannot_open(void **state)
{
	char err[CFG_ERRLEN];
	struct cfg c;

	(void)state;
	assert_int_equal(cfg_load("/nonexistent/caseserv.conf", &c, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/caseserv.conf:0: cannot open: "
	    "No such file or directory");
	assert_true(is_empty(&c));
	assert_int_equal(cfg_load("/", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "/:0: cannot open: Is a directory");
}

/* dump -> load gives the same configuration. */
static void
roundtrip(const char *text)
{
	char err[CFG_ERRLEN], dump_path[] = "/tmp/test_conf_dump.XXXXXX";
	struct cfg a, b;
	FILE *f;
	int fd;

	load_ok(text, &a);
	assert_int_not_equal(fd = mkstemp(dump_path), -1);
	assert_non_null(f = fdopen(fd, "w"));
	cfg_dump(&a, f);
	assert_int_equal(fclose(f), 0);
	if (cfg_load(dump_path, &b, err, sizeof(err)) != 0)
		fail_msg("dump does not load: %s", err);
	unlink(dump_path);
	assert_cfg_equal(&a, &b);
	cfg_free(&a);
	cfg_free(&b);
}

static void
test_dump_roundtrip(void **state)
{
	(void)state;
	roundtrip(full_text);
	roundtrip("");
	roundtrip("user = \"odd \\\"name\\\" \\\\ \\x01\";\n"
	    "max_session_bytes = 1;\n");
}

/* The dump names every key of the table, in table order. */
static void
test_dump_every_key(void **state)
{
	char *buf = NULL, *p;
	size_t len = 0, i;
	struct cfg c;
	FILE *f;

	(void)state;
	load_ok("", &c);
	assert_non_null(f = open_memstream(&buf, &len));
	cfg_dump(&c, f);
	assert_int_equal(fclose(f), 0);
	for (p = buf, i = 0; i < CFG_NKEYS; i++) {
		char key[64];

		snprintf(key, sizeof(key), "\n%s = ", cfg_keys[i].name);
		if ((p = strstr(p, key)) == NULL)
			fail_msg("dump lacks %s", cfg_keys[i].name);
	}
	assert_non_null(strstr(buf, "listen = (\n  { host = \"localhost\"; "
	    "port = 1205; proxy_protocol = false; reuse_port = false; }\n);\n"));
	assert_non_null(strstr(buf, "\ntrusted_proxies = ();\nproxy_timeout = 5;\n"));
	assert_non_null(strstr(buf, "\ngroup = \"\";\n"));
	free(buf);
	cfg_free(&c);
}

/* etc/caseserv.conf: loads, sets the defaults, and names every key. */
static void
test_shipped_file(void **state)
{
	const char *srcdir = getenv("CASESERV_SRCDIR");
	char path[4096], err[CFG_ERRLEN];
	struct cfg c, d;
	config_t lc;
	size_t i;

	(void)state;
	snprintf(path, sizeof(path), "%s/etc/caseserv.conf",
	    srcdir != NULL ? srcdir : "../..");
	if (access(path, R_OK) != 0) {
		print_message("SKIP: %s not found (set CASESERV_SRCDIR)\n", path);
		skip();
	}
	if (cfg_load(path, &c, err, sizeof(err)) != 0)
		fail_msg("shipped file rejected: %s", err);
	load_ok("", &d);
	assert_cfg_equal(&c, &d);
	assert_defaults(&c);
	config_init(&lc);
	assert_int_equal(config_read_file(&lc, path), CONFIG_TRUE);
	for (i = 0; i < CFG_NKEYS; i++)
		if (config_lookup(&lc, cfg_keys[i].name) == NULL)
			fail_msg("%s does not set %s", path, cfg_keys[i].name);
	config_destroy(&lc);
	cfg_free(&c);
	cfg_free(&d);
}

/* docs/caseserv.conf.5 documents every key of the table (".B key"). */
static void
test_man_page(void **state)
{
	const char *srcdir = getenv("CASESERV_SRCDIR");
	char path[4096], key[80], *buf;
	size_t n, i;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/docs/caseserv.conf.5",
	    srcdir != NULL ? srcdir : "../..");
	if ((f = fopen(path, "r")) == NULL) {
		print_message("SKIP: %s not found (set CASESERV_SRCDIR)\n", path);
		skip();
	}
	assert_non_null(buf = calloc(1, 256 * 1024));
	n = fread(buf, 1, 256 * 1024 - 1, f);
	fclose(f);
	assert_true(n > 0);
	for (i = 0; i < CFG_NKEYS; i++) {
		snprintf(key, sizeof(key), "\n.TP\n.B %s\n", cfg_keys[i].name);
		if (strstr(buf, key) == NULL)
			fail_msg("%s does not document %s", path,
			    cfg_keys[i].name);
	}
	free(buf);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(cfg_level_name(LOG_ERR), "error");
	assert_string_equal(cfg_level_name(LOG_WARNING), "warning");
	assert_string_equal(cfg_level_name(LOG_DEBUG), "debug");
	assert_string_equal(cfg_facility_name(LOG_DAEMON), "daemon");
	assert_string_equal(cfg_facility_name(LOG_LOCAL5), "local5");
	assert_string_equal(cfg_facility_name(LOG_KERN), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_unset_and_wildcard),
		cmocka_unit_test(test_int64),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_ranges_from_table),
		cmocka_unit_test(test_ranges_explicit),
		cmocka_unit_test(test_large_limits),
		cmocka_unit_test(test_long_literals),
		cmocka_unit_test(test_literal_placement),
		cmocka_unit_test(test_unmatched_integer),
		cmocka_unit_test(test_include_integers),
		cmocka_unit_test(test_include_not_regular),
		cmocka_unit_test(test_include_limit),
		cmocka_unit_test(test_unterminated),
		cmocka_unit_test(test_include_swapped),
		cmocka_unit_test(test_include_lines),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_bad_acl),
		cmocka_unit_test(test_bad_listen),
		cmocka_unit_test(test_proxy_keys),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_cannot_open),
		cmocka_unit_test(test_dump_roundtrip),
		cmocka_unit_test(test_dump_every_key),
		cmocka_unit_test(test_shipped_file),
		cmocka_unit_test(test_man_page),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
