/*
 * conflex.c - the configuration file's text and its exact integers.
 *
 * libconfig 1.5 converts a plain integer literal with atoi(): "4294967424"
 * silently reads as 128 and "10000000000" (10 GB meant for
 * max_session_bytes) as 1410065408.  So this lexer cuts the text as
 * libconfig's flex scanner does (strings, comments, names, numbers,
 * @include lines) and keeps the exact value of every integer literal, in
 * document order with each @include file expanded in place.  In a parsed
 * tree, every integer setting comes from exactly one such literal, in the
 * same order, so the N-th integer setting met in a walk of the tree is the
 * N-th literal; clx_map() checks each pair against the value libconfig
 * made of it, and an integer that cannot be matched is an error.
 *
 * The lexer also expands every @include itself: each file is read from
 * the descriptor that was vetted (a regular file), and libconfig parses
 * one text and opens no file at all, so a file swapped for another (a
 * symbolic link to /etc/shadow, a FIFO) between the check and the read
 * cannot be read.  libconfig 1.5 has no include hook (config_set_include_
 * func came with 1.7).  A table of segments maps each line of the
 * expanded text back to its file and line, for FILE:LINE messages.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conflex.h"

#define CLX_MAXFILE	(1024 * 1024)	/* a configuration is a few KiB */
#define CLX_QUOTEMAX	64		/* characters of a literal in a message */
#define CLX_MAXDEPTH	10		/* libconfig 1.5's @include nesting */
#define CLX_MAXINCLUDES	256		/* @include files read, in all */
#define CLX_MAXTEXT	(16 * 1024 * 1024)	/* expanded, in all */

/* One integer literal of the text, in document order. */
struct lit {
	int64_t		 val;
	int		 is64;		/* L suffix: libconfig made an int64 */
	char		*big;		/* NULL, or a literal beyond 64 bits */
};

/* From line out_line of the expanded text on: file's line, line on. */
struct seg {
	int		 out_line;
	char		*file;		/* as messages name it */
	int		 line;
};

struct clx_text {
	char		*text;		/* the main file */
	char		*incdir;	/* where @include names are looked for */
	struct lit	*lit;		/* the text's integer literals */
	size_t		 nlit, maxlit;
	int		 nincl;		/* @include files read */
	char		**files;	/* their paths, as opened */
	size_t		 nfiles;
	char		*out;		/* the expanded text, for libconfig */
	size_t		 outlen, outcap;
	int		 out_line;	/* the line the end of out is on */
	struct seg	*seg;		/* ascending out_line */
	size_t		 nseg;
	const char	*path;		/* these three during clx_scan() only */
	char		*err;
	size_t		 errlen;
};

static int fail_at(struct clx_text *, const char *, int, const char *, ...)
    __attribute__((format(printf, 4, 5)));

/* "FILE:LINE: message", as conf.c writes its own. */
static int
fail_at(struct clx_text *t, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(t->err, t->errlen, "%s:%d: ", file, line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < t->errlen)
		vsnprintf(t->err + n, t->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- cutting the text ---------------------------------------------------- */

enum lit_kind { LK_NONE, LK_FLOAT, LK_INT, LK_INT64, LK_HEX, LK_HEX64 };

#define DIGITS		"0123456789"
#define XDIGITS		DIGITS "abcdefABCDEF"
#define NAME_CHARS	"-_*" DIGITS "abcdefghijklmnopqrstuvwxyz" \
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ"

static int
is_name_start(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    ch == '*';
}

/* libconfig's 64-bit suffix, L or LL: its length at p. */
static size_t
suffix_len(const char *p)
{
	return p[0] != 'L' ? 0 : p[1] == 'L' ? 2 : 1;
}

/* The end of the exponent [eE][-+]?[0-9]+ at p, or p if none. */
static const char *
exponent_end(const char *p)
{
	const char *d = p + 1;

	if (*p != 'e' && *p != 'E')
		return p;
	d += (*d == '-' || *d == '+');
	return strspn(d, DIGITS) > 0 ? d + strspn(d, DIGITS) : p;
}

/*
 * The number token at p as flex cuts it, the longest match of libconfig's
 * integer, integer64, hex, hex64 and float patterns: its length (0: none)
 * and, in *kind, which.
 */
static size_t
number_len(const char *p, enum lit_kind *kind)
{
	const char *s = p + (*p == '-' || *p == '+'), *q, *e;
	size_t d = strspn(s, DIGITS), len = 0, n;
	int dot = s[d] == '.';

	*kind = LK_NONE;
	if (d > 0) {
		len = (size_t)(s - p) + d;
		*kind = suffix_len(p + len) > 0 ? LK_INT64 : LK_INT;
		len += suffix_len(p + len);
	}
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    (n = strspn(p + 2, XDIGITS)) > 0) {
		*kind = suffix_len(p + 2 + n) > 0 ? LK_HEX64 : LK_HEX;
		len = 2 + n + suffix_len(p + 2 + n);
	}
	q = dot ? s + d + 1 + strspn(s + d + 1, DIGITS) : s + d;
	e = exponent_end(q);
	if ((dot || (d > 0 && e != q)) && (size_t)(e - p) > len) {
		*kind = LK_FLOAT;
		len = (size_t)(e - p);
	}
	return len;
}

/*
 * The value of the digits at d (leading zeros skipped, so that a long run
 * of them still reads), or 0 when 64 bits cannot hold it.
 */
static int
digits_value(const char *d, int neg, int hex, int64_t *val)
{
	size_t n = strspn(d, hex ? XDIGITS : DIGITS), z = strspn(d, "0");
	unsigned long long u;
	char buf[24];

	if (z == n)
		z = n - 1;
	if (n - z > (hex ? 16 : 19))
		return 0;
	snprintf(buf, sizeof(buf), "%s%.*s", neg ? "-" : "", (int)(n - z),
	    d + z);
	errno = 0;
	if (hex) {
		u = strtoull(buf, NULL, 16);
		*val = (int64_t)u;
		return u <= INT64_MAX;
	}
	*val = strtoll(buf, NULL, 10);
	return errno == 0;
}

/* Record the integer token p[0..len) of the given kind. */
static int
lit_add(struct clx_text *t, const char *file, const char *p, size_t len,
    enum lit_kind kind)
{
	int hex = kind == LK_HEX || kind == LK_HEX64;
	struct lit *l;
	size_t n;

	if (t->nlit == t->maxlit) {
		n = t->maxlit > 0 ? 2 * t->maxlit : 64;
		if ((l = reallocarray(t->lit, n, sizeof(*l))) == NULL)
			return fail_at(t, file, 0, "cannot read: %s",
			    strerror(errno));
		t->lit = l;
		t->maxlit = n;
	}
	l = &t->lit[t->nlit++];
	l->val = 0;
	l->is64 = kind == LK_INT64 || kind == LK_HEX64;
	l->big = NULL;
	if (digits_value(p + (hex ? 2 : (*p == '-' || *p == '+')), *p == '-',
	    hex, &l->val))
		return 0;
	for (n = len; p[n - 1] == 'L'; n--)
		;			/* the suffix is not shown */
	if ((l->big = malloc(CLX_QUOTEMAX + 4)) == NULL)
		return fail_at(t, file, 0, "cannot read: %s", strerror(errno));
	snprintf(l->big, CLX_QUOTEMAX + 4, "%.*s%s",
	    (int)(n > CLX_QUOTEMAX ? CLX_QUOTEMAX : n), p,
	    n > CLX_QUOTEMAX ? "..." : "");
	return 0;
}

static void
lits_free(struct clx_text *t)
{
	size_t i;

	for (i = 0; i < t->nlit; i++)
		free(t->lit[i].big);
	free(t->lit);
	t->lit = NULL;
	t->nlit = t->maxlit = 0;
}

/*
 * Past a string whose opening quote is just before p (flex STRING state),
 * or NULL if the text ends inside it.
 */
static const char *
skip_string(const char *p)
{
	for (; *p != '\0' && *p != '"'; p++)
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
	return *p == '"' ? p + 1 : NULL;
}

/* libconfig's ^[ \t]*@include[ \t]+" at the start of a line: its length. */
static size_t
include_len(const char *p)
{
	size_t n = strspn(p, " \t"), w;

	if (strncmp(p + n, "@include", 8) != 0)
		return 0;
	n += 8;
	if ((w = strspn(p + n, " \t")) == 0 || p[n + w] != '"')
		return 0;
	return n + w + 1;
}

/*
 * The @include file name starting at p, unescaped as flex does: \\ and \"
 * stand for themselves and any other backslash is dropped.  Returns the
 * end of the directive, or NULL if its closing quote is missing.
 */
static const char *
include_name(const char *p, char *name, size_t size, int *toolong)
{
	size_t n = 0;

	for (; *p != '\0' && *p != '"'; p++) {
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		else if (*p == '\\')
			continue;
		if (n + 1 < size)
			name[n++] = *p;
		else
			*toolong = 1;
	}
	name[n] = '\0';
	return *p == '"' ? p + 1 : NULL;
}

static int
line_of(const char *text, const char *at)
{
	int line = 1;

	for (; text < at; text++)
		line += *text == '\n';
	return line;
}

/* ---- reading ------------------------------------------------------------- */

/* All of f, at most 1 MiB of text without NUL bytes, or NULL. */
static char *
slurp(struct clx_text *t, FILE *f, const char *name)
{
	char *buf;
	size_t n;

	if ((buf = malloc(CLX_MAXFILE + 1)) == NULL)
		fail_at(t, name, 0, "cannot read: %s", strerror(errno));
	else if ((n = fread(buf, 1, CLX_MAXFILE + 1, f)) > CLX_MAXFILE)
		fail_at(t, name, 0, "cannot read: larger than 1 MiB");
	else if (ferror(f))
		fail_at(t, name, 0, "cannot read: %s", strerror(EIO));
	else if (memchr(buf, '\0', n) != NULL)
		fail_at(t, name, 0, "cannot read: not a text file (NUL byte)");
	else {
		buf[n] = '\0';
		return buf;
	}
	free(buf);
	return NULL;
}

/*
 * The main file: libconfig parses this text, the lexer reads it too.
 * SECURITY: vetted as an @include file is (below): opened non-blocking and
 * read only if regular, so that a FIFO put in its place cannot hang -t or
 * the running master on SIGHUP.
 */
static char *
read_file(struct clx_text *t)
{
	struct stat st;
	char *buf;
	FILE *f;
	int fd;

	if ((fd = open(t->path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) ==
	    -1) {
		fail_at(t, t->path, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1)
		fail_at(t, t->path, 0, "cannot read: %s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		fail_at(t, t->path, 0, "cannot open: %s", S_ISDIR(st.st_mode) ?
		    strerror(EISDIR) : "not a regular file");
	else if ((f = fdopen(fd, "r")) == NULL)
		fail_at(t, t->path, 0, "cannot read: %s", strerror(errno));
	else {
		buf = slurp(t, f, t->path);
		fclose(f);
		return buf;
	}
	close(fd);
	return NULL;
}

/*
 * An @include file.  SECURITY: only a regular file gets through (a FIFO
 * would hang a reload, a directory used to make libconfig 1.5 exit the
 * process), and what is read is read from the descriptor that was
 * checked; nothing opens the name again.  A file that cannot be opened at
 * all is reported at the line of the directive (at).
 */
static char *
read_include(struct clx_text *t, const char *path, const char *name,
    const char *file, int at)
{
	struct stat st;
	char *buf = NULL;
	FILE *f;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) ==
	    -1) {
		fail_at(t, file, at, "cannot open include file '%s': %s", name,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1)
		fail_at(t, name, 0, "cannot read: %s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		fail_at(t, name, 0, "cannot open: %s", S_ISDIR(st.st_mode) ?
		    strerror(EISDIR) : "not a regular file");
	else if ((f = fdopen(fd, "r")) == NULL)
		fail_at(t, name, 0, "cannot read: %s", strerror(errno));
	else {
		buf = slurp(t, f, name);
		fclose(f);
		return buf;
	}
	close(fd);
	return NULL;
}

/*
 * Relative @include paths are relative to the file, not to the cwd: the
 * file's directory, where libconfig looks (for nested @includes too).
 */
static int
set_include_dir(struct clx_text *t)
{
	const char *slash = strrchr(t->path, '/');

	if (slash == NULL)
		return 0;
	if ((t->incdir = strndup(t->path, (size_t)(slash - t->path) +
	    (slash == t->path))) == NULL)
		return fail_at(t, t->path, 0, "cannot read: %s", strerror(errno));
	return 0;
}

/* Remember an @include file read, for clx_file(). */
static int
add_file(struct clx_text *t, const char *path)
{
	char **f;

	if ((f = reallocarray(t->files, t->nfiles + 1, sizeof(*f))) == NULL)
		return fail_at(t, path, 0, "cannot read: %s", strerror(errno));
	t->files = f;
	if ((f[t->nfiles] = strdup(path)) == NULL)
		return fail_at(t, path, 0, "cannot read: %s", strerror(errno));
	t->nfiles++;
	return 0;
}

/* ---- the expanded text and its map -------------------------------------- */

/* Append len bytes of p to the expanded text (file names the error). */
static int
out_add(struct clx_text *t, const char *file, const char *p, size_t len)
{
	size_t cap;
	char *o;

	if (t->out == NULL || t->outlen + len + 1 > t->outcap) {
		if (t->outlen + len + 1 > CLX_MAXTEXT)
			return fail_at(t, file, 0, "cannot read: more than %d MiB "
			    "with the @include files", CLX_MAXTEXT >> 20);
		cap = t->outcap > 0 ? t->outcap : 4096;
		while (cap < t->outlen + len + 1)
			cap *= 2;
		if ((o = realloc(t->out, cap)) == NULL)
			return fail_at(t, file, 0, "cannot read: %s",
			    strerror(errno));
		t->out = o;
		t->outcap = cap;
	}
	memcpy(t->out + t->outlen, p, len);
	t->outlen += len;
	t->out[t->outlen] = '\0';
	for (size_t i = 0; i < len; i++)
		t->out_line += p[i] == '\n';
	return 0;
}

/* From the current line of the expanded text on, lines of file from line. */
static int
seg_add(struct clx_text *t, const char *file, int line)
{
	struct seg *s;

	if ((s = reallocarray(t->seg, t->nseg + 1, sizeof(*s))) == NULL)
		return fail_at(t, file, 0, "cannot read: %s", strerror(errno));
	t->seg = s;
	s += t->nseg;
	if ((s->file = strdup(file)) == NULL)
		return fail_at(t, file, 0, "cannot read: %s", strerror(errno));
	s->out_line = t->out_line;
	s->line = line;
	t->nseg++;
	return 0;
}

/*
 * After the closing quote only blanks and a comment may follow: the rest
 * of the line comes after the included text in the expanded one, where
 * another directive would be at the start of a line, and libconfig would
 * open it.
 */
static int
rest_of_line_ok(const char *p)
{
	p += strspn(p, " \t\r");
	return *p == '\0' || *p == '\n' || *p == '#' ||
	    (p[0] == '/' && (p[1] == '/' || p[1] == '*'));
}

/* ---- the literals, @include files expanded ------------------------------- */

static int lex_text(struct clx_text *, const char *, const char *, int);

/*
 * The @include directive at p (past its opening quote), in file, read as
 * libconfig reads it (the name under the main file's directory, even from
 * an included file) and expanded in its place.  Returns the text after
 * it, or NULL on error.
 */
static const char *
lex_include(struct clx_text *t, const char *file, const char *text,
    const char *p, int depth)
{
	char name[PATH_MAX], path[2 * PATH_MAX], *buf;
	const char *end;
	int toolong = 0, rc, at = line_of(text, p);

	if ((end = include_name(p, name, sizeof(name), &toolong)) == NULL) {
		fail_at(t, file, at, "unterminated @include");
		return NULL;
	}
	if (toolong || depth >= CLX_MAXDEPTH || !rest_of_line_ok(end)) {
		fail_at(t, file, at, "@include: %s", toolong ? "file name too "
		    "long" : depth >= CLX_MAXDEPTH ? "nested more than 10 deep" :
		    "only a comment may follow on its line");
		return NULL;
	}
	/* SECURITY: bounded, so that nested @includes cannot multiply. */
	if (++t->nincl > CLX_MAXINCLUDES) {
		fail_at(t, file, at, "@include: more than %d files",
		    CLX_MAXINCLUDES);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s%s%s", t->incdir != NULL ?
	    t->incdir : "", t->incdir != NULL ? "/" : "", name);
	if ((buf = read_include(t, path, name, file, at)) == NULL)
		return NULL;
	rc = add_file(t, path);
	if (rc == 0)
		rc = seg_add(t, name, 1);
	if (rc == 0)
		rc = lex_text(t, name, buf, depth + 1);
	/* The rest of the directive's line on a line of its own. */
	if (rc == 0 && t->outlen > 0 && t->out[t->outlen - 1] != '\n')
		rc = out_add(t, name, "\n", 1);
	if (rc == 0)
		rc = seg_add(t, file, at);
	free(buf);
	return rc == -1 ? NULL : end;
}

/*
 * Record every integer literal of text, the text of file, in order, and
 * copy it to the expanded text with its @include directives expanded.
 *
 * SECURITY: libconfig 1.5 takes the end of its text inside a comment or a
 * string for the end of the configuration, silently (an unclosed comment
 * before a deny list drops the list); in the expanded text, one left open
 * in an included file would swallow the rest of the including one.  So
 * each must end in the file it starts in.
 */
static int
lex_text(struct clx_text *t, const char *file, const char *text, int depth)
{
	const char *p = text, *q, *copied = text;
	enum lit_kind kind;
	size_t n;

	while (*p != '\0') {
		if ((p == text || p[-1] == '\n') && (n = include_len(p)) > 0) {
			if (out_add(t, file, copied, (size_t)(p - copied)) == -1)
				return -1;
			p = lex_include(t, file, text, p + n, depth);
			if (p == NULL)
				return -1;
			copied = p;
		} else if (p[0] == '/' && p[1] == '*') {
			if ((q = strstr(p + 2, "*/")) == NULL)
				return fail_at(t, file, line_of(text, p),
				    "unterminated comment");
			p = q + 2;
		} else if (*p == '"') {
			if ((q = skip_string(p + 1)) == NULL)
				return fail_at(t, file, line_of(text, p),
				    "unterminated string");
			p = q;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/'))
			p += strcspn(p, "\n");
		else if (is_name_start(*p))
			p += strspn(p, NAME_CHARS);	/* a name, true, false */
		else if ((n = number_len(p, &kind)) == 0)
			p++;
		else {
			if (kind != LK_FLOAT &&
			    lit_add(t, file, p, n, kind) == -1)
				return -1;
			p += n;
		}
	}
	return out_add(t, file, copied, (size_t)(p - copied));
}

/* ---- matching the parsed tree -------------------------------------------- */

/* Did libconfig make s of l?  atoi() and strtoul() keep the low 32 bits. */
static int
lit_agrees(const struct lit *l, const config_setting_t *s)
{
	int64_t v = config_setting_get_int64(s);

	if (l->is64 != (config_setting_type(s) == CONFIG_TYPE_INT64))
		return 0;
	if (l->big != NULL)
		return 1;	/* libconfig's value is a guess: an error */
	return v == (l->is64 ? l->val : (int32_t)(uint32_t)(uint64_t)l->val);
}

/*
 * Pre-order, as in the text: the N-th integer setting is the N-th literal.
 * Each pair is checked; tie then hooks the literal to its setting.
 */
static int
map_setting(struct clx_text *t, config_setting_t *s, size_t *next, int tie)
{
	config_setting_t *m;
	unsigned i;

	if (config_setting_type(s) == CONFIG_TYPE_INT ||
	    config_setting_type(s) == CONFIG_TYPE_INT64) {
		if (*next >= t->nlit || !lit_agrees(&t->lit[*next], s))
			return -1;
		if (tie)
			config_setting_set_hook(s, &t->lit[*next]);
		(*next)++;
		return 0;
	}
	if (config_setting_is_aggregate(s))
		for (i = 0; (m = config_setting_get_elem(s, i)) != NULL; i++)
			if (map_setting(t, m, next, tie) == -1)
				return -1;
	return 0;
}

/* Checked in full before any is tied, so no integer is half matched. */
int
clx_map(struct clx_text *t, config_setting_t *root)
{
	size_t next = 0;

	if (map_setting(t, root, &next, 0) == -1 ||
	    next != t->nlit)
		return -1;
	next = 0;
	return map_setting(t, root, &next, 1);
}

int
clx_value(const config_setting_t *s, int64_t *val, const char **big)
{
	const struct lit *l = config_setting_get_hook(s);

	if (l == NULL)
		return -1;
	*val = l->val;
	*big = l->big;
	return 0;
}

/* ---- the text ------------------------------------------------------------ */

/*
 * The lexer runs before libconfig parses, so that libconfig opens only
 * @include files it has vetted; its errors then come before libconfig's
 * syntax errors.
 */
struct clx_text *
clx_scan(const char *path, char *err, size_t errlen)
{
	struct clx_text *t;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		snprintf(err, errlen, "%s:0: cannot read: %s", path,
		    strerror(errno));
		return NULL;
	}
	t->path = path;
	t->err = err;
	t->errlen = errlen;
	t->out_line = 1;
	if ((t->text = read_file(t)) == NULL || set_include_dir(t) == -1 ||
	    seg_add(t, path, 1) == -1 || lex_text(t, path, t->text, 0) == -1) {
		clx_free(t);
		return NULL;
	}
	t->path = NULL;
	t->err = NULL;
	t->errlen = 0;
	return t;
}

const char *
clx_source(const struct clx_text *t)
{
	return t->out;
}

void
clx_where(const struct clx_text *t, int line, const char **file, int *fline)
{
	size_t i = t->nseg;

	/* The last segment that starts at or before line. */
	while (i > 1 && t->seg[i - 1].out_line > line)
		i--;
	*file = t->seg[i - 1].file;
	*fline = line <= 0 ? 0 : t->seg[i - 1].line + line - t->seg[i - 1].out_line;
}

const char *
clx_include_dir(const struct clx_text *t)
{
	return t->incdir;
}

size_t
clx_nfiles(const struct clx_text *t)
{
	return t->nfiles;
}

const char *
clx_file(const struct clx_text *t, size_t i)
{
	return i < t->nfiles ? t->files[i] : NULL;
}

void
clx_free(struct clx_text *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nfiles; i++)
		free(t->files[i]);
	free(t->files);
	for (i = 0; i < t->nseg; i++)
		free(t->seg[i].file);
	free(t->seg);
	free(t->out);
	lits_free(t);
	free(t->text);
	free(t->incdir);
	free(t);
}
