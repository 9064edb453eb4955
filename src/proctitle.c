/*
 * proctitle.c - process titles, written over the argv block.
 *
 * As OpenSSH's setproctitle compat layer does on Linux: the kernel shows
 * whatever lies between the start of argv[0] and the end of the block, so
 * the block is made free first (argv and environ copied to the heap), then
 * the title is written with the rest cleared to NUL.  The block is only
 * what is contiguous with argv[0]: a string that lies elsewhere is never
 * written over.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "proctitle.h"

#define PT_PREFIX	"caseserv: "
#define PT_MAX		256

extern char **environ;

static char	*pt_block;	/* start of argv[0]; NULL: titles off */
static size_t	 pt_len;	/* bytes of the block, its last NUL included */
/* Every copied variable, kept: unsetenv() drops a pointer from environ
 * (socket activation removes LISTEN_*), and the string must not leak.
 * Never read, hence volatile: -O2 removes a variable that is only
 * written, and LeakSanitizer then sees the strings leak. */
static char	**volatile pt_env;

/* End of the block of strings that follow start contiguously in v. */
static char *
pt_extend(char *end, char **v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n && v[i] != NULL; i++)
		if (v[i] == end)
			end = v[i] + strlen(v[i]) + 1;
	return end;
}

/* Heap copies of v's n strings, NULL-terminated; NULL on failure.  gcc
 * 12's -fanalyzer does not follow the loop that frees a partial copy and
 * calls it leaked (LeakSanitizer, which runs the suite, agrees with us). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
static char **
pt_copy(char **v, size_t n)
{
	char **c = calloc(n + 1, sizeof(*c));
	size_t i;

	if (c == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if ((c[i] = strdup(v[i])) == NULL)
			break;
	if (i == n)
		return c;
	while (i > 0)
		free(c[--i]);
	free(c);
	return NULL;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

void
pt_init(int argc, char **argv)
{
	char **args, **env, *end;
	size_t nenv = 0;

	if (argc < 1 || argv[0] == NULL)
		return;
	while (environ != NULL && environ[nenv] != NULL)
		nenv++;
	end = pt_extend(argv[0], argv, (size_t)argc);
	end = pt_extend(end, environ, nenv);
	/* Copied before anything is written: getenv() keeps working, and
	 * options that point into argv (-c FILE) keep their text. */
	if ((args = pt_copy(argv, (size_t)argc)) == NULL)
		return;
	if ((env = pt_copy(environ, nenv)) == NULL) {
		for (int i = 0; i < argc; i++)
			free(args[i]);
		free(args);
		return;
	}
	pt_block = argv[0];
	pt_len = (size_t)(end - argv[0]);
	for (int i = 0; i < argc; i++)
		argv[i] = args[i];
	free(args);		/* the array only: argv[] holds the strings */
	if ((pt_env = calloc(nenv + 1, sizeof(*pt_env))) != NULL)
		memcpy(pt_env, env, nenv * sizeof(*env));
	environ = env;
}

void
pt_set(const char *fmt, ...)
{
	char text[PT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	pt_title(text, (char *)NULL);
}

void
pt_title(const char *s, ...)
{
	char title[PT_MAX];
	size_t n = sizeof(PT_PREFIX) - 1;
	va_list ap;

	if (pt_block == NULL || pt_len < 2)
		return;
	memcpy(title, PT_PREFIX, n);
	va_start(ap, s);
	for (; s != NULL; s = va_arg(ap, const char *))
		while (*s != '\0' && n < sizeof(title) - 1)
			title[n++] = *s++;
	va_end(ap);
	/* SECURITY: never past the block; its last byte stays NUL. */
	if (n > pt_len - 1)
		n = pt_len - 1;
	memcpy(pt_block, title, n);
	memset(pt_block + n, '\0', pt_len - n);
}

void
pt_name(const char *name)
{
	/* Best effort: a name is a convenience, never a reason to fail. */
	(void)prctl(PR_SET_NAME, name, 0, 0, 0);
}
