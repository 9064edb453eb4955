/*
 * test_msg.c - the typed messages between main and the acceptor: a whole
 * configuration across a real SOCK_SEQPACKET pair, and every kind of
 * malformed message refused on receipt (with no descriptor leaked).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "msg.h"

static int sp[2];

static int
setup(void **state)
{
	(void)state;
	return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp);
}

static int
teardown(void **state)
{
	(void)state;
	close(sp[0]);
	close(sp[1]);
	return 0;
}

static void
fill_cfg(struct cfg *c, size_t nallow, size_t ndeny)
{
	memset(c, 0, sizeof(*c));
	c->max_clients = 77;
	c->max_clients_per_host = 5;
	c->host_prefix_ipv4 = 24;
	c->host_prefix_ipv6 = 56;
	c->max_connection_rate = 9;
	c->max_connection_rate_per_host = 3;
	c->idle_timeout = 300;
	c->session_timeout = 60;
	c->max_session_bytes = 5000000000LL;
	c->shutdown_timeout = 10;
	c->log_facility = LOG_LOCAL3;
	c->log_level = LOG_DEBUG;
	c->stats_interval = 30;
	c->proxy_timeout = 7;
	c->ntrusted_proxies = 2;
	c->trusted_proxies = calloc(2, sizeof(*c->trusted_proxies));
	assert_non_null(c->trusted_proxies);
	c->trusted_proxies[0] = (struct acl_rule){ AF_INET, { 127, 0, 0, 1 }, 32 };
	c->trusted_proxies[1] = (struct acl_rule){ AF_INET6, { 0xfd }, 8 };
	c->nallow = nallow;
	c->ndeny = ndeny;
	c->allow = calloc(nallow + 1, sizeof(*c->allow));
	c->deny = calloc(ndeny + 1, sizeof(*c->deny));
	assert_true(c->allow != NULL && c->deny != NULL);
	for (size_t i = 0; i < nallow; i++) {
		c->allow[i].family = AF_INET;
		c->allow[i].addr[0] = 10;
		c->allow[i].addr[3] = (uint8_t)i;
		c->allow[i].bits = 32;
	}
	for (size_t i = 0; i < ndeny; i++) {
		c->deny[i].family = AF_INET6;
		c->deny[i].addr[15] = (uint8_t)i;
		c->deny[i].bits = 128 - (int)(i % 100);
	}
}

/* Receive until the configuration is complete; its result. */
static int
take_all(struct msg_config *mc)
{
	struct msg m;
	int r, rc = 0;

	while (rc == 0) {
		r = msg_recv(sp[1], &m);
		if (r != 1)
			return -2;
		rc = msg_config_take(mc, &m);
		if (m.fd != -1)
			close(m.fd);
	}
	return rc;
}

/* 300 allow and 200 deny rules (several chunks), two listeners. */
static void
config_round_trip(void **state)
{
	struct lsn_set set = { NULL, 0, 0 };
	struct msg_config mc;
	struct lsn l[2];
	struct cfg c;
	int a[2], b[2];

	(void)state;
	fill_cfg(&c, 300, 200);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
	memset(l, 0, sizeof(l));
	l[0].fd = a[0];
	snprintf(l[0].name, sizeof(l[0].name), "127.0.0.1:1205");
	l[1].fd = b[0];
	snprintf(l[1].name, sizeof(l[1].name), "[::1]:1205");
	l[1].proxy_protocol = 1;
	set.v = l;
	set.n = 2;
	assert_int_equal(msg_config_send(sp[0], &c, &set, 250), 0);
	memset(&mc, 0, sizeof(mc));
	assert_int_equal(take_all(&mc), 1);
	assert_int_equal(mc.cfg.max_clients, 77);
	assert_int_equal(mc.cfg.max_clients_per_host, 5);
	assert_int_equal(mc.cfg.host_prefix_ipv4, 24);
	assert_int_equal(mc.cfg.host_prefix_ipv6, 56);
	assert_int_equal(mc.cfg.max_connection_rate, 9);
	assert_int_equal(mc.cfg.max_connection_rate_per_host, 3);
	assert_int_equal(mc.cfg.idle_timeout, 300);
	assert_int_equal(mc.cfg.session_timeout, 60);
	assert_true(mc.cfg.max_session_bytes == 5000000000LL);
	assert_int_equal(mc.cfg.shutdown_timeout, 10);
	assert_int_equal(mc.cfg.log_facility, LOG_LOCAL3);
	assert_int_equal(mc.cfg.log_level, LOG_DEBUG);
	assert_int_equal(mc.cfg.stats_interval, 30);
	assert_int_equal(mc.heartbeat_ms, 250);
	assert_int_equal(mc.cfg.nallow, 300);
	assert_int_equal(mc.cfg.ndeny, 200);
	assert_memory_equal(mc.cfg.allow, c.allow, 300 * sizeof(*c.allow));
	assert_memory_equal(mc.cfg.deny, c.deny, 200 * sizeof(*c.deny));
	assert_int_equal(mc.cfg.proxy_timeout, 7);
	assert_int_equal(mc.cfg.ntrusted_proxies, 2);
	assert_memory_equal(mc.cfg.trusted_proxies, c.trusted_proxies,
	    2 * sizeof(*c.trusted_proxies));
	assert_int_equal(mc.lsn.n, 2);
	assert_string_equal(mc.lsn.v[0].name, "127.0.0.1:1205");
	assert_string_equal(mc.lsn.v[1].name, "[::1]:1205");
	assert_int_equal(mc.lsn.v[0].proxy_protocol, 0);
	assert_int_equal(mc.lsn.v[1].proxy_protocol, 1);
	/* The same sockets: what is written to ours arrives on theirs. */
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(read(mc.lsn.v[0].fd, (char[1]){ 0 }, 1), 1);
	msg_config_free(&mc);
	cfg_free(&c);
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
	}
}

/* Raw bytes as a message, optionally with a descriptor. */
static void
send_raw(const void *buf, size_t len, int fd, int nfds)
{
	union { char buf[CMSG_SPACE(sizeof(int) * 2)]; struct cmsghdr al; } cm;
	struct iovec iov = { (void *)(uintptr_t)buf, len };
	struct msghdr mh;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		int fds[2] = { fd, fd };

		msg_put_fds(&mh, cm.buf, sizeof(cm.buf), fds, (size_t)nfds);
	}
	assert_int_equal(sendmsg(sp[0], &mh, 0), (ssize_t)len);
}

static void
hdr(unsigned char *b, uint16_t type, uint16_t version, uint32_t len)
{
	memcpy(b, &type, 2);
	memcpy(b + 2, &version, 2);
	memcpy(b + 4, &len, 4);
}

/* SECURITY: whatever is malformed is dropped, its descriptor closed. */
static void
malformed_refused(void **state)
{
	unsigned char b[64];
	struct msg m;
	int fd = -1, probe;

	(void)state;
	memset(b, 0, sizeof(b));
	hdr(b, MSG_STATS, 2, 0);			/* version */
	send_raw(b, 8, -1, 0);
	assert_int_equal(msg_recv(sp[1], &m), -2);
	hdr(b, MSG_NTYPES, 1, 0);			/* unknown type */
	send_raw(b, 8, -1, 0);
	assert_int_equal(msg_recv(sp[1], &m), -2);
	hdr(b, 0, 1, 0);				/* type 0 */
	send_raw(b, 8, -1, 0);
	assert_int_equal(msg_recv(sp[1], &m), -2);
	hdr(b, MSG_STATUS, 1, 24);			/* shorter than said */
	send_raw(b, 8 + 16, -1, 0);
	assert_int_equal(msg_recv(sp[1], &m), -2);
	hdr(b, MSG_STATUS, 1, 16);			/* shorter than its type */
	send_raw(b, 8 + 16, -1, 0);
	assert_int_equal(msg_recv(sp[1], &m), -2);
	send_raw(b, 5, -1, 0);				/* no whole header */
	assert_int_equal(msg_recv(sp[1], &m), -2);
	hdr(b, MSG_LOGSOCK, 1, 0);			/* its descriptor missing */
	send_raw(b, 8, -1, 0);
	assert_int_equal(msg_recv(sp[1], &m), -2);
	/* A descriptor where none belongs, two where one does: closed. */
	assert_true((fd = open("/dev/null", O_RDONLY)) != -1);
	hdr(b, MSG_STATS, 1, 0);
	send_raw(b, 8, fd, 1);
	assert_int_equal(msg_recv(sp[1], &m), -2);
	hdr(b, MSG_LOGSOCK, 1, 0);
	send_raw(b, 8, fd, 2);
	assert_int_equal(msg_recv(sp[1], &m), -2);
	/* Nothing left open by the receiver: the next descriptor the
	 * process gets is the one after fd. */
	probe = open("/dev/null", O_RDONLY);
	assert_int_equal(probe, fd + 1);
	close(probe);
	hdr(b, MSG_LOGSOCK, 1, 0);			/* and a good one */
	send_raw(b, 8, fd, 1);
	assert_int_equal(msg_recv(sp[1], &m), 1);
	assert_int_equal(m.type, MSG_LOGSOCK);
	assert_true(m.fd != -1 && m.fd != fd);
	close(m.fd);
	close(fd);
	assert_int_equal(msg_recv(sp[1], &m), 0);	/* nothing waiting */
}

/* A configuration out of order or disagreeing with itself is refused. */
static void
config_refused(void **state)
{
	struct lsn_set none = { NULL, 0, 0 };
	struct msg_config mc;
	struct msg m;
	struct cfg c;
	uint32_t n = 1;

	(void)state;
	/* A commit before any settings. */
	memset(&mc, 0, sizeof(mc));
	assert_int_equal(msg_send(sp[0], MSG_COMMIT, &n, 4, -1, 0), 0);
	assert_int_equal(take_all(&mc), -1);
	msg_config_free(&mc);
	/* Settings out of range: max_clients 0. */
	fill_cfg(&c, 0, 0);
	c.max_clients = 0;
	assert_int_equal(msg_config_send(sp[0], &c, &none, 1000), 0);
	memset(&mc, 0, sizeof(mc));
	assert_int_equal(msg_recv(sp[1], &m), 1);
	assert_int_equal(msg_config_take(&mc, &m), -1);
	assert_int_equal(msg_recv(sp[1], &m), 1);		/* its COMMIT */
	msg_config_free(&mc);
	cfg_free(&c);
	/* A rule of no known family. */
	fill_cfg(&c, 2, 0);
	c.allow[1].family = AF_UNIX;
	assert_int_equal(msg_config_send(sp[0], &c, &none, 1000), 0);
	memset(&mc, 0, sizeof(mc));
	assert_int_equal(take_all(&mc), -1);
	msg_config_free(&mc);
	while (msg_recv(sp[1], &m) == 1)
		;
	/* A commit that counts a listener that never came. */
	c.allow[1].family = AF_INET;
	assert_int_equal(msg_config_send(sp[0], &c, &none, 1000), 0);
	memset(&mc, 0, sizeof(mc));
	assert_int_equal(msg_recv(sp[1], &m), 1);
	assert_int_equal(msg_config_take(&mc, &m), 0);
	assert_int_equal(msg_recv(sp[1], &m), 1);		/* the rules */
	assert_int_equal(msg_config_take(&mc, &m), 0);
	assert_int_equal(msg_recv(sp[1], &m), 1);		/* COMMIT 0 */
	memcpy(m.data, &n, 4);					/* ... says 1 */
	assert_int_equal(msg_config_take(&mc, &m), -1);
	msg_config_free(&mc);
	cfg_free(&c);
}

static void
reports(void **state)
{
	struct msg_status st = { 3, 40, 5 }, got;
	struct msg m;
	long nr;

	(void)state;
	assert_int_equal(msg_status_send(sp[0], &st), 0);
	assert_int_equal(msg_recv(sp[1], &m), 1);
	assert_int_equal(msg_status_take(&m, &got), 0);
	assert_memory_equal(&got, &st, sizeof(st));
	st.active = 1000000;		/* more than max_clients can be */
	assert_int_equal(msg_status_send(sp[0], &st), 0);
	assert_int_equal(msg_recv(sp[1], &m), 1);
	assert_int_equal(msg_status_take(&m, &got), -1);
	msg_violation_send(sp[0], 2);
	assert_int_equal(msg_recv(sp[1], &m), 1);
	assert_int_equal(msg_violation_take(&m, &nr), 0);
	assert_int_equal(nr, 2);
	msg_violation_send(sp[0], 5000);	/* no such call */
	assert_int_equal(msg_recv(sp[1], &m), 1);
	assert_int_equal(msg_violation_take(&m, &nr), -1);
	/* The other end gone: -1. */
	close(sp[0]);
	assert_int_equal(msg_recv(sp[1], &m), -1);
	sp[0] = -1;
}

/* A message as msg_recv() leaves it: type, length, payload. */
static void
mk(struct msg *m, int type, const void *data, size_t len)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->len = len;
	m->fd = -1;
	if (len > 0)
		memcpy(m->data, data, len);
}

/* The SETTINGS record msg_config_send() writes for fill_cfg(c, 2, 1). */
static void
good_settings(struct msg *m)
{
	struct lsn_set none = { NULL, 0, 0 };
	struct cfg c;

	fill_cfg(&c, 2, 1);
	assert_int_equal(msg_config_send(sp[0], &c, &none, 1000), 0);
	assert_int_equal(msg_recv(sp[1], m), 1);
	assert_int_equal(m->type, MSG_SETTINGS);
	while (msg_recv(sp[1], &(struct msg){ 0 }) == 1)
		;
	cfg_free(&c);
}

/* SECURITY: every field of the settings is checked on receipt, at both
 * ends of its range: one field out of range refuses the whole record. */
static void
settings_each_field_checked(void **state)
{
	static const struct { int field; int32_t v; } bad[] = {
		{ 0, 0 }, { 0, 100001 },		/* max_clients */
		{ 1, -1 }, { 1, 100001 },		/* max_clients_per_host */
		{ 2, -1 }, { 2, 33 }, { 3, -1 }, { 3, 129 }, /* host prefixes */
		{ 4, -1 }, { 5, -1 },			/* rates */
		{ 6, -1 }, { 7, -1 }, { 8, -1 },	/* timeouts */
		{ 9, LOG_LOCAL3 | LOG_ERR },		/* a priority, not a facility */
		{ 9, 24 << 3 },				/* no such facility */
		{ 10, LOG_EMERG - 1 }, { 10, LOG_DEBUG + 1 },
		{ 11, -1 },				/* stats_interval */
		{ 12, 0 }, { 12, 60001 },		/* heartbeat */
		{ 13, -1 }, { 13, MSG_ACL_MAX + 1 },	/* rule counts */
		{ 14, -1 }, { 14, MSG_ACL_MAX + 1 },
		{ 15, -1 }, { 15, MSG_ACL_MAX + 1 },
		{ 16, 0 }, { 16, CFG_PROXY_TIMEOUT_MAX + 1 },
		{ 17, 1 },				/* the zero word */
	};
	struct msg_config mc;
	struct msg good, m;
	int64_t bytes = -1;

	(void)state;
	good_settings(&good);
	/* The record itself is fine: what follows fails only by its field. */
	memset(&mc, 0, sizeof(mc));
	assert_int_equal(msg_config_take(&mc, &good), 0);
	assert_int_equal(mc.cfg.nallow, 2);
	assert_int_equal(mc.cfg.ndeny, 1);
	msg_config_free(&mc);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = good;
		memcpy(m.data + 4 * bad[i].field, &bad[i].v, 4);
		memset(&mc, 0, sizeof(mc));
		if (msg_config_take(&mc, &m) != -1)
			fail_msg("field %d = %d accepted", bad[i].field,
			    (int)bad[i].v);
		msg_config_free(&mc);
	}
	m = good;
	memcpy(m.data + 72, &bytes, 8);			/* max_session_bytes */
	memset(&mc, 0, sizeof(mc));
	assert_int_equal(msg_config_take(&mc, &m), -1);
	msg_config_free(&mc);
}

/* One rule chunk: which list, count, then the rules. */
static size_t
acl_chunk(unsigned char *b, uint32_t which, uint32_t count, int32_t fam,
    int32_t bits)
{
	memcpy(b, &which, 4);
	memcpy(b + 4, &count, 4);
	for (uint32_t i = 0; i < count; i++) {
		memcpy(b + 8 + 24 * i, &fam, 4);
		memset(b + 8 + 24 * i + 4, 0, 16);
		memcpy(b + 8 + 24 * i + 20, &bits, 4);
	}
	return 8 + 24 * (size_t)count;
}

/* SECURITY: a rule chunk for no list, of no rules, of a length its count
 * does not explain, with more rules than the settings announced, or with
 * a prefix longer than its family's address is refused. */
static void
acl_chunks_checked(void **state)
{
	static const struct { uint32_t which, count; int32_t fam, bits; } bad[] = {
		{ 3, 1, AF_INET, 32 },		/* no fourth list */
		{ 0, 3, AF_INET, 32 },		/* 2 allow rules announced */
		{ 1, 2, AF_INET6, 128 },	/* 1 deny rule */
		{ 2, 3, AF_INET, 8 },		/* 2 trusted_proxies */
		{ 0, 1, AF_INET, 33 },
		{ 0, 1, AF_INET, -1 },
		{ 1, 1, AF_INET6, 129 },
		{ 1, 1, AF_INET6, -1 },
	};
	unsigned char b[8 + 24 * 4];
	struct msg_config mc;
	struct msg good, m;
	size_t n;

	(void)state;
	good_settings(&good);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&mc, 0, sizeof(mc));
		assert_int_equal(msg_config_take(&mc, &good), 0);
		n = acl_chunk(b, bad[i].which, bad[i].count, bad[i].fam,
		    bad[i].bits);
		mk(&m, MSG_ACL, b, n);
		if (msg_config_take(&mc, &m) != -1)
			fail_msg("chunk %zu accepted", i);
		msg_config_free(&mc);
	}
	/* No rules at all, and a length that disagrees with the count. */
	memset(&mc, 0, sizeof(mc));
	assert_int_equal(msg_config_take(&mc, &good), 0);
	n = acl_chunk(b, 0, 1, AF_INET, 32);
	memset(b + 4, 0, 4);
	mk(&m, MSG_ACL, b, n);
	assert_int_equal(msg_config_take(&mc, &m), -1);
	n = acl_chunk(b, 0, 2, AF_INET, 32);
	mk(&m, MSG_ACL, b, n - 24);
	assert_int_equal(msg_config_take(&mc, &m), -1);
	/* The right rules in the right lists are taken, and a commit that
	 * comes before all of them arrived is refused. */
	mk(&m, MSG_COMMIT, &(uint32_t){ 0 }, 4);
	assert_int_equal(msg_config_take(&mc, &m), -1);		/* allow */
	n = acl_chunk(b, 0, 2, AF_INET, 32);
	mk(&m, MSG_ACL, b, n);
	assert_int_equal(msg_config_take(&mc, &m), 0);
	mk(&m, MSG_COMMIT, &(uint32_t){ 0 }, 4);
	assert_int_equal(msg_config_take(&mc, &m), -1);		/* deny */
	n = acl_chunk(b, 1, 1, AF_INET6, 64);
	mk(&m, MSG_ACL, b, n);
	assert_int_equal(msg_config_take(&mc, &m), 0);
	mk(&m, MSG_COMMIT, &(uint32_t){ 0 }, 4);
	assert_int_equal(msg_config_take(&mc, &m), -1);		/* trusted */
	n = acl_chunk(b, 2, 2, AF_INET6, 8);
	mk(&m, MSG_ACL, b, n);
	assert_int_equal(msg_config_take(&mc, &m), 0);
	assert_int_equal(mc.cfg.deny[0].bits, 64);
	assert_int_equal(mc.cfg.trusted_proxies[1].family, AF_INET6);
	mk(&m, MSG_COMMIT, &(uint32_t){ 0 }, 4);
	assert_int_equal(msg_config_take(&mc, &m), 1);
	msg_config_free(&mc);
}

/* Messages out of their place in a configuration, and listeners that
 * are not well formed. */
static void
config_order_checked(void **state)
{
	unsigned char b[8 + 24], l[68];
	struct msg_config mc;
	struct msg good, m;
	uint32_t proxy = 2;
	int fd;

	(void)state;
	good_settings(&good);
	memset(&mc, 0, sizeof(mc));
	/* Nothing before the settings. */
	mk(&m, MSG_ACL, b, acl_chunk(b, 0, 1, AF_INET, 32));
	assert_int_equal(msg_config_take(&mc, &m), -1);
	memset(l, 0, sizeof(l));
	strcpy((char *)l, "127.0.0.1:1205");
	mk(&m, MSG_LISTENER, l, sizeof(l));
	assert_int_equal(msg_config_take(&mc, &m), -1);
	/* Not a configuration message at all. */
	mk(&m, MSG_STATS, NULL, 0);
	assert_int_equal(msg_config_take(&mc, &m), -1);
	assert_int_equal(msg_config_take(&mc, &good), 0);
	assert_int_equal(msg_config_take(&mc, &m), -1);
	/* Settings twice in one configuration. */
	assert_int_equal(msg_config_take(&mc, &good), -1);
	/* A listener's name without its NUL, a proxy_protocol not 0 or 1:
	 * refused, the descriptor still the caller's. */
	assert_true((fd = open("/dev/null", O_RDONLY)) != -1);
	memset(l, 'a', 64);
	mk(&m, MSG_LISTENER, l, sizeof(l));
	m.fd = fd;
	assert_int_equal(msg_config_take(&mc, &m), -1);
	assert_int_equal(m.fd, fd);
	memset(l, 0, sizeof(l));
	strcpy((char *)l, "[::1]:1205");
	memcpy(l + 64, &proxy, 4);
	mk(&m, MSG_LISTENER, l, sizeof(l));
	m.fd = fd;
	assert_int_equal(msg_config_take(&mc, &m), -1);
	assert_int_equal(m.fd, fd);
	assert_int_equal(mc.lsn.n, 0);
	assert_int_equal(fcntl(fd, F_GETFD), 0);		/* still open */
	close(fd);
	msg_config_free(&mc);
}

/* What main cannot send: an oversized payload, more rules or listeners
 * than a configuration may carry.  Nothing reaches the channel. */
static void
send_limits(void **state)
{
	struct lsn_set none = { NULL, 0, 0 }, many = { NULL, MSG_LSN_MAX + 1, 0 };
	static unsigned char big[MSG_MAXLEN + 1];
	struct msg m;
	struct cfg c;

	(void)state;
	errno = 0;
	assert_int_equal(msg_send(sp[0], MSG_ACL, big, sizeof(big), -1, 0), -1);
	assert_int_equal(errno, EMSGSIZE);
	for (int i = 0; i < 4; i++) {
		fill_cfg(&c, 0, 0);
		if (i == 0)
			c.nallow = MSG_ACL_MAX + 1;
		else if (i == 1)
			c.ndeny = MSG_ACL_MAX + 1;
		else if (i == 2)
			c.ntrusted_proxies = MSG_ACL_MAX + 1;
		errno = 0;
		assert_int_equal(msg_config_send(sp[0], &c, i == 3 ? &many :
		    &none, 1000), -1);
		assert_int_equal(errno, E2BIG);
		c.nallow = c.ndeny = 0;
		c.ntrusted_proxies = 2;
		cfg_free(&c);
	}
	assert_int_equal(msg_recv(sp[1], &m), 0);
}

/* SECURITY: a record longer than any message, or with credentials in
 * its control data, is dropped whole (a descriptor with it closed); a
 * payload longer than its type allows is refused. */
static void
framing_refused(void **state)
{
	static unsigned char b[8 + MSG_MAXLEN + 1];
	int on = 1, fd, probe;
	struct msg m;

	(void)state;
	hdr(b, MSG_ACL, 1, MSG_MAXLEN + 1);		/* truncated */
	send_raw(b, sizeof(b), -1, 0);
	assert_int_equal(msg_recv(sp[1], &m), -2);
	hdr(b, MSG_STATUS, 1, 32);			/* longer than STATUS */
	send_raw(b, 8 + 32, -1, 0);
	assert_int_equal(msg_recv(sp[1], &m), -2);
	/* With SO_PASSCRED every record carries SCM_CREDENTIALS. */
	assert_int_equal(setsockopt(sp[1], SOL_SOCKET, SO_PASSCRED, &on,
	    sizeof(on)), 0);
	assert_int_equal(msg_send(sp[0], MSG_STATS, NULL, 0, -1, 0), 0);
	assert_int_equal(msg_recv(sp[1], &m), -2);
	assert_true((fd = open("/dev/null", O_RDONLY)) != -1);
	assert_int_equal(msg_send(sp[0], MSG_LOGSOCK, NULL, 0, fd, 0), 0);
	assert_int_equal(msg_recv(sp[1], &m), -2);
	assert_int_equal(m.fd, -1);
	probe = open("/dev/null", O_RDONLY);
	assert_int_equal(probe, fd + 1);		/* nothing leaked */
	close(probe);
	/* Not a socket: broken, not "nothing waiting". */
	assert_int_equal(msg_recv(fd, &m), -1);
	/* The other end gone: sending a descriptor fails too. */
	close(sp[1]);
	sp[1] = -1;
	assert_int_equal(msg_send(sp[0], MSG_LOGSOCK, NULL, 0, fd, 0), -1);
	close(fd);
}

/* A report is taken only as its own type. */
static void
reports_typed(void **state)
{
	struct msg_status st;
	struct msg m;
	long nr = -7;

	(void)state;
	mk(&m, MSG_VIOLATION, &(uint32_t){ 2 }, 4);
	assert_int_equal(msg_status_take(&m, &st), -1);
	mk(&m, MSG_STATUS, (uint64_t[3]){ 1, 2, 3 }, 24);
	assert_int_equal(msg_violation_take(&m, &nr), -1);
	assert_int_equal(nr, -7);
}

/* Is fd closed? */
static int
is_closed(int fd)
{
	return fcntl(fd, F_GETFD) == -1 && errno == EBADF;
}

/*
 * msg_take_fd() on control data as a peer could forge it: one
 * descriptor alone is taken; two SCM_RIGHTS headers of one each, a
 * header of another level or type before or after it: refused (-2),
 * with every descriptor that came closed; no control data: -1.
 */
static void
take_fd_forged(void **state)
{
	union {
		char		buf[CMSG_SPACE(sizeof(int)) * 2];
		struct cmsghdr	align;
	} cm;
	struct msghdr mh;
	struct cmsghdr *c;
	int p[2], q[2];

	(void)state;
	for (int t = 0; t < 5; t++) {
		int lv[2] = { SOL_SOCKET, SOL_SOCKET },
		    ty[2] = { SCM_RIGHTS, SCM_RIGHTS }, n = t == 0 ? 1 : 2;

		if (t == 2)
			lv[0] = IPPROTO_IP;
		if (t == 3)
			ty[1] = SCM_CREDENTIALS;
		assert_int_equal(pipe(p), 0);
		assert_int_equal(pipe(q), 0);
		memset(&cm, 0, sizeof(cm));
		memset(&mh, 0, sizeof(mh));
		mh.msg_control = cm.buf;
		mh.msg_controllen = t == 4 ? 0 :
		    CMSG_SPACE(sizeof(int)) * (size_t)n;
		c = CMSG_FIRSTHDR(&mh);
		for (int i = 0; i < n && c != NULL; i++) {
			c->cmsg_level = lv[i];
			c->cmsg_type = ty[i];
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), i == 0 ? &p[0] : &q[0],
			    sizeof(int));
			c = CMSG_NXTHDR(&mh, c);
		}
		if (t == 0) {
			assert_int_equal(msg_take_fd(&mh), p[0]);
			assert_false(is_closed(p[0]));
			close(p[0]);
		} else if (t == 4) {
			assert_int_equal(msg_take_fd(&mh), -1);
			close(p[0]);
		} else {
			assert_int_equal(msg_take_fd(&mh), -2);
			/* The descriptor of a level or type that is not
			 * SCM_RIGHTS never came: not ours to close. */
			assert_int_equal(is_closed(p[0]), t != 2);
			if (t == 2)
				close(p[0]);
		}
		if (t == 1 || t == 2)
			assert_true(is_closed(q[0]));
		else
			close(q[0]);
		close(p[1]);
		close(q[1]);
	}
}

/*
 * msg_put_fds: the descriptors, whole, in one SCM_RIGHTS header that
 * msg_take_fd reads back; a buffer too small for them, or none to send,
 * stops the process (abort) before a byte is written past it.
 */
static void
put_fds_bounds(void **state)
{
	union {
		char		buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	align;
	} cm;
	struct msghdr mh = { 0 };
	int fd = 42, fds[4] = { 1, 2, 3, 4 };

	(void)state;
	msg_put_fds(&mh, cm.buf, sizeof(cm.buf), &fd, 1);
	assert_int_equal(mh.msg_controllen, CMSG_SPACE(sizeof(int)));
	assert_int_equal(CMSG_FIRSTHDR(&mh)->cmsg_len, CMSG_LEN(sizeof(int)));
	assert_int_equal(msg_take_fd(&mh), 42);
	for (int t = 0; t < 2; t++) {
		int status;
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			signal(SIGABRT, SIG_DFL);
			msg_put_fds(&mh, cm.buf, sizeof(cm.buf), fds,
			    t == 0 ? 4 : 0);
			_exit(0);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		assert_int_equal(WTERMSIG(status), SIGABRT);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(config_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(config_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(reports, setup, teardown),
		cmocka_unit_test_setup_teardown(settings_each_field_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(acl_chunks_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(config_order_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(send_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(framing_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(reports_typed, setup, teardown),
		cmocka_unit_test(take_fd_forged),
		cmocka_unit_test(put_fds_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
