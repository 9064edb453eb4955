/*
 * test_proctitle.c - the title written over argv's block: the block runs
 * over every string that follows argv[0] contiguously (argv, then the
 * environment) and no further; a title is cut to the block, its last
 * byte NUL, the rest cleared; argv and the environment keep their text
 * in copies.  With no block (no argv[0]) or a block too small for a
 * character, titles are off.  The module is included to reset its state
 * between cases; the daemon-level behaviour is test_proctitle.c's in
 * tests/integration.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../src/proctitle.c"

static char block[64];

static int
reset(void **state)
{
	(void)state;
	pt_block = NULL;
	pt_len = 0;
	memset(block, 'z', sizeof(block));
	return 0;
}

/*
 * What pt_init() copied is the process's for its life; a test that calls it
 * again frees it first (LeakSanitizer counts every copy made here).
 */
static void
release(char **argv, int argc)
{
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	for (size_t i = 0; pt_env != NULL && pt_env[i] != NULL; i++)
		free(pt_env[i]);
	free((char **)pt_env);
	pt_env = NULL;
	free(environ);
	environ = NULL;
}

/* "a0\0arg\0" then, not adjacent, an environment elsewhere. */
static void
block_is_argv_only(void **state)
{
	static char elsewhere[] = "HOME=/x";
	char *argv[] = { block, block + 3, NULL };
	char *env[] = { elsewhere, NULL };

	(void)state;
	memcpy(block, "a0\0arg\0", 7);
	environ = env;
	pt_init(2, argv);
	assert_ptr_equal(pt_block, block);
	assert_int_equal(pt_len, 7);
	/* Copies: the old text survives the title. */
	assert_string_equal(argv[1], "arg");
	assert_true(argv[1] != block + 3);
	assert_string_equal(getenv("HOME"), "/x");
	pt_set("%s", "a title much longer than seven bytes");
	assert_memory_equal(block, "casese\0", 7);	/* cut, NUL last */
	assert_int_equal(block[7], 'z');		/* not one byte past */
	assert_string_equal(argv[1], "arg");
	memset(block, 'q', 6);
	pt_set("%s", "");
	assert_memory_equal(block, "casese\0", 7);	/* the prefix, cut too */
	release(argv, 2);
}

/* The environment right after argv joins the block; a short title
 * clears what the longer one left. */
static void
block_runs_into_environ(void **state)
{
	char *argv[] = { block, NULL };
	char *env[] = { block + 3, block + 10, NULL };

	(void)state;
	memcpy(block, "a0\0", 3);
	memcpy(block + 3, "A=1234\0", 7);
	memcpy(block + 10, "B=12345678901234567890\0", 23);
	environ = env;
	pt_init(1, argv);
	assert_int_equal(pt_len, 33);
	assert_string_equal(getenv("B"), "12345678901234567890");
	pt_set("acceptor %d", 12);
	assert_string_equal(block, "caseserv: acceptor 12");
	pt_set("x");
	assert_string_equal(block, "caseserv: x");
	for (size_t i = strlen(block); i < 33; i++)
		assert_int_equal(block[i], '\0');
	assert_int_equal(block[33], 'z');
	assert_string_equal(getenv("A"), "1234");
	release(argv, 1);
}

/* No argv[0], no arguments at all, or a block of one byte: no titles,
 * and nothing is written. */
static void
titles_off(void **state)
{
	char *argv[] = { NULL, NULL };
	char *env[] = { NULL };

	(void)state;
	environ = env;
	pt_init(1, argv);
	assert_null(pt_block);
	pt_init(0, argv);
	assert_null(pt_block);
	argv[0] = block;
	block[0] = '\0';
	pt_init(1, argv);
	assert_int_equal(pt_len, 1);
	pt_set("anything");
	assert_int_equal(block[0], '\0');
	assert_int_equal(block[1], 'z');
	release(argv, 1);
	environ = NULL;				/* none at all */
	reset(NULL);
	argv[0] = block;
	block[0] = 'a';
	block[1] = '\0';
	pt_init(1, argv);
	assert_int_equal(pt_len, 2);
	pt_set("t");
	assert_memory_equal(block, "c\0z", 3);
	release(argv, 1);
}

/* pt_title: the strings one after the other, as pt_set would write
 * them with "%s%s...", cut at the block (and at PT_MAX) the same way. */
static void
title_of_strings(void **state)
{
	char *argv[] = { block, NULL };
	char *env[] = { block + 3, NULL };
	char huge[PT_MAX + 40];

	(void)state;
	memcpy(block, "a0\0", 3);
	memset(block + 3, 'e', 60);
	block[63] = '\0';			/* A 60-byte environment string */
	environ = env;
	pt_init(1, argv);
	assert_int_equal(pt_len, 64);
	pt_title("session ", "[2001:db8::1]:40312", (char *)NULL);
	assert_string_equal(block, "caseserv: session [2001:db8::1]:40312");
	pt_title("session ", "192.0.2.7:5123", " via ", "[::1]:9",
	    (char *)NULL);
	assert_string_equal(block,
	    "caseserv: session 192.0.2.7:5123 via [::1]:9");
	pt_title("session (idle)", (char *)NULL);
	assert_string_equal(block, "caseserv: session (idle)");
	for (size_t i = strlen(block); i < 64; i++)
		assert_int_equal(block[i], '\0');	/* the longer one gone */
	pt_title("", (char *)NULL);
	assert_string_equal(block, "caseserv: ");
	/* Longer than the block: cut, NUL last, nothing past it. */
	memset(huge, 'h', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	pt_title("x", huge, "y", (char *)NULL);
	assert_int_equal(strlen(block), 63);
	assert_memory_equal(block, "caseserv: xhhh", 14);
	assert_int_equal(block[63], '\0');
	release(argv, 1);
}

/* A title longer than PT_MAX in a block that would hold it: cut at
 * PT_MAX - 1 bytes, as pt_set cuts it. */
static void
title_cut_at_max(void **state)
{
	static char big[PT_MAX + 64];
	char *argv[] = { big, NULL };
	char *env[] = { NULL };
	char huge[PT_MAX + 40], want[PT_MAX + 64];

	(void)state;
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	environ = env;
	pt_init(1, argv);
	assert_int_equal(pt_len, sizeof(big));
	memset(huge, 'h', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	pt_set("%s", huge);
	memcpy(want, big, sizeof(big));
	assert_int_equal(strlen(want), PT_MAX - 1);
	memset(big, 'q', sizeof(big) - 1);	/* what pt_title must write over */
	pt_title(huge, (char *)NULL);
	assert_memory_equal(big, want, sizeof(big));
	release(argv, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(block_is_argv_only, reset),
		cmocka_unit_test_setup(block_runs_into_environ, reset),
		cmocka_unit_test_setup(titles_off, reset),
		cmocka_unit_test_setup(title_of_strings, reset),
		cmocka_unit_test_setup(title_cut_at_max, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
