/*
 * test_conflex.c - the configuration file's integer literals: the lexer
 * cuts the text as libconfig does, and every integer setting of a parsed
 * tree gets the exact value it was written as, or none at all.
 *
 * The module is included so that the lexer can be run on a string.  The
 * messages a user sees are checked through cfg_load() in test_conf.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <unistd.h>

#include "conflex.c"

static char tmp_path[] = "/tmp/test_conflex.XXXXXX";

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

static struct clx_text *
scan_text(const char *text)
{
	char err[256] = "";
	struct clx_text *t;
	FILE *f = fopen(tmp_path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	if ((t = clx_scan(tmp_path, err, sizeof(err))) == NULL)
		fail_msg("scan: %s", err);
	return t;
}

/* The lexer cuts the text as libconfig's scanner does. */
static void
test_lexer(void **state)
{
	static const char text[] =
	    "a = 1.5; b = 1e5; c = .5; d = -2.; e = 1E+3; f = 0x1F;\n"
	    "g = 5L; h = -0x10; i = \"12 \\\" 13 \\\\\"; j = x14-15*;\n"
	    "/* 16 \"*/ k = -17; # 18\n l = +19LL; // 20\n m = true2;\n"
	    "n = [ 0x7FFFFFFFFFFFFFFFL, 99999999999999999999 ];\n";
	struct clx_text t = { .path = "t" };
	char err[256];

	(void)state;
	t.err = err;
	t.errlen = sizeof(err);
	assert_int_equal(lex_text(&t, "t", text, 0), 0);
	/* 0x1F, 5L, the -0 of "-0x10" (then a name), -17, +19LL and n's */
	assert_int_equal(t.nlit, 7);
	assert_true(t.lit[0].val == 31 && !t.lit[0].is64);
	assert_true(t.lit[1].val == 5 && t.lit[1].is64);
	assert_true(t.lit[2].val == 0 && !t.lit[2].is64);
	assert_true(t.lit[3].val == -17);
	assert_true(t.lit[4].val == 19 && t.lit[4].is64);
	assert_true(t.lit[5].val == INT64_MAX && t.lit[5].is64);
	assert_null(t.lit[4].big);
	assert_string_equal(t.lit[6].big, "99999999999999999999");
	lits_free(&t);
	free(t.out);
}

/* Values libconfig 1.5 wraps come back exact, in tree order. */
static void
test_map_values(void **state)
{
	static const char text[] = "a = 4294967424;\n"
	    "b = ( 2, { c = 0x100000000; }, 3L );\n"
	    "d = 99999999999999999999;\n";
	struct clx_text *t = scan_text(text);
	const char *big = NULL;
	config_t lc;
	int64_t v = 0;

	(void)state;
	assert_string_equal(clx_source(t), text);
	config_init(&lc);
	assert_int_equal(config_read_string(&lc, text), CONFIG_TRUE);
	assert_int_equal(clx_map(t, config_root_setting(&lc)), 0);
	assert_int_equal(clx_value(config_lookup(&lc, "a"), &v, &big), 0);
	assert_true(v == INT64_C(4294967424) && big == NULL);
	assert_int_equal(clx_value(config_lookup(&lc, "b.[1].c"), &v, &big),
	    0);
	assert_true(v == INT64_C(0x100000000) && big == NULL);
	assert_int_equal(clx_value(config_lookup(&lc, "b.[2]"), &v, &big), 0);
	assert_true(v == 3);
	assert_int_equal(clx_value(config_lookup(&lc, "d"), &v, &big), 0);
	assert_string_equal(big, "99999999999999999999");
	config_destroy(&lc);
	clx_free(t);
}

/* A tree that is not the text scanned gets no value at all. */
static void
test_map_all_or_nothing(void **state)
{
	struct clx_text *t = scan_text("a = 1;\nb = 2;\n");
	const char *big = NULL;
	config_t lc;
	int64_t v = 0;

	(void)state;
	config_init(&lc);
	assert_int_equal(config_read_string(&lc, "a = 1;\nb = 3;\n"),
	    CONFIG_TRUE);
	assert_int_equal(clx_map(t, config_root_setting(&lc)), -1);
	assert_int_equal(clx_value(config_lookup(&lc, "a"), &v, &big), -1);
	assert_int_equal(clx_value(config_lookup(&lc, "b"), &v, &big), -1);
	config_destroy(&lc);
	/* One literal too many is as wrong as one too few. */
	config_init(&lc);
	assert_int_equal(config_read_string(&lc, "a = 1;\n"), CONFIG_TRUE);
	assert_int_equal(clx_map(t, config_root_setting(&lc)), -1);
	assert_int_equal(clx_value(config_lookup(&lc, "a"), &v, &big), -1);
	config_destroy(&lc);
	clx_free(t);
}

/* libconfig looks for @include files in the file's own directory. */
static void
test_include_dir(void **state)
{
	struct clx_text *t = scan_text("");
	char err[256];

	(void)state;
	assert_string_equal(clx_include_dir(t), "/tmp");
	clx_free(t);
	assert_int_equal(chdir("/tmp"), 0);
	assert_non_null(t = clx_scan(strrchr(tmp_path, '/') + 1, err,
	    sizeof(err)));
	assert_null(clx_include_dir(t));
	clx_free(t);
	assert_null(clx_scan("/nonexistent/x.conf", err, sizeof(err)));
	assert_string_equal(err, "/nonexistent/x.conf:0: cannot open: "
	    "No such file or directory");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lexer),
		cmocka_unit_test(test_map_values),
		cmocka_unit_test(test_map_all_or_nothing),
		cmocka_unit_test(test_include_dir),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
