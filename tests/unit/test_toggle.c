/*
 * test_toggle.c - the byte transform: every value, long and unaligned
 * buffers, against an obviously correct reference.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "toggle.h"

static unsigned char
reference(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (unsigned char)(c + ('a' - 'A'));
	if (c >= 'a' && c <= 'z')
		return (unsigned char)(c - ('a' - 'A'));
	return c;
}

static void
test_all_256_values(void **state)
{
	unsigned char buf[256];

	(void)state;
	for (int i = 0; i < 256; i++)
		buf[i] = (unsigned char)i;
	tgl_apply(buf, sizeof(buf));
	for (int i = 0; i < 256; i++)
		assert_int_equal(buf[i], reference((unsigned char)i));
}

/* Each value in each of the 8 lanes of a word, and in the tail. */
static void
test_every_value_every_position(void **state)
{
	unsigned char buf[11];

	(void)state;
	for (int v = 0; v < 256; v++)
		for (size_t pos = 0; pos < sizeof(buf); pos++) {
			memset(buf, 'q', sizeof(buf));
			buf[pos] = (unsigned char)v;
			tgl_apply(buf, sizeof(buf));
			for (size_t j = 0; j < sizeof(buf); j++)
				assert_int_equal(buf[j], j == pos ?
				    reference((unsigned char)v) : 'Q');
		}
}

static void
test_examples(void **state)
{
	unsigned char s[] = "Hello, World! \xc3\xa9t\xc3\xa9 [z@A`{]\n";
	const unsigned char want[] = "hELLO, wORLD! \xc3\xa9T\xc3\xa9 [Z@a`{]\n";

	(void)state;
	tgl_apply(s, sizeof(s) - 1);
	assert_memory_equal(s, want, sizeof(want));
}

static void
test_long_unaligned_random(void **state)
{
	enum { N = 1 << 20 };
	unsigned char *in = malloc(N + 16), *buf = malloc(N + 16);

	(void)state;
	assert_non_null(in);
	assert_non_null(buf);
	srand(1205);
	for (size_t i = 0; i < N + 16; i++)
		in[i] = (unsigned char)rand();
	for (size_t off = 0; off < 9; off++) {
		size_t len = N - off * 3;

		memcpy(buf + off, in, len);
		tgl_apply(buf + off, len);
		for (size_t i = 0; i < len; i++)
			if (buf[off + i] != reference(in[i]))
				fail_msg("offset %zu byte %zu: %02x -> %02x",
				    off, i, in[i], buf[off + i]);
	}
	free(in);
	free(buf);
}

static void
test_twice_is_identity_and_empty(void **state)
{
	unsigned char buf[1000], orig[1000];

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		orig[i] = buf[i] = (unsigned char)(i * 7 + 3);
	tgl_apply(buf, 0);
	assert_memory_equal(buf, orig, sizeof(buf));
	tgl_apply(buf, sizeof(buf));
	assert_memory_not_equal(buf, orig, sizeof(buf));
	tgl_apply(buf, sizeof(buf));
	assert_memory_equal(buf, orig, sizeof(buf));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_256_values),
		cmocka_unit_test(test_every_value_every_position),
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_long_unaligned_random),
		cmocka_unit_test(test_twice_is_identity_and_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
