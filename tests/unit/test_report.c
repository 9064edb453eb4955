/*
 * test_report.c - the session's report: what rpt_encode() writes,
 * rpt_decode() reads back; anything else is refused.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "report.h"
#include "session.h"

static const struct rpt_record close_rec = {
	.type = RPT_CLOSE, .reason = SES_IDLE, .in = 1234567890123ULL,
	.out = UINT64_MAX,
};
static const struct rpt_record sandbox_rec = {
	.type = RPT_SANDBOX, .reason = SES_SANDBOX, .sysno = 257, .in = 3,
	.out = 2,
};

static void
assert_same(const struct rpt_record *a, const struct rpt_record *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->reason, b->reason);
	assert_int_equal(a->sysno, b->sysno);
	assert_true(a->in == b->in);
	assert_true(a->out == b->out);
}

static void
test_round_trip(void **state)
{
	unsigned char buf[RPT_SIZE];
	struct rpt_record got;

	(void)state;
	rpt_encode(&close_rec, buf);
	assert_int_equal(rpt_decode(buf, sizeof(buf), &got), 0);
	assert_same(&got, &close_rec);
	rpt_encode(&sandbox_rec, buf);
	assert_int_equal(rpt_decode(buf, sizeof(buf), &got), 0);
	assert_same(&got, &sandbox_rec);
	/* Every reason a close can carry. */
	for (int r = SES_OK + 1; r < SES_NREASONS; r++) {
		struct rpt_record rec = close_rec;

		if (r == SES_SANDBOX)
			continue;
		rec.reason = r;
		rpt_encode(&rec, buf);
		assert_int_equal(rpt_decode(buf, sizeof(buf), &got), 0);
		assert_same(&got, &rec);
	}
}

/* Not exactly one record: too short, too long, empty, none. */
static void
test_length(void **state)
{
	unsigned char buf[RPT_SIZE + 8];
	struct rpt_record got;

	(void)state;
	memset(buf, 0, sizeof(buf));
	rpt_encode(&close_rec, buf);
	for (size_t len = 0; len < sizeof(buf); len++)
		if (len != RPT_SIZE)
			assert_int_equal(rpt_decode(buf, len, &got), -1);
	assert_int_equal(rpt_decode(NULL, RPT_SIZE, &got), -1);
}

/* The record, with the uint32 or uint16 at off replaced by v. */
static int
decode_patched(const struct rpt_record *r, size_t off, size_t size,
    uint32_t v)
{
	unsigned char buf[RPT_SIZE];
	struct rpt_record got;
	uint16_t v16 = (uint16_t)v;

	rpt_encode(r, buf);
	if (size == 2)
		memcpy(buf + off, &v16, 2);
	else
		memcpy(buf + off, &v, 4);
	return rpt_decode(buf, sizeof(buf), &got);
}

static void
test_header(void **state)
{
	(void)state;
	/* Magic, one bit or byte off; version 0, 2, all ones. */
	assert_int_equal(decode_patched(&close_rec, 0, 4, 0), -1);
	assert_int_equal(decode_patched(&close_rec, 0, 4, RPT_MAGIC ^ 1), -1);
	assert_int_equal(decode_patched(&close_rec, 0, 4,
	    __builtin_bswap32(RPT_MAGIC)), -1);
	assert_int_equal(decode_patched(&close_rec, 4, 2, 0), -1);
	assert_int_equal(decode_patched(&close_rec, 4, 2, RPT_VERSION + 1), -1);
	assert_int_equal(decode_patched(&close_rec, 4, 2, 0xffff), -1);
	/* The patch itself is harmless: the right values decode. */
	assert_int_equal(decode_patched(&close_rec, 0, 4, RPT_MAGIC), 0);
	assert_int_equal(decode_patched(&close_rec, 4, 2, RPT_VERSION), 0);
}

static void
test_type(void **state)
{
	(void)state;
	assert_int_equal(decode_patched(&close_rec, 6, 2, 0), -1);
	assert_int_equal(decode_patched(&close_rec, 6, 2, RPT_NTYPES), -1);
	assert_int_equal(decode_patched(&close_rec, 6, 2, 0xffff), -1);
	/* A type whose reason does not fit it. */
	assert_int_equal(decode_patched(&close_rec, 6, 2, RPT_SANDBOX), -1);
	assert_int_equal(decode_patched(&sandbox_rec, 6, 2, RPT_CLOSE), -1);
}

static void
test_reason(void **state)
{
	(void)state;
	assert_int_equal(decode_patched(&close_rec, 8, 4, SES_OK), -1);
	assert_int_equal(decode_patched(&close_rec, 8, 4, SES_NREASONS), -1);
	assert_int_equal(decode_patched(&close_rec, 8, 4, (uint32_t)-1), -1);
	assert_int_equal(decode_patched(&close_rec, 8, 4, SES_SANDBOX), -1);
	assert_int_equal(decode_patched(&sandbox_rec, 8, 4, SES_EOF), -1);
}

static void
test_sysno(void **state)
{
	(void)state;
	assert_int_equal(decode_patched(&sandbox_rec, 12, 4, 0), 0);
	assert_int_equal(decode_patched(&sandbox_rec, 12, 4,
	    RPT_SYSNO_MAX - 1), 0);
	assert_int_equal(decode_patched(&sandbox_rec, 12, 4, RPT_SYSNO_MAX),
	    -1);
	assert_int_equal(decode_patched(&sandbox_rec, 12, 4, (uint32_t)-1),
	    -1);
	assert_int_equal(decode_patched(&sandbox_rec, 12, 4, 0x40000000u |
	    257), -1);
	/* A close names no system call. */
	assert_int_equal(decode_patched(&close_rec, 12, 4, 1), -1);
}

/* ---- the client's name and the verdict (PROXY protocol) ---------------- */

static struct rpt_record
peer4(void)
{
	struct rpt_record r = { .type = RPT_PEER };
	struct sockaddr_in *sin = (struct sockaddr_in *)&r.peer;

	sin->sin_family = AF_INET;
	sin->sin_port = htons(5123);
	assert_int_equal(inet_pton(AF_INET, "192.0.2.7", &sin->sin_addr), 1);
	return r;
}

static struct rpt_record
peer6(void)
{
	struct rpt_record r = { .type = RPT_PEER };
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&r.peer;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(443);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::7", &sin6->sin6_addr), 1);
	return r;
}

/* Both families come back as they went, port and address. */
static void
test_peer_round_trip(void **state)
{
	const struct rpt_record in[2] = { peer4(), peer6() };
	unsigned char buf[RPT_SIZE];
	struct rpt_record got;

	(void)state;
	for (int i = 0; i < 2; i++) {
		rpt_encode(&in[i], buf);
		assert_int_equal(rpt_decode(buf, sizeof(buf), &got), 0);
		assert_int_equal(got.type, RPT_PEER);
		assert_memory_equal(&got.peer, &in[i].peer, sizeof(got.peer));
		assert_true(got.in == 0 && got.out == 0 && got.reason == 0);
	}
}

/* SECURITY: only the two families, each of exactly its length, nothing
 * in the bytes they do not use. */
static void
test_peer_refused(void **state)
{
	struct rpt_record r4 = peer4(), r6 = peer6();

	(void)state;
	assert_int_equal(decode_patched(&r4, 8, 2, AF_UNIX), -1);
	assert_int_equal(decode_patched(&r4, 8, 2, AF_UNSPEC), -1);
	assert_int_equal(decode_patched(&r4, 8, 2, AF_INET6), -1);	/* len 4 */
	assert_int_equal(decode_patched(&r4, 10, 2, 16), -1);
	assert_int_equal(decode_patched(&r4, 10, 2, 0), -1);
	assert_int_equal(decode_patched(&r4, 14, 2, 1), -1);		/* pad */
	assert_int_equal(decode_patched(&r4, 20, 4, 1), -1);		/* past v4 */
	assert_int_equal(decode_patched(&r4, 28, 4, 1), -1);
	assert_int_equal(decode_patched(&r6, 10, 2, 4), -1);
	assert_int_equal(decode_patched(&r6, 8, 2, AF_INET), -1);	/* len 16 */
	assert_int_equal(decode_patched(&r6, 28, 4, 1), 0);		/* address */
}

/* LOCAL carries nothing; a verdict only its answer. */
static void
test_local_and_verdict(void **state)
{
	const struct rpt_record local = { .type = RPT_LOCAL };
	const struct rpt_record yes = { .type = RPT_VERDICT, .reason = RPT_PROCEED };
	const struct rpt_record no = { .type = RPT_VERDICT, .reason = RPT_REFUSE };
	unsigned char buf[RPT_SIZE];
	struct rpt_record got;

	(void)state;
	rpt_encode(&local, buf);
	assert_int_equal(rpt_decode(buf, sizeof(buf), &got), 0);
	assert_int_equal(got.type, RPT_LOCAL);
	for (int off = 8; off < RPT_SIZE; off += 4)
		assert_int_equal(decode_patched(&local, (size_t)off, 4, 1), -1);
	rpt_encode(&yes, buf);
	assert_int_equal(rpt_decode(buf, sizeof(buf), &got), 0);
	assert_int_equal(got.reason, RPT_PROCEED);
	rpt_encode(&no, buf);
	assert_int_equal(rpt_decode(buf, sizeof(buf), &got), 0);
	assert_int_equal(got.reason, RPT_REFUSE);
	assert_int_equal(decode_patched(&yes, 8, 4, 2), -1);
	assert_int_equal(decode_patched(&yes, 12, 4, 1), -1);
	assert_int_equal(decode_patched(&yes, 24, 4, 1), -1);
}

/* A refused record leaves the output alone. */
static void
test_untouched(void **state)
{
	unsigned char buf[RPT_SIZE] = { 0 };
	struct rpt_record got = sandbox_rec;

	(void)state;
	assert_int_equal(rpt_decode(buf, sizeof(buf), &got), -1);
	assert_same(&got, &sandbox_rec);
}

/* The hand-over: a round trip, and every field out of range refused. */
static void
test_start(void **state)
{
	struct rpt_start st = { .idle_timeout = 300, .session_timeout = 7,
	    .max_bytes = 1 << 20, .proxy_timeout = 5 }, got;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&st.peer;
	unsigned char buf[RPT_START_SIZE], bad[RPT_START_SIZE];
	uint32_t big = 0x80000000u;
	int64_t neg = -1;
	struct rpt_record rec;

	(void)state;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(40312);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::7", &sin6->sin6_addr), 1);
	rpt_encode_start(&st, buf);
	memset(&got, 0, sizeof(got));
	assert_int_equal(rpt_decode_start(buf, sizeof(buf), &got), 0);
	assert_int_equal(got.idle_timeout, 300);
	assert_int_equal(got.session_timeout, 7);
	assert_int_equal(got.max_bytes, 1 << 20);
	assert_int_equal(got.proxy_timeout, 5);
	assert_memory_equal(&got.peer, &st.peer, sizeof(struct sockaddr_in6));
	assert_int_equal(rpt_decode_start(buf, sizeof(buf) - 1, &got), -1);
	assert_int_equal(rpt_decode_start(buf, RPT_SIZE, &got), -1);
	/* A session's record is no hand-over, nor the reverse. */
	assert_int_equal(rpt_decode(buf, RPT_SIZE, &rec), -1);
	memcpy(bad, buf, sizeof(bad));
	memcpy(bad + 8, &big, 4);		/* idle_timeout not an int */
	assert_int_equal(rpt_decode_start(bad, sizeof(bad), &got), -1);
	memcpy(bad, buf, sizeof(bad));
	memcpy(bad + 16, &neg, 8);		/* a negative byte limit */
	assert_int_equal(rpt_decode_start(bad, sizeof(bad), &got), -1);
	memcpy(bad, buf, sizeof(bad));
	big = 3601;
	memcpy(bad + 24, &big, 4);		/* proxy_timeout past 3600 */
	assert_int_equal(rpt_decode_start(bad, sizeof(bad), &got), -1);
	for (size_t off = 28; off < 32; off++) {	/* padding */
		memcpy(bad, buf, sizeof(bad));
		bad[off] = 1;
		assert_int_equal(rpt_decode_start(bad, sizeof(bad), &got), -1);
	}
	memcpy(bad, buf, sizeof(bad));
	bad[63] = 1;				/* the tail */
	assert_int_equal(rpt_decode_start(bad, sizeof(bad), &got), -1);
	memcpy(bad, buf, sizeof(bad));
	bad[32] = 99;				/* no such family */
	assert_int_equal(rpt_decode_start(bad, sizeof(bad), &got), -1);
	memcpy(bad, buf, sizeof(bad));
	bad[0] ^= 1;				/* the magic */
	assert_int_equal(rpt_decode_start(bad, sizeof(bad), &got), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_type),
		cmocka_unit_test(test_reason),
		cmocka_unit_test(test_sysno),
		cmocka_unit_test(test_untouched),
		cmocka_unit_test(test_peer_round_trip),
		cmocka_unit_test(test_peer_refused),
		cmocka_unit_test(test_local_and_verdict),
		cmocka_unit_test(test_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
