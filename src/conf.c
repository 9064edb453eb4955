/*
 * conf.c - the configuration file.
 *
 * Every key is one row of cfg_keys[]: name, type, default, range, field
 * and validator.  Loading, defaults, freeing and the -T dump all walk that
 * table, and the unit tests check the shipped etc/caseserv.conf against it,
 * so a key cannot be added in one place and forgotten in another.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <libconfig.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "conf.h"

#define CFG_MAXFILE	(1024 * 1024)	/* a configuration is a few KiB */
#define CFG_TIMEOUT_MAX	31536000	/* one year, in seconds */
#define CFG_RATE_MAX	1000000		/* new sessions per second */
#define CFG_CLIENTS_MAX	100000
#define CFG_QUOTEMAX	64		/* characters of a value in a message */

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

/* One cfg_load in progress. */
struct load {
	const char	*path;
	const char	*text;		/* the file, to re-read integer literals */
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

static int load_fail(struct load *, const config_setting_t *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* "FILE:LINE: message"; a setting from an @include names its own file. */
static int
load_fail(struct load *ld, const config_setting_t *s, const char *fmt, ...)
{
	const char *file = ld->path;
	int line = 0, n;
	va_list ap;

	if (s != NULL) {
		if (config_setting_source_file(s) != NULL)
			file = config_setting_source_file(s);
		line = config_setting_source_line(s);
	}
	n = snprintf(ld->err, ld->errlen, "%s:%d: ", file, line);
	if (n >= 0 && (size_t)n < ld->errlen) {
		va_start(ap, fmt);
		vsnprintf(ld->err + n, ld->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
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

/* ---- integers ------------------------------------------------------------ */

/*
 * The integer literal at p (decimal or 0x hex, libconfig syntax): 1 with
 * its value in *val, 0 if it does not fit in 64 bits, -1 if p holds none.
 */
static int
literal_value(const char *p, int64_t *val, char *lit, size_t litlen)
{
	size_t n = strspn(p, "+-0123456789abcdefABCDEFxX");
	const char *digits = p + (*p == '-' || *p == '+');
	unsigned long long u;
	char *end;

	if (n == 0 || n >= litlen || *digits < '0' || *digits > '9')
		return -1;
	memcpy(lit, p, n);
	lit[n] = '\0';
	errno = 0;
	if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
		u = strtoull(lit + 2, &end, 16);
		*val = (int64_t)u;
		return errno == 0 && *end == '\0' && u <= INT64_MAX;
	}
	*val = strtoll(lit, &end, 10);
	return errno == 0 && *end == '\0';
}

static int
is_name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '*';
}

/* The text of line (1-based) of text, or NULL. */
static const char *
line_start(const char *text, int line)
{
	for (; line > 1 && text != NULL; line--)
		if ((text = strchr(text, '\n')) != NULL)
			text++;
	return text;
}

/*
 * libconfig 1.5 converts an integer literal with atoi(): "4294967424"
 * silently reads as 128 and "10000000000" (10 GB meant for
 * max_session_bytes) as 1410065408.  So the literal is looked up again in
 * the file text: when no "name = literal" on the setting's line has the
 * value libconfig returned, the first such literal is the true value.
 * Returns 1, with the literal in lit, when even 64 bits cannot hold it.
 */
static int
int_literal(const struct load *ld, const config_setting_t *s, int64_t *v,
    char *lit, size_t litlen)
{
	const char *name = config_setting_name(s), *bol, *eol, *p, *q;
	char tmp[32];
	int64_t val, truev = *v;
	int found = 0, r;

	if (ld->text == NULL || name == NULL ||
	    config_setting_source_file(s) != NULL ||
	    (bol = line_start(ld->text, config_setting_source_line(s))) == NULL)
		return 0;
	eol = bol + strcspn(bol, "\n");
	for (p = bol; (p = strstr(p, name)) != NULL && p < eol; p++) {
		q = p + strlen(name);
		if ((p > bol && is_name_char(p[-1])) || q > eol)
			continue;
		q += strspn(q, " \t");
		if (*q != '=' && *q != ':')
			continue;
		q += 1 + strspn(q + 1, " \t");
		if ((r = literal_value(q, &val, tmp, sizeof(tmp))) == 1 &&
		    val == *v)
			return 0;
		if (r >= 0 && found++ == 0) {
			snprintf(lit, litlen, "%s", tmp);
			if (r == 0)
				return 1;
			truev = val;
		}
	}
	*v = truev;
	return 0;
}

static int
get_int(struct load *ld, const config_setting_t *s, const char *what,
    int64_t min, int64_t max, int64_t *out)
{
	char lit[32];
	int t = config_setting_type(s);

	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
		return load_fail(ld, s, "%s: expected an integer", what);
	*out = config_setting_get_int64(s);
	if (int_literal(ld, s, out, lit, sizeof(lit)))
		return load_fail(ld, s, "%s: %s is out of range %" PRId64 "..%" PRId64,
		    what, lit, min, max);
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

/* The whole file in memory: libconfig parses it, int_literal() re-reads it. */
static char *
read_file(struct load *ld)
{
	struct stat st;
	char *buf;
	size_t n;
	FILE *f;

	if ((f = fopen(ld->path, "re")) == NULL) {
		load_fail(ld, NULL, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) == -1)
		st.st_mode = 0;		/* fread() will tell */
	buf = malloc(CFG_MAXFILE + 1);
	if (S_ISDIR(st.st_mode))
		load_fail(ld, NULL, "cannot open: %s", strerror(EISDIR));
	else if (buf == NULL)
		load_fail(ld, NULL, "cannot read: %s", strerror(errno));
	else if ((n = fread(buf, 1, CFG_MAXFILE + 1, f)) > CFG_MAXFILE)
		load_fail(ld, NULL, "cannot read: larger than 1 MiB");
	else if (ferror(f))
		load_fail(ld, NULL, "cannot read: %s", strerror(EIO));
	else if (memchr(buf, '\0', n) != NULL)
		load_fail(ld, NULL, "cannot read: not a text file (NUL byte)");
	else {
		buf[n] = '\0';
		fclose(f);
		return buf;
	}
	free(buf);
	fclose(f);
	return NULL;
}

/* Relative @include paths are relative to the file, not to the cwd. */
static void
set_include_dir(config_t *lc, const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;

	if (slash == NULL || (dir = strndup(path, (size_t)(slash - path) +
	    (slash == path))) == NULL)
		return;
	config_set_include_dir(lc, dir);
	free(dir);
}

static int
parse(struct load *ld, struct cfg *c)
{
	config_t lc;
	int rc = -1;

	config_init(&lc);
	/* An int where a string is wanted is an error, never converted. */
	config_set_options(&lc, config_get_options(&lc) &
	    ~CONFIG_OPTION_AUTOCONVERT);
	set_include_dir(&lc, ld->path);
	if (config_read_string(&lc, ld->text) != CONFIG_TRUE)
		snprintf(ld->err, ld->errlen, "%s:%d: %s",
		    config_error_file(&lc) != NULL ? config_error_file(&lc) :
		    ld->path, config_error_line(&lc), config_error_text(&lc));
	else if ((c->path = strdup(ld->path)) == NULL)
		load_fail(ld, NULL, "%s", strerror(errno));
	else
		rc = apply(ld, config_root_setting(&lc), c);
	config_destroy(&lc);
	return rc;
}

int
cfg_load(const char *path, struct cfg *cfg, char *err, size_t errlen)
{
	struct load ld = { path, NULL, err, errlen };
	struct cfg c;
	char *text;
	int rc = -1;

	memset(cfg, 0, sizeof(*cfg));
	memset(&c, 0, sizeof(c));
	if ((text = read_file(&ld)) != NULL) {
		ld.text = text;
		rc = parse(&ld, &c);
		free(text);
	}
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
