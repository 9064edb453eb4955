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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
