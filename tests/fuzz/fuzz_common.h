/*
 * fuzz_common.h - what the file-reading harnesses share: a private
 * directory, made once per process, and the input cut into the main file
 * and an @include file.
 *
 * The input is the main file up to the first line "#%%"; what follows that
 * line becomes inc.conf beside it, so "@include \"inc.conf\"" reaches
 * fuzzed text too (and the marker is a comment, so a seed stays a valid
 * configuration).  Without the marker inc.conf is empty.
 */
#ifndef CASESERV_FUZZ_COMMON_H
#define CASESERV_FUZZ_COMMON_H

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FUZZ_MARK	"\n#%%\n"

const char *__lsan_default_suppressions(void);

/*
 * libconfig 1.5 (Debian 12) leaks the text of a string token that is the
 * parser's lookahead at a syntax error ("port = 80 \"x\";"): grammar.y
 * has no %destructor for TOK_STRING, so bison's error path drops what the
 * scanner allocated for it -- built by strbuf_append(), or for "" the
 * fallback of scanctx_take_string(), seen from its caller (upstream
 * issue #142, fixed by pull request #155, in 1.7.3).  Only those
 * allocations are excused: the scanner's own, which config_read_*() frees
 * before it returns on every other path.  Settings, their values and all
 * of caseserv's memory are still checked.
 */
const char *
__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\nleak:libconfig_yylex\n";
}

static char fuzz_dir[PATH_MAX];
static char fuzz_main[PATH_MAX + 16];
static char fuzz_inc[PATH_MAX + 16];

/* Left behind only when the process dies of a finding: libFuzzer _exit()s. */
static void
fuzz_cleanup(void)
{
	unlink(fuzz_main);
	unlink(fuzz_inc);
	rmdir(fuzz_dir);
}

static void
fuzz_setup_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	/*
	 * The files are rewritten for every input: on a tmpfs that costs a
	 * fraction of what a disk file system does (4x the executions).
	 */
	if (tmp == NULL || tmp[0] != '/')
		tmp = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/caseserv-fuzz.XXXXXX", tmp);
	if (mkdtemp(fuzz_dir) == NULL) {
		perror("fuzz: mkdtemp");
		abort();
	}
	snprintf(fuzz_main, sizeof(fuzz_main), "%s/main.conf", fuzz_dir);
	snprintf(fuzz_inc, sizeof(fuzz_inc), "%s/inc.conf", fuzz_dir);
	atexit(fuzz_cleanup);
}

static void
fuzz_write(const char *path, const uint8_t *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ssize_t n;

	if (fd == -1) {
		perror("fuzz: open");
		abort();
	}
	for (; len > 0; data += n, len -= (size_t)n)
		if ((n = write(fd, data, len)) <= 0) {
			perror("fuzz: write");
			abort();
		}
	close(fd);
}

/* main.conf and inc.conf from the input. */
static void
fuzz_write_files(const uint8_t *data, size_t size)
{
	const uint8_t *m = memmem(data, size, FUZZ_MARK, strlen(FUZZ_MARK));
	size_t n = m != NULL ? (size_t)(m - data) + 1 : size;

	fuzz_write(fuzz_main, data, n);
	if (m != NULL)
		fuzz_write(fuzz_inc, m + strlen(FUZZ_MARK),
		    size - n - (strlen(FUZZ_MARK) - 1));
	else
		fuzz_write(fuzz_inc, data, 0);
}

#endif
