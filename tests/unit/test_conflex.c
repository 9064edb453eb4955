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

#include <limits.h>
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

/* A file of len bytes of text in /tmp (path: a mkstemp template), made of
 * comment lines; its base name, as an @include names it. */
static const char *
write_bulk(char *path, size_t len)
{
	char *buf = malloc(len);
	int fd = mkstemp(path);

	assert_non_null(buf);
	assert_int_not_equal(fd, -1);
	memset(buf, ' ', len);
	buf[0] = '#';
	for (size_t i = 79; i < len; i += 80) {
		buf[i] = '\n';
		if (i + 1 < len)
			buf[i + 1] = '#';
	}
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
	free(buf);
	return strrchr(path, '/') + 1;
}

/* The scan of text fails with "tmp_path:LINE: msg", or with file's. */
static void
scan_fails(const char *text, const char *file, int line, const char *msg)
{
	char err[512], want[512];
	FILE *f = fopen(tmp_path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	if (clx_scan(tmp_path, err, sizeof(err)) != NULL)
		fail_msg("accepted: %s", text);
	snprintf(want, sizeof(want), "%s:%d: %s",
	    file != NULL ? file : tmp_path, line, msg);
	assert_string_equal(err, want);
}

/*
 * An @include the lexer refuses, at the directive's line: a name longer
 * than a path, one more level than libconfig nests (a file that includes
 * itself), anything but a comment after it; a name with escapes is
 * unescaped as libconfig does (\\ and \" stand for themselves, any other
 * backslash goes).
 */
static void
test_include_refused(void **state)
{
	char text[PATH_MAX + 64], name[64];
	const char *self = strrchr(tmp_path, '/') + 1;

	(void)state;
	memset(text, 'a', sizeof(text));
	memcpy(text, "x = 1;\n@include \"", 17);
	memcpy(text + sizeof(text) - 3, "\"\n", 3);
	scan_fails(text, NULL, 2, "@include: file name too long");
	snprintf(text, sizeof(text), "@include \"%s\"\n", self);
	scan_fails(text, self, 1, "@include: nested more than 10 deep");
	snprintf(name, sizeof(name), "%s", self);
	snprintf(text, sizeof(text), "\n\n@include \"%s\" x = 2;\n", name);
	scan_fails(text, NULL, 3,
	    "@include: only a comment may follow on its line");
	snprintf(text, sizeof(text), "@include \"%s\" /x\n", name);
	scan_fails(text, NULL, 1,
	    "@include: only a comment may follow on its line");
	scan_fails("@include \"a\\\\b\\\"c\\qd\"\n", NULL, 1,
	    "cannot open include file 'a\\b\"cqd': No such file or directory");
}

/*
 * What may follow an @include: blanks and any of the three comments.
 * "@include" not followed by blanks and a quote is no directive (libconfig
 * would not take it for one either); one may end the file.  Every file read is listed; the text
 * grows past its first allocation for an included file of 10 KiB.
 */
static void
test_include_comments(void **state)
{
	char inc[] = "/tmp/test_conflex_inc.XXXXXX", text[512];
	const char *name = write_bulk(inc, 10000), *file;
	struct clx_text *t;
	int line;

	(void)state;
	snprintf(text, sizeof(text), "a = 1;\n@include \"%s\" \t/* c */\n"
	    "@include \"%s\" // c\n@include \"%s\"\t# c\n@include \"%s\"\r\n"
	    "@includex \"%s\"\n@include\n@include %s\nb = 4 / 2;\n"
	    "@include \"%s\"", name, name, name, name, name, name, name);
	t = scan_text(text);
	assert_int_equal(clx_nfiles(t), 5);
	assert_string_equal(clx_file(t, 4), inc);
	assert_null(clx_file(t, 5));
	assert_true(strlen(clx_source(t)) > 5 * 10000);
	assert_non_null(strstr(clx_source(t), "@includex"));
	/* Line 0 is no line: the main file's, line 0. */
	clx_where(t, 0, &file, &line);
	assert_string_equal(file, tmp_path);
	assert_int_equal(line, 0);
	clx_free(t);
	unlink(inc);
}

/*
 * From the working directory, a relative name includes a relative name
 * (no directory to put before it).
 */
static void
test_include_relative(void **state)
{
	char inc[] = "/tmp/test_conflex_rel.XXXXXX", err[256];
	const char *name = write_bulk(inc, 100);
	struct clx_text *t;
	FILE *f = fopen(tmp_path, "w");

	(void)state;
	assert_non_null(f);
	fprintf(f, "@include \"%s\"\n", name);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chdir("/tmp"), 0);
	t = clx_scan(strrchr(tmp_path, '/') + 1, err, sizeof(err));
	assert_non_null(t);
	assert_null(clx_include_dir(t));
	assert_int_equal(clx_nfiles(t), 1);
	assert_string_equal(clx_file(t, 0), name);
	clx_free(t);
	unlink(inc);
}

/*
 * The limits on what is read: a file over 1 MiB, a file with a NUL byte,
 * more than 16 MiB with the @include files; and a message cut short by a
 * small buffer is cut, not overrun.
 */
static void
test_read_limits(void **state)
{
	char big[] = "/tmp/test_conflex_big.XXXXXX", text[2048], err[8],
	    want[sizeof(tmp_path) + 8];
	const char *name;
	size_t n = 0;
	FILE *f;

	(void)state;
	name = write_bulk(big, CLX_MAXFILE + 1);
	snprintf(text, sizeof(text), "@include \"%s\"\n", name);
	scan_fails(text, name, 0, "cannot read: larger than 1 MiB");
	assert_int_equal(truncate(big, CLX_MAXFILE), 0);
	for (int i = 0; i < 17; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		    "@include \"%s\"\n", name);
	scan_fails(text, name, 0,
	    "cannot read: more than 16 MiB with the @include files");
	unlink(big);
	f = fopen(tmp_path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite("a = 1;\0\n", 1, 8, f), 8);
	assert_int_equal(fclose(f), 0);
	assert_null(clx_scan(tmp_path, text, sizeof(text)));
	snprintf(want, sizeof(want), "%s:0: ", tmp_path);
	assert_int_equal(strncmp(text, want, strlen(want)), 0);
	assert_string_equal(text + strlen(tmp_path) + 4,
	    "cannot read: not a text file (NUL byte)");
	memset(err, 'x', sizeof(err));
	assert_null(clx_scan("/nonexistent/x.conf", err, sizeof(err)));
	assert_string_equal(err, "/nonexi");
}

/*
 * More of flex's cuts: 0X as 0x, "0x" with no digit (a zero, then a
 * name), exponents with and without a sign or digits, a name from "*";
 * and more literals than the first table holds.
 */
static void
test_lexer_more(void **state)
{
	static const char text[] = "a = 0X1f; b = 0xg; c = 1e-5; d = 2e+; "
	    "e = 3ex; f = *7; g = 4E5L;\n";
	struct clx_text t = { .path = "t" };
	char err[256], many[100 * 8 + 1];

	(void)state;
	t.err = err;
	t.errlen = sizeof(err);
	assert_int_equal(lex_text(&t, "t", text, 0), 0);
	/* 0X1f, the 0 of 0xg, the 2 of 2e+, the 3 of 3ex, L of 4E5L is
	 * a float's: none */
	assert_int_equal(t.nlit, 4);
	assert_true(t.lit[0].val == 31 && !t.lit[0].is64);
	assert_true(t.lit[1].val == 0);
	assert_true(t.lit[2].val == 2);
	assert_true(t.lit[3].val == 3);
	lits_free(&t);
	free(t.out);
	memset(&t, 0, sizeof(t));
	t.path = "t";
	t.err = err;
	t.errlen = sizeof(err);
	for (int i = 0; i < 100; i++)
		snprintf(many + 8 * i, 9, "x=%04d;\n", i);
	assert_int_equal(lex_text(&t, "t", many, 0), 0);
	assert_int_equal(t.nlit, 100);
	assert_true(t.maxlit >= 100);
	assert_true(t.lit[99].val == 99);
	lits_free(&t);
	free(t.out);
}

/* An L literal where libconfig made a plain int (or the reverse): the
 * tree is not the text's. */
static void
test_map_is64(void **state)
{
	struct clx_text *t = scan_text("a = 5L;\n");
	config_t lc;

	(void)state;
	config_init(&lc);
	assert_int_equal(config_read_string(&lc, "a = 5;\n"), CONFIG_TRUE);
	assert_int_equal(clx_map(t, config_root_setting(&lc)), -1);
	config_destroy(&lc);
	clx_free(t);
	t = scan_text("a = 5;\n");
	config_init(&lc);
	assert_int_equal(config_read_string(&lc, "a = 5L;\n"), CONFIG_TRUE);
	assert_int_equal(clx_map(t, config_root_setting(&lc)), -1);
	config_destroy(&lc);
	clx_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lexer),
		cmocka_unit_test(test_map_values),
		cmocka_unit_test(test_map_all_or_nothing),
		cmocka_unit_test(test_include_dir),
		cmocka_unit_test(test_include_refused),
		cmocka_unit_test(test_include_comments),
		cmocka_unit_test(test_include_relative),
		cmocka_unit_test(test_read_limits),
		cmocka_unit_test(test_lexer_more),
		cmocka_unit_test(test_map_is64),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
