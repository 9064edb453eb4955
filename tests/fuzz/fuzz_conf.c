/*
 * fuzz_conf.c - the configuration reader end to end: the lexer (conflex),
 * libconfig, @include, every key's checks, and the -T dump.
 *
 * Input: the main file, optionally followed by a line "#%%" and the text
 * of inc.conf beside it (fuzz_common.h).  Checked beyond "no crash, no
 * leak": a failure leaves the configuration empty and says why (never an
 * integer the lexer missed: nothing changes the files), and what
 * cfg_dump() writes loads back to the same configuration.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char dump_path[PATH_MAX + 16];

static void
dump_cleanup(void)
{
	unlink(dump_path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_setup_dir();
	snprintf(dump_path, sizeof(dump_path), "%s/dump.conf", fuzz_dir);
	atexit(dump_cleanup);	/* runs before fuzz_cleanup's rmdir */
	return 0;
}

/* The dump without its first line, which names the file. */
static char *
dump_body(const struct cfg *c)
{
	char *buf = NULL, *nl;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		abort();
	cfg_dump(c, f);
	if (fclose(f) != 0 || (nl = strchr(buf, '\n')) == NULL)
		abort();
	memmove(buf, nl + 1, strlen(nl + 1) + 1);
	return buf;
}

/* What -T prints is itself a configuration, and the same one. */
static void
check_roundtrip(const struct cfg *c)
{
	char err[CFG_ERRLEN], *a = dump_body(c), *b;
	struct cfg again;

	fuzz_write(dump_path, (const uint8_t *)a, strlen(a));
	if (cfg_load(dump_path, &again, err, sizeof(err)) == -1) {
		fprintf(stderr, "dump does not load: %s\n%s", err, a);
		abort();
	}
	b = dump_body(&again);
	if (strcmp(a, b) != 0) {
		fprintf(stderr, "dump changes on reload:\n%s---\n%s", a, b);
		abort();
	}
	free(a);
	free(b);
	cfg_free(&again);
}

/* At the end, where a quoted value (64 characters at most) cannot be. */
static int
ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);

	return n >= m && strcmp(s + n - m, tail) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct cfg zero;
	char err[CFG_ERRLEN];
	struct cfg c;

	fuzz_write_files(data, size);
	err[0] = '\0';
	if (cfg_load(fuzz_main, &c, err, sizeof(err)) == 0) {
		check_roundtrip(&c);
		cfg_free(&c);
	} else if (err[0] == '\0' || memcmp(&c, &zero, sizeof(c)) != 0) {
		fprintf(stderr, "failure without a message or not empty\n");
		abort();
	} else if (ends_with(err, ": cannot match the integer to the file's "
	    "text (was a file changed while being read?)")) {
		/* Only a file changed between the two reads may say this. */
		fprintf(stderr, "%s\n", err);
		abort();
	}
	return 0;
}
