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
 * file text instead: conflex.c lists every integer literal of the file
 * and of its @include files, in document order, and ties each integer
 * setting of the parsed tree to its literal.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

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

#include "conf.h"
#include "conflex.h"

#define CFG_TIMEOUT_MAX	INT_MAX		/* seconds; the daemon counts in int64 */
#define CFG_RATE_MAX	INT_MAX		/* new sessions per second */
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

/* One cfg_load in progress: where its error goes. */
struct load {
	const char	*path;
	char		*err;
	size_t		 errlen;
	const struct clx_text *text;	/* maps lines back to their files */
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
	LIST(trusted_proxies, KT_ACL),
	INT(proxy_timeout, 5, 1, CFG_PROXY_TIMEOUT_MAX),
	INT(shutdown_timeout, 10, 0, CFG_TIMEOUT_MAX),
	NAME(log_facility, "daemon", facility_names),
	NAME(log_level, "info", level_names),
	INT(stats_interval, 0, 0, CFG_TIMEOUT_MAX),
};
#define CFG_NKEYS	(sizeof(cfg_keys) / sizeof(cfg_keys[0]))

#define FIELD(c, k, T)	((T *)(void *)((char *)(c) + (k)->off))
#define CFIELD(c, k, T)	((T const *)(const void *)((const char *)(c) + (k)->off))
#define COUNT(c, k)	((size_t *)(void *)((char *)(c) + (k)->noff))
#define CCOUNT(c, k)	((const size_t *)(const void *)((const char *)(c) + (k)->noff))

/* ---- messages ------------------------------------------------------------ */

static int load_fail(struct load *, const config_setting_t *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Where line of the text libconfig parsed comes from: libconfig sees the
 * @include files expanded in place (conflex.c), so the file and its line
 * come from the lexer's map.
 */
static void
source_of(const struct load *ld, int line, const char **file, int *fline)
{
	*file = ld->path;
	*fline = line;
	if (ld->text != NULL)
		clx_where(ld->text, line, file, fline);
}

/* "FILE:LINE: message"; a setting from an @include names its own file. */
static int
load_fail(struct load *ld, const config_setting_t *s, const char *fmt, ...)
{
	const char *file = ld->path;
	int line = 0, n;
	va_list ap;

	if (s != NULL)
		source_of(ld, config_setting_source_line(s), &file, &line);
	n = snprintf(ld->err, ld->errlen, "%s:%d: ", file, line);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < ld->errlen)
		vsnprintf(ld->err + n, ld->errlen - (size_t)n, fmt, ap);
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

/* ---- integers ------------------------------------------------------------ */

static int
get_int(struct load *ld, const config_setting_t *s, const char *what,
    int64_t min, int64_t max, int64_t *out)
{
	const char *big;
	int t = config_setting_type(s);

	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
		return load_fail(ld, s, "%s: expected an integer", what);
	/* SECURITY: never libconfig's own value, which may have wrapped. */
	if (clx_value(s, out, &big) == -1)
		return load_fail(ld, s, "%s: cannot match the integer to the "
		    "file's text (was a file changed while being read?)", what);
	if (big != NULL)
		return load_fail(ld, s, "%s: %s is out of range %" PRId64 "..%"
		    PRId64, what, big, min, max);
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
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		load_fail(ld, s, "%s: expected a string", what);
		return -1;	/* spelt out: analysers do not follow varargs */
	}
	*out = config_setting_get_string(s);
	return 0;
}

/*
 * gcc 12's -fanalyzer calls the strdup() below a leak on set_listen()'s
 * default path when the second copy fails: it loses track of memory
 * stored through the table's computed field offsets (FIELD()), which
 * cfg_free() releases on every failure.  LeakSanitizer runs (the test
 * suite, fuzz_conf) show no leak there.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
static int
dup_string(struct load *ld, const config_setting_t *s, const char *v,
    char **out)
{
	if (v != NULL && (*out = strdup(v)) == NULL)
		return load_fail(ld, s, "%s", strerror(errno));
	return 0;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

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
set_flag(struct load *ld, const config_setting_t *s, const char *what,
    int *out)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return load_fail(ld, s, "listen: %s: expected true or false",
		    what);
	*out = config_setting_get_bool(s) != 0;
	return 0;
}

static int
set_listen_entry(struct load *ld, const config_setting_t *g,
    struct cfg_listen *l)
{
	const config_setting_t *m;
	const char *name, *file;
	int i, rc;

	source_of(ld, config_setting_source_line(g), &file, &l->line);
	if ((l->file = strdup(file)) == NULL)
		return load_fail(ld, g, "%s", strerror(errno));
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return load_fail(ld, g, "listen: expected a group "
		    "{ host = ...; port = ...; }");
	for (i = 0; (m = config_setting_get_elem(g, (unsigned)i)) != NULL; i++) {
		name = config_setting_name(m);
		if (strcmp(name, "host") == 0)
			rc = set_host(ld, m, l);
		else if (strcmp(name, "port") == 0)
			rc = set_port(ld, m, l);
		else if (strcmp(name, "proxy_protocol") == 0)
			rc = set_flag(ld, m, name, &l->proxy_protocol);
		else if (strcmp(name, "reuse_port") == 0)
			rc = set_flag(ld, m, name, &l->reuse_port);
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
		fprintf(out, "; proxy_protocol = %s; reuse_port = %s; }%s\n",
		    l[i].proxy_protocol ? "true" : "false",
		    l[i].reuse_port ? "true" : "false", i + 1 < n ? "," : "");
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
		free(l[i].file);
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

/*
 * SECURITY: a proxy_protocol listener believes the address a header
 * names, so it must know whose headers to believe.  With no trusted
 * proxy every connection to it would be refused; that is a mistake in
 * the file, reported at the first listener that asks for headers.
 */
static int
check_proxies(struct load *ld, const config_setting_t *root,
    const struct cfg *c)
{
	const config_setting_t *list = config_setting_get_member(root, "listen");
	size_t i;

	if (c->ntrusted_proxies > 0)
		return 0;
	for (i = 0; i < c->nlisten; i++)
		if (c->listen[i].proxy_protocol)
			return load_fail(ld, config_setting_get_elem(list,
			    (unsigned)i), "listen: proxy_protocol: "
			    "trusted_proxies is empty: no proxy may send a "
			    "header");
	return 0;
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
	return check_proxies(ld, root, c);
}

/* The files a reload reads again: the file itself, then its @includes.
 * gcc 12's -fanalyzer calls each copy leaked when a later one fails: it
 * does not follow c->files, which cfg_free() releases (see dup_string). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
static int
list_files(struct load *ld, const struct clx_text *t, struct cfg *c)
{
	size_t i, n = clx_nfiles(t) + 1;

	if ((c->files = calloc(n, sizeof(*c->files))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		char *f = strdup(i == 0 ? ld->path : clx_file(t, i - 1));

		if (f == NULL)
			return -1;
		c->files[c->nfiles++] = f;	/* cfg_free() frees them */
	}
	return 0;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/* libconfig parses the very text that clx_scan() read. */
static int
parse(struct load *ld, struct clx_text *t, struct cfg *c)
{
	config_t lc;
	int rc = -1;

	const char *file;
	int line;

	config_init(&lc);
	/* An int where a string is wanted is an error, never converted. */
	config_set_options(&lc, config_get_options(&lc) &
	    ~CONFIG_OPTION_AUTOCONVERT);
	/* SECURITY: the text holds no @include (conflex.c expanded them from
	 * the descriptors it vetted): libconfig opens no file.  Should a
	 * directive ever slip through, it is looked for where nothing is. */
	config_set_include_dir(&lc, "/nonexistent/caseserv-include-expanded");
	ld->text = t;
	if (config_read_string(&lc, clx_source(t)) != CONFIG_TRUE) {
		source_of(ld, config_error_line(&lc), &file, &line);
		snprintf(ld->err, ld->errlen, "%s:%d: %s", file, line,
		    config_error_text(&lc));
	} else if ((c->path = strdup(ld->path)) == NULL)
		load_fail(ld, NULL, "%s", strerror(errno));
	else if (list_files(ld, t, c) == -1)
		load_fail(ld, NULL, "%s", strerror(errno));
	else {
		/* A mismatch is reported at the first integer applied. */
		clx_map(t, config_root_setting(&lc));
		rc = apply(ld, config_root_setting(&lc), c);
	}
	config_destroy(&lc);
	return rc;
}

/*
 * The lexer reads the file first, so that libconfig opens only @include
 * files it has vetted; its errors then come before libconfig's.
 */
int
cfg_load(const char *path, struct cfg *cfg, char *err, size_t errlen)
{
	struct load ld = { .path = path, .err = err, .errlen = errlen };
	struct clx_text *t;
	struct cfg c;
	int rc = -1;

	memset(cfg, 0, sizeof(*cfg));
	memset(&c, 0, sizeof(c));
	if ((t = clx_scan(path, err, errlen)) != NULL)
		rc = parse(&ld, t, &c);
	clx_free(t);
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
	for (i = 0; i < cfg->nfiles; i++)
		free(cfg->files[i]);
	free(cfg->files);
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

static int
cfg_str_equal(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

int
cfg_listen_equal(const struct cfg *a, const struct cfg *b)
{
	if (a->nlisten != b->nlisten)
		return 0;
	for (size_t i = 0; i < a->nlisten; i++)
		if (!cfg_str_equal(a->listen[i].host, b->listen[i].host) ||
		    !cfg_str_equal(a->listen[i].port, b->listen[i].port) ||
		    a->listen[i].proxy_protocol != b->listen[i].proxy_protocol ||
		    a->listen[i].reuse_port != b->listen[i].reuse_port)
			return 0;
	return 1;
}
