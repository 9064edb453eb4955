/*
 * test_spawner.c - the spawner's record to the acceptor, checked as
 * input from another process (tests/integration/test_hardening.c drives
 * the spawner itself).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "spawner.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
