/*
 * conf.c - the configuration file.
 *
 * Every key is one row of cfg_keys[]: name, type, default, range, field
 * and validator.  Loading, defaults, freeing and the -T dump all walk that
 * table, and the unit tests check the shipped etc/caseserv.conf against it,
 * so a key cannot be added in one place and forgotten in another.
 *
 * libconfig 1.5 reads a plain integer literal with atoi(), so a value
 * beyond 32 bits silently wraps.  Integers are therefore taken from the
 * file text instead: a small lexer lists every integer literal of the
 * file and of its @include files, in document order, and each integer
 * setting of the parsed tree is matched to its literal (see "the text's
 * integer literals" below).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>

#include <errno.h>
#include <inttypes.h>
#include <libconfig.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "conf.h"

#define CFG_MAXFILE	(1024 * 1024)	/* a configuration is a few KiB */
#define CFG_TIMEOUT_MAX	INT_MAX		/* seconds; the daemon counts in int64 */
#define CFG_RATE_MAX	INT_MAX		/* new sessions per second */
#define CFG_CLIENTS_MAX	100000
#define CFG_QUOTEMAX	64		/* characters of a value in a message */
#define CFG_MAXDEPTH	10		/* libconfig 1.5's @include nesting */
#define CFG_MAXINCLUDES	256		/* @include files read, in all */

enum key_type { KT_INT, KT_INT64, KT_STRING, KT_NAME, KT_LISTEN, KT_ACL };

struct name_value {
	const char	*name;
	int		 value;
};

struct cfg_key {
	const char		*name;
	enum key_type		 type;
	int64_t			 def, min, max;	/* KT_INT, KT_INT64 */
	const char		*defstr;	/* KT_STRING, KT_NAME; NULL: unset */
	size_t			 off;		/* the field in struct cfg */
	size_t			 noff;		/* KT_LISTEN, KT_ACL: its count */
	const struct name_value	*names;		/* KT_NAME */
	const char		*(*check)(const char *);  /* NULL or why not */
};

/* One integer literal of the text, in document order. */
struct lit {
	int64_t		 val;
	int		 is64;		/* L suffix: libconfig made an int64 */
	char		*big;		/* NULL, or a literal beyond 64 bits */
};

/* One cfg_load in progress. */
struct load {
	const char	*path;
	char		*text;		/* the file */
	char		*incdir;	/* libconfig's @include directory */
	struct lit	*lit;		/* the text's integer literals */
	size_t		 nlit, maxlit;
	int		 nincl;		/* @include files read */
	int		 stop;		/* an @include libconfig will refuse */
	int		 unmapped;	/* literals and settings disagree */
	char		*err;
	size_t		 errlen;
};

static const struct name_value facility_names[] = {
	{ "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
	{ NULL, 0 }
};

static const struct name_value level_names[] = {
	{ "error", LOG_ERR }, { "warning", LOG_WARNING },
	{ "notice", LOG_NOTICE }, { "info", LOG_INFO }, { "debug", LOG_DEBUG },
	{ NULL, 0 }
};

static const char *check_absolute(const char *);

#define F(f)	offsetof(struct cfg, f)
#define INT(f, d, lo, hi) \
	{ .name = #f, .type = KT_INT, .def = d, .min = lo, .max = hi, .off = F(f) }
#define STR(f, d, chk) \
	{ .name = #f, .type = KT_STRING, .defstr = d, .off = F(f), .check = chk }
#define NAME(f, d, tbl) \
	{ .name = #f, .type = KT_NAME, .defstr = d, .off = F(f), .names = tbl }
#define LIST(f, t) \
	{ .name = #f, .type = t, .off = F(f), .noff = F(n##f) }

/* The order is the order of the -T dump and of etc/caseserv.conf. */
static const struct cfg_key cfg_keys[] = {
	LIST(listen, KT_LISTEN),
	INT(backlog, 128, 1, 65535),
	STR(user, "caseserv", NULL),
	STR(group, NULL, NULL),
	STR(pidfile, NULL, check_absolute),
	INT(max_clients, 256, 1, CFG_CLIENTS_MAX),
	INT(max_clients_per_host, 32, 0, CFG_CLIENTS_MAX),
	INT(host_prefix_ipv4, 32, 0, 32),
	INT(host_prefix_ipv6, 64, 0, 128),
	INT(max_connection_rate, 0, 0, CFG_RATE_MAX),
	INT(max_connection_rate_per_host, 0, 0, CFG_RATE_MAX),
	INT(idle_timeout, 300, 0, CFG_TIMEOUT_MAX),
	INT(session_timeout, 0, 0, CFG_TIMEOUT_MAX),
	{ .name = "max_session_bytes", .type = KT_INT64, .def = 0, .min = 0,
	  .max = INT64_MAX, .off = F(max_session_bytes) },
	LIST(allow, KT_ACL),
	LIST(deny, KT_ACL),
	INT(shutdown_timeout, 10, 0, CFG_TIMEOUT_MAX),
	NAME(log_facility, "daemon", facility_names),
	NAME(log_level, "info", level_names),
};
#define CFG_NKEYS	(sizeof(cfg_keys) / sizeof(cfg_keys[0]))

#define FIELD(c, k, T)	((T *)(void *)((char *)(c) + (k)->off))
#define CFIELD(c, k, T)	((T const *)(const void *)((const char *)(c) + (k)->off))
#define COUNT(c, k)	((size_t *)(void *)((char *)(c) + (k)->noff))
#define CCOUNT(c, k)	((const size_t *)(const void *)((const char *)(c) + (k)->noff))

/* ---- messages ------------------------------------------------------------ */

static int fail_at(struct load *, const char *, int, const char *, ...)
    __attribute__((format(printf, 4, 5)));
static int load_fail(struct load *, const config_setting_t *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static int
vfail_at(struct load *ld, const char *file, int line, const char *fmt,
    va_list ap)
{
	int n = snprintf(ld->err, ld->errlen, "%s:%d: ", file, line);

	if (n >= 0 && (size_t)n < ld->errlen)
		vsnprintf(ld->err + n, ld->errlen - (size_t)n, fmt, ap);
	return -1;
}

static int
fail_at(struct load *ld, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail_at(ld, file, line, fmt, ap);
	va_end(ap);
	return -1;
}

/* "FILE:LINE: message"; a setting from an @include names its own file. */
static int
load_fail(struct load *ld, const config_setting_t *s, const char *fmt, ...)
{
	const char *file = ld->path;
	int line = 0;
	va_list ap;

	if (s != NULL) {
		if (config_setting_source_file(s) != NULL)
			file = config_setting_source_file(s);
		line = config_setting_source_line(s);
	}
	va_start(ap, fmt);
	vfail_at(ld, file, line, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * SECURITY: a value echoed in a message may hold any byte (libconfig has
 * \x escapes); only printable ASCII goes through, bounded, so a message
 * cannot forge log lines or drive a terminal.
 */
static const char *
quoted(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < len && i < CFG_QUOTEMAX; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	buf[i] = '\0';
	if (s[i] != '\0' && len > 4)
		memcpy(buf + (i < len - 4 ? i : len - 4), "...", 4);
	return buf;
}

/* ---- the text's integer literals ------------------------------------------ */

/*
 * libconfig 1.5 converts a plain integer literal with atoi(): "4294967424"
 * silently reads as 128 and "10000000000" (10 GB meant for
 * max_session_bytes) as 1410065408.  So this lexer cuts the text as
 * libconfig's flex scanner does (strings, comments, names, numbers,
 * @include lines) and keeps the exact value of every integer literal, in
 * document order with each @include file expanded in place.  In a parsed
 * tree, every integer setting comes from exactly one such literal, in the
 * same order, so the N-th integer setting met in a walk of the tree is the
 * N-th literal; map_literals() checks each pair against the value libconfig
 * made of it, and an integer that cannot be matched is an error.
 */
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
lit_add(struct load *ld, const char *file, const char *p, size_t len,
    enum lit_kind kind)
{
	int hex = kind == LK_HEX || kind == LK_HEX64;
	struct lit *l;
	size_t n;

	if (ld->nlit == ld->maxlit) {
		n = ld->maxlit > 0 ? 2 * ld->maxlit : 64;
		if ((l = reallocarray(ld->lit, n, sizeof(*l))) == NULL)
			return fail_at(ld, file, 0, "cannot read: %s",
			    strerror(errno));
		ld->lit = l;
		ld->maxlit = n;
	}
	l = &ld->lit[ld->nlit++];
	l->is64 = kind == LK_INT64 || kind == LK_HEX64;
	l->big = NULL;
	if (digits_value(p + (hex ? 2 : (*p == '-' || *p == '+')), *p == '-',
	    hex, &l->val))
		return 0;
	for (n = len; p[n - 1] == 'L'; n--)
		;			/* the suffix is not shown */
	if ((l->big = malloc(CFG_QUOTEMAX + 4)) == NULL)
		return fail_at(ld, file, 0, "cannot read: %s", strerror(errno));
	snprintf(l->big, CFG_QUOTEMAX + 4, "%.*s%s",
	    (int)(n > CFG_QUOTEMAX ? CFG_QUOTEMAX : n), p,
	    n > CFG_QUOTEMAX ? "..." : "");
	return 0;
}

static void
lits_free(struct load *ld)
{
	size_t i;

	for (i = 0; i < ld->nlit; i++)
		free(ld->lit[i].big);
	free(ld->lit);
	ld->lit = NULL;
	ld->nlit = ld->maxlit = 0;
}

/* Past a string whose opening quote is just before p (flex STRING state). */
static const char *
skip_string(const char *p)
{
	for (; *p != '\0' && *p != '"'; p++)
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
	return *p == '"' ? p + 1 : p;
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

static char *read_include(struct load *, const char *, const char *);
static int lex_text(struct load *, const char *, const char *, int);

/*
 * The @include directive at p (past its opening quote), in file, read as
 * libconfig reads it: the name under libconfig's include directory, even
 * from an included file.  Returns the text after it, or NULL on error.
 * Where libconfig will refuse the directive, ld->stop ends the lexing and
 * libconfig reports it.
 */
static const char *
lex_include(struct load *ld, const char *file, const char *text,
    const char *p, int depth)
{
	char name[PATH_MAX], path[2 * PATH_MAX], *buf;
	const char *end;
	int toolong = 0, rc;

	if ((end = include_name(p, name, sizeof(name), &toolong)) == NULL)
		return p + strlen(p);	/* no closing quote: nothing read */
	if (depth >= CFG_MAXDEPTH || toolong) {
		ld->stop = 1;
		return end;
	}
	/* SECURITY: bounded, so that nested @includes cannot multiply. */
	if (++ld->nincl > CFG_MAXINCLUDES) {
		fail_at(ld, file, line_of(text, p), "@include: more than %d "
		    "files", CFG_MAXINCLUDES);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s%s%s", ld->incdir != NULL ?
	    ld->incdir : "", ld->incdir != NULL ? "/" : "", name);
	if ((buf = read_include(ld, path, name)) == NULL)
		return ld->stop ? end : NULL;
	rc = lex_text(ld, name, buf, depth + 1);
	free(buf);
	return rc == -1 ? NULL : end;
}

/* Record every integer literal of text, the text of file, in order. */
static int
lex_text(struct load *ld, const char *file, const char *text, int depth)
{
	const char *p = text, *q;
	enum lit_kind kind;
	size_t n;

	while (*p != '\0' && !ld->stop) {
		if ((p == text || p[-1] == '\n') && (n = include_len(p)) > 0) {
			p = lex_include(ld, file, text, p + n, depth);
			if (p == NULL)
				return -1;
		} else if (p[0] == '/' && p[1] == '*')
			p = (q = strstr(p + 2, "*/")) != NULL ? q + 2 :
			    p + strlen(p);
		else if (*p == '"')
			p = skip_string(p + 1);
		else if (*p == '#' || (p[0] == '/' && p[1] == '/'))
			p += strcspn(p, "\n");
		else if (is_name_start(*p))
			p += strspn(p, NAME_CHARS);	/* a name, true, false */
		else if ((n = number_len(p, &kind)) == 0)
			p++;
		else {
			if (kind != LK_FLOAT &&
			    lit_add(ld, file, p, n, kind) == -1)
				return -1;
			p += n;
		}
	}
	return 0;
}

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

/* Pre-order, as in the text: the N-th integer setting is the N-th literal. */
static void
map_setting(struct load *ld, config_setting_t *s, size_t *next)
{
	config_setting_t *m;
	unsigned i;

	if (config_setting_type(s) == CONFIG_TYPE_INT ||
	    config_setting_type(s) == CONFIG_TYPE_INT64) {
		if (ld->unmapped || *next >= ld->nlit ||
		    !lit_agrees(&ld->lit[*next], s))
			ld->unmapped = 1;
		else
			config_setting_set_hook(s, &ld->lit[(*next)++]);
		return;
	}
	if (config_setting_is_aggregate(s))
		for (i = 0; (m = config_setting_get_elem(s, i)) != NULL; i++)
			map_setting(ld, m, next);
}

static void
map_literals(struct load *ld, config_setting_t *root)
{
	size_t next = 0;

	ld->unmapped = ld->stop;
	map_setting(ld, root, &next);
	if (next != ld->nlit)
		ld->unmapped = 1;
}

/* ---- integers ------------------------------------------------------------ */

static int
get_int(struct load *ld, const config_setting_t *s, const char *what,
    int64_t min, int64_t max, int64_t *out)
{
	const struct lit *l;
	int t = config_setting_type(s);

	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
		return load_fail(ld, s, "%s: expected an integer", what);
	/* SECURITY: never libconfig's own value, which may have wrapped. */
	if ((l = config_setting_get_hook(s)) == NULL || ld->unmapped)
		return load_fail(ld, s, "%s: cannot match the integer to the "
		    "file's text (was a file changed while being read?)", what);
	if (l->big != NULL)
		return load_fail(ld, s, "%s: %s is out of range %" PRId64 "..%"
		    PRId64, what, l->big, min, max);
	*out = l->val;
	if (*out < min || *out > max)
		return load_fail(ld, s, "%s: %" PRId64 " is out of range %" PRId64
		    "..%" PRId64, what, *out, min, max);
	return 0;
}

static int
set_int(const struct cfg_key *k, const config_setting_t *s, struct cfg *c,
    struct load *ld)
{
	int64_t v = k->def;

	if (s != NULL && get_int(ld, s, k->name, k->min, k->max, &v) == -1)
		return -1;
	*FIELD(c, k, int) = (int)v;
	return 0;
}

static int
set_int64(const struct cfg_key *k, const config_setting_t *s, struct cfg *c,
    struct load *ld)
{
	int64_t v = k->def;

	if (s != NULL && get_int(ld, s, k->name, k->min, k->max, &v) == -1)
		return -1;
	*FIELD(c, k, int64_t) = v;
	return 0;
}

/* ---- strings and names --------------------------------------------------- */

static const char *
check_absolute(const char *path)
{
	return path[0] == '/' ? NULL : "not an absolute path";
}

static int
get_string(struct load *ld, const config_setting_t *s, const char *what,
    const char **out)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return load_fail(ld, s, "%s: expected a string", what);
	*out = config_setting_get_string(s);
	return 0;
}

static int
dup_string(struct load *ld, const config_setting_t *s, const char *v,
    char **out)
{
	if (v != NULL && (*out = strdup(v)) == NULL)
		return load_fail(ld, s, "%s", strerror(errno));
	return 0;
}

/* A key without a default (group, pidfile) is unset by the empty string. */
static int
set_string(const struct cfg_key *k, const config_setting_t *s,
    struct cfg *c, struct load *ld)
{
	const char *v = k->defstr, *why;
	char q[CFG_QUOTEMAX + 4];

	if (s != NULL && get_string(ld, s, k->name, &v) == -1)
		return -1;
	if (s != NULL && v[0] == '\0') {
		if (k->defstr != NULL)
			return load_fail(ld, s, "%s: must not be empty", k->name);
		v = NULL;
	}
	if (v != NULL && k->check != NULL && (why = k->check(v)) != NULL)
		return load_fail(ld, s, "%s: '%s': %s", k->name,
		    quoted(v, q, sizeof(q)), why);
	return dup_string(ld, s, v, FIELD(c, k, char *));
}

static const char *
name_of(const struct name_value *t, int value)
{
	for (; t->name != NULL; t++)
		if (t->value == value)
			return t->name;
	return "unknown";
}

static int
set_name(const struct cfg_key *k, const config_setting_t *s, struct cfg *c,
    struct load *ld)
{
	const struct name_value *t;
	const char *v = k->defstr;
	char q[CFG_QUOTEMAX + 4], all[128] = "";

	if (s != NULL && get_string(ld, s, k->name, &v) == -1)
		return -1;
	for (t = k->names; t->name != NULL; t++) {
		if (strcmp(t->name, v) == 0) {
			*FIELD(c, k, int) = t->value;
			return 0;
		}
		snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s%s",
		    t == k->names ? "" : ", ", t->name);
	}
	return load_fail(ld, s, "%s: '%s' is not one of %s", k->name,
	    quoted(v, q, sizeof(q)), all);
}

/* ---- listen --------------------------------------------------------------- */

static int
is_number(const char *s)
{
	return s[0] != '\0' && strspn(s, "0123456789") == strlen(s);
}

static int
is_list(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_LIST ||
	    config_setting_type(s) == CONFIG_TYPE_ARRAY;
}

static int
set_port(struct load *ld, const config_setting_t *s, struct cfg_listen *l)
{
	const char *name;
	char buf[16], q[CFG_QUOTEMAX + 4];
	int64_t v;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		name = config_setting_get_string(s);
		if (is_number(name)) {
			v = strlen(name) > 5 ? 0 : strtol(name, NULL, 10);
			if (v < 1 || v > 65535)
				return load_fail(ld, s, "listen: port: '%s' is out "
				    "of range 1..65535", quoted(name, q,
				    sizeof(q)));
			snprintf(buf, sizeof(buf), "%d", (int)v);
			return dup_string(ld, s, buf, &l->port);
		}
		if (getservbyname(name, "tcp") == NULL)
			return load_fail(ld, s, "listen: port: '%s': unknown TCP "
			    "service", quoted(name, q, sizeof(q)));
		return dup_string(ld, s, name, &l->port);
	}
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return load_fail(ld, s, "listen: port: expected an integer or a "
		    "service name");
	if (get_int(ld, s, "listen: port", 1, 65535, &v) == -1)
		return -1;
	snprintf(buf, sizeof(buf), "%d", (int)v);
	return dup_string(ld, s, buf, &l->port);
}

static int
set_host(struct load *ld, const config_setting_t *s, struct cfg_listen *l)
{
	const char *v = NULL;

	if (get_string(ld, s, "listen: host", &v) == -1)
		return -1;
	if (v[0] == '\0')
		return load_fail(ld, s, "listen: host: must not be empty "
		    "(\"*\" is the wildcard)");
	return dup_string(ld, s, strcmp(v, "*") == 0 ? NULL : v, &l->host);
}

static int
set_listen_entry(struct load *ld, const config_setting_t *g,
    struct cfg_listen *l)
{
	const config_setting_t *m;
	const char *name;
	int i, rc;

	l->line = config_setting_source_line(g);
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return load_fail(ld, g, "listen: expected a group "
		    "{ host = ...; port = ...; }");
	for (i = 0; (m = config_setting_get_elem(g, (unsigned)i)) != NULL; i++) {
		name = config_setting_name(m);
		if (strcmp(name, "host") == 0)
			rc = set_host(ld, m, l);
		else if (strcmp(name, "port") == 0)
			rc = set_port(ld, m, l);
		else
			rc = load_fail(ld, m, "listen: unknown setting '%s'", name);
		if (rc == -1)
			return -1;
	}
	if (l->port == NULL)
		return dup_string(ld, g, CFG_DEFAULT_PORT, &l->port);
	return 0;
}

static int
set_listen(const struct cfg_key *k, const config_setting_t *s, struct cfg *c,
    struct load *ld)
{
	struct cfg_listen **v = FIELD(c, k, struct cfg_listen *);
	size_t *n = COUNT(c, k), len = 1, i;

	if (s != NULL && !is_list(s))
		return load_fail(ld, s, "listen: expected a list of groups");
	if (s != NULL && (len = (size_t)config_setting_length(s)) == 0)
		return load_fail(ld, s, "listen: empty list: nothing to listen on");
	if ((*v = calloc(len, sizeof(**v))) == NULL)
		return load_fail(ld, s, "%s", strerror(errno));
	if (s == NULL) {
		*n = 1;
		if (dup_string(ld, s, "localhost", &(*v)[0].host) == -1)
			return -1;
		return dup_string(ld, s, CFG_DEFAULT_PORT, &(*v)[0].port);
	}
	for (i = 0; i < len; i++) {
		*n = i + 1;	/* so that cfg_free() frees a partial list */
		if (set_listen_entry(ld, config_setting_get_elem(s,
		    (unsigned)i), &(*v)[i]) == -1)
			return -1;
	}
	return 0;
}

/* ---- allow, deny ----------------------------------------------------------- */

static int
set_acl(const struct cfg_key *k, const config_setting_t *s, struct cfg *c,
    struct load *ld)
{
	struct acl_rule **v = FIELD(c, k, struct acl_rule *);
	const config_setting_t *e;
	char q[CFG_QUOTEMAX + 4];
	size_t i, len;

	if (s == NULL)
		return 0;
	if (!is_list(s))
		return load_fail(ld, s, "%s: expected a list of strings", k->name);
	if ((len = (size_t)config_setting_length(s)) == 0)
		return 0;
	if ((*v = calloc(len, sizeof(**v))) == NULL)
		return load_fail(ld, s, "%s", strerror(errno));
	*COUNT(c, k) = len;
	for (i = 0; i < len; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return load_fail(ld, e, "%s: expected a list of strings",
			    k->name);
		if (acl_parse(config_setting_get_string(e), &(*v)[i]) == -1)
			return load_fail(ld, e, "%s: '%s': not an IP address or "
			    "CIDR prefix", k->name,
			    quoted(config_setting_get_string(e), q, sizeof(q)));
	}
	return 0;
}

/* ---- dump ------------------------------------------------------------------ */

/* A string in libconfig syntax: quotes, backslashes and controls escaped. */
static void
dump_quoted(const char *s, FILE *out)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");

	fputc('"', out);
	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\x%02x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void
dump_int(const struct cfg_key *k, const struct cfg *c, FILE *out)
{
	fprintf(out, "%s = %d;\n", k->name, *CFIELD(c, k, int));
}

/* The L suffix only where a plain int could not hold the value. */
static void
dump_int64(const struct cfg_key *k, const struct cfg *c, FILE *out)
{
	int64_t v = *CFIELD(c, k, int64_t);

	fprintf(out, "%s = %" PRId64 "%s;\n", k->name, v,
	    v > INT32_MAX || v < INT32_MIN ? "L" : "");
}

static void
dump_string(const struct cfg_key *k, const struct cfg *c, FILE *out)
{
	fprintf(out, "%s = ", k->name);
	dump_quoted(*CFIELD(c, k, char *), out);
	fputs(";\n", out);
}

static void
dump_name(const struct cfg_key *k, const struct cfg *c, FILE *out)
{
	fprintf(out, "%s = \"%s\";\n", k->name,
	    name_of(k->names, *CFIELD(c, k, int)));
}

static void
dump_listen(const struct cfg_key *k, const struct cfg *c, FILE *out)
{
	const struct cfg_listen *l = *CFIELD(c, k, struct cfg_listen *);
	size_t i, n = *CCOUNT(c, k);

	fprintf(out, "%s = (\n", k->name);
	for (i = 0; i < n; i++) {
		fputs("  { host = ", out);
		dump_quoted(l[i].host != NULL ? l[i].host : "*", out);
		fputs("; port = ", out);
		if (is_number(l[i].port))
			fputs(l[i].port, out);
		else
			dump_quoted(l[i].port, out);
		fprintf(out, "; }%s\n", i + 1 < n ? "," : "");
	}
	fputs(");\n", out);
}

static void
dump_acl(const struct cfg_key *k, const struct cfg *c, FILE *out)
{
	const struct acl_rule *r = *CFIELD(c, k, struct acl_rule *);
	size_t i, n = *CCOUNT(c, k);
	char buf[INET6_ADDRSTRLEN + 8];

	fprintf(out, "%s = (", k->name);
	for (i = 0; i < n; i++) {
		acl_format(&r[i], buf, sizeof(buf));
		fprintf(out, "%s \"%s\"", i > 0 ? "," : "", buf);
	}
	fputs(n > 0 ? " );\n" : ");\n", out);
}

/* ---- freeing --------------------------------------------------------------- */

static void
free_string(const struct cfg_key *k, struct cfg *c)
{
	free(*FIELD(c, k, char *));
}

static void
free_listen(const struct cfg_key *k, struct cfg *c)
{
	struct cfg_listen *l = *FIELD(c, k, struct cfg_listen *);
	size_t i;

	for (i = 0; l != NULL && i < *COUNT(c, k); i++) {
		free(l[i].host);
		free(l[i].port);
	}
	free(l);
}

static void
free_array(const struct cfg_key *k, struct cfg *c)
{
	free(*FIELD(c, k, void *));
}

/* ---- the table's verbs ------------------------------------------------------ */

struct key_ops {
	int	(*set)(const struct cfg_key *, const config_setting_t *,
		    struct cfg *, struct load *);	/* NULL setting: default */
	void	(*dump)(const struct cfg_key *, const struct cfg *, FILE *);
	void	(*release)(const struct cfg_key *, struct cfg *);
};

static const struct key_ops key_ops[] = {
	[KT_INT] =	{ set_int, dump_int, NULL },
	[KT_INT64] =	{ set_int64, dump_int64, NULL },
	[KT_STRING] =	{ set_string, dump_string, free_string },
	[KT_NAME] =	{ set_name, dump_name, NULL },
	[KT_LISTEN] =	{ set_listen, dump_listen, free_listen },
	[KT_ACL] =	{ set_acl, dump_acl, free_array },
};

static const struct cfg_key *
key_find(const char *name)
{
	size_t i;

	for (i = 0; i < CFG_NKEYS; i++)
		if (strcmp(cfg_keys[i].name, name) == 0)
			return &cfg_keys[i];
	return NULL;
}

/* Settings in file order, so the first error reported is the first one. */
static int
apply(struct load *ld, const config_setting_t *root, struct cfg *c)
{
	const config_setting_t *s;
	const struct cfg_key *k;
	int seen[CFG_NKEYS] = { 0 };
	unsigned i;

	for (i = 0; (s = config_setting_get_elem(root, i)) != NULL; i++) {
		if ((k = key_find(config_setting_name(s))) == NULL)
			return load_fail(ld, s, "unknown setting '%s'",
			    config_setting_name(s));
		seen[k - cfg_keys] = 1;
		if (key_ops[k->type].set(k, s, c, ld) == -1)
			return -1;
	}
	for (i = 0; i < CFG_NKEYS; i++)
		if (!seen[i] &&
		    key_ops[cfg_keys[i].type].set(&cfg_keys[i], NULL, c, ld) == -1)
			return -1;
	return 0;
}

/* ---- reading ---------------------------------------------------------------- */

/* All of f, at most 1 MiB of text without NUL bytes, or NULL. */
static char *
slurp(struct load *ld, FILE *f, const char *name)
{
	char *buf;
	size_t n;

	if ((buf = malloc(CFG_MAXFILE + 1)) == NULL)
		fail_at(ld, name, 0, "cannot read: %s", strerror(errno));
	else if ((n = fread(buf, 1, CFG_MAXFILE + 1, f)) > CFG_MAXFILE)
		fail_at(ld, name, 0, "cannot read: larger than 1 MiB");
	else if (ferror(f))
		fail_at(ld, name, 0, "cannot read: %s", strerror(EIO));
	else if (memchr(buf, '\0', n) != NULL)
		fail_at(ld, name, 0, "cannot read: not a text file (NUL byte)");
	else {
		buf[n] = '\0';
		return buf;
	}
	free(buf);
	return NULL;
}

/* The main file: libconfig parses this text, the lexer reads it too. */
static char *
read_file(struct load *ld)
{
	struct stat st;
	char *buf = NULL;
	FILE *f;

	if ((f = fopen(ld->path, "re")) == NULL) {
		load_fail(ld, NULL, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) == -1)
		st.st_mode = 0;		/* fread() will tell */
	if (S_ISDIR(st.st_mode))
		load_fail(ld, NULL, "cannot open: %s", strerror(EISDIR));
	else
		buf = slurp(ld, f, ld->path);
	fclose(f);
	return buf;
}

/*
 * An @include file, read before libconfig opens it.  SECURITY: libconfig
 * 1.5 exits the process ("input in flex scanner failed") on an @include
 * of a directory, and would block on a FIFO: on SIGHUP either would kill
 * or hang the running daemon, so only a regular file gets through.  A
 * file that cannot be opened at all is left to libconfig, which reports
 * it at the line of the directive.
 */
static char *
read_include(struct load *ld, const char *path, const char *name)
{
	struct stat st;
	char *buf = NULL;
	FILE *f;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) ==
	    -1) {
		ld->stop = 1;
		return NULL;
	}
	if (fstat(fd, &st) == -1)
		fail_at(ld, name, 0, "cannot read: %s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		fail_at(ld, name, 0, "cannot open: %s", S_ISDIR(st.st_mode) ?
		    strerror(EISDIR) : "not a regular file");
	else if ((f = fdopen(fd, "r")) == NULL)
		fail_at(ld, name, 0, "cannot read: %s", strerror(errno));
	else {
		buf = slurp(ld, f, name);
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
set_include_dir(struct load *ld)
{
	const char *slash = strrchr(ld->path, '/');

	if (slash == NULL)
		return 0;
	if ((ld->incdir = strndup(ld->path, (size_t)(slash - ld->path) +
	    (slash == ld->path))) == NULL)
		return load_fail(ld, NULL, "cannot read: %s", strerror(errno));
	return 0;
}

/*
 * The lexer runs first, so that libconfig opens only @include files it
 * has vetted; its errors then come before libconfig's syntax errors.
 */
static int
parse(struct load *ld, struct cfg *c)
{
	config_t lc;
	int rc = -1;

	if (set_include_dir(ld) == -1 ||
	    lex_text(ld, ld->path, ld->text, 0) == -1)
		return -1;
	config_init(&lc);
	/* An int where a string is wanted is an error, never converted. */
	config_set_options(&lc, config_get_options(&lc) &
	    ~CONFIG_OPTION_AUTOCONVERT);
	if (ld->incdir != NULL)
		config_set_include_dir(&lc, ld->incdir);
	if (config_read_string(&lc, ld->text) != CONFIG_TRUE)
		snprintf(ld->err, ld->errlen, "%s:%d: %s",
		    config_error_file(&lc) != NULL ? config_error_file(&lc) :
		    ld->path, config_error_line(&lc), config_error_text(&lc));
	else if ((c->path = strdup(ld->path)) == NULL)
		load_fail(ld, NULL, "%s", strerror(errno));
	else {
		map_literals(ld, config_root_setting(&lc));
		rc = apply(ld, config_root_setting(&lc), c);
	}
	config_destroy(&lc);
	return rc;
}

int
cfg_load(const char *path, struct cfg *cfg, char *err, size_t errlen)
{
	struct load ld = { .path = path, .err = err, .errlen = errlen };
	struct cfg c;
	int rc = -1;

	memset(cfg, 0, sizeof(*cfg));
	memset(&c, 0, sizeof(c));
	if ((ld.text = read_file(&ld)) != NULL)
		rc = parse(&ld, &c);
	free(ld.text);
	free(ld.incdir);
	lits_free(&ld);
	if (rc == 0)
		*cfg = c;
	else
		cfg_free(&c);
	return rc;
}


void
cfg_dump(const struct cfg *cfg, FILE *out)
{
	size_t i;

	fprintf(out, "# caseserv: the effective configuration%s%s\n",
	    cfg->path != NULL ? " from " : "",
	    cfg->path != NULL ? cfg->path : "");
	for (i = 0; i < CFG_NKEYS; i++)
		key_ops[cfg_keys[i].type].dump(&cfg_keys[i], cfg, out);
}

void
cfg_free(struct cfg *cfg)
{
	size_t i;

	for (i = 0; i < CFG_NKEYS; i++)
		if (key_ops[cfg_keys[i].type].release != NULL)
			key_ops[cfg_keys[i].type].release(&cfg_keys[i], cfg);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

const char *
cfg_level_name(int level)
{
	return name_of(level_names, level);
}

const char *
cfg_facility_name(int facility)
{
	return name_of(facility_names, facility);
}
