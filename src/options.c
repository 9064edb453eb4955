/*
 * options.c - the command line (SPEC section 2).
 */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "options.h"

#define OPT_USAGE "usage: caseserv [-c FILE] [-f] [-e] [-d] [-i] [-t | -T] [-h] [-V]\n"

static const struct option opt_long[] = {
	{ "config",	required_argument,	NULL, 'c' },
	{ "foreground",	no_argument,		NULL, 'f' },
	{ "stderr",	no_argument,		NULL, 'e' },
	{ "debug",	no_argument,		NULL, 'd' },
	{ "inetd",	no_argument,		NULL, 'i' },
	{ "test",	no_argument,		NULL, 't' },
	{ "dump",	no_argument,		NULL, 'T' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "version",	no_argument,		NULL, 'V' },
	{ NULL,		0,			NULL, 0 }
};

static void
opt_help(void)
{
	printf(OPT_USAGE
	    "Serve TCP clients, echoing every byte with ASCII letters' case flipped.\n\n"
	    "  -c, --config FILE  configuration file (default %s)\n"
	    "  -f, --foreground   do not detach\n"
	    "  -e, --stderr       log to standard error instead of syslog\n"
	    "  -d, --debug        log at debug level; implies -f -e\n"
	    "  -i, --inetd        serve the one connection on stdin/stdout, then exit\n"
	    "  -t, --test         check the configuration and the sandbox, then exit\n"
	    "  -T, --dump         check, then print the effective configuration\n"
	    "  -h, --help         print this help and exit\n"
	    "  -V, --version      print the version and exit\n\n"
	    "See caseserv(8) and caseserv.conf(5).\n", CASESERV_CONFIG);
	exit(EX_OK);
}

static void
opt_usage(const char *what, const char *why)
{
	fprintf(stderr, "caseserv: %s: %s\n", what, why);
	fputs(OPT_USAGE, stderr);
	exit(EX_USAGE);
}

/*
 * The option getopt_long() stopped at, as the user wrote it; at is optind
 * before the call.  Inside a cluster (the x of -xf) getopt has not moved
 * past the element yet, so it is argv[optind], not argv[optind - 1].
 */
static const char *
opt_bad(char **argv, int at, char *buf, size_t len)
{
	const char *arg = optind == at ? argv[optind] : argv[optind - 1];

	if (optopt != 0 && strncmp(arg, "--", 2) != 0) {
		snprintf(buf, len, "-%c", optopt);
		return buf;
	}
	return arg;
}

/*
 * A detached daemon reloads the file after chdir("/"), so a relative -c is
 * made absolute against the directory it was given in.  Symbolic links are
 * left alone: an operator who repoints one expects the reload to follow.
 */
static void
opt_absolute(struct options *o)
{
	static char path[PATH_MAX];
	char cwd[PATH_MAX];

	if (o->foreground || o->inetd || o->test || o->dump ||
	    o->config[0] == '/')
		return;
	if (getcwd(cwd, sizeof(cwd)) == NULL ||
	    snprintf(path, sizeof(path), "%s/%s", cwd, o->config) >=
	    (int)sizeof(path))
		opt_usage(o->config, "cannot make the path absolute");
	o->config = path;
}

void
opt_parse(int argc, char **argv, struct options *o)
{
	char bad[8];
	int c, at;

	*o = (struct options){ .config = CASESERV_CONFIG };
	opterr = 0;
	while ((at = optind,
	    c = getopt_long(argc, argv, ":c:feditThV", opt_long, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (*optarg == '\0')
				opt_usage("-c", "empty file name");
			o->config = optarg;
			break;
		case 'f': o->foreground = 1; break;
		case 'e': o->to_stderr = 1; break;
		case 'd': o->debug = o->foreground = o->to_stderr = 1; break;
		case 'i': o->inetd = 1; break;
		case 't': o->test = 1; break;
		case 'T': o->dump = 1; break;
		case 'h': opt_help(); break;
		case 'V': printf("caseserv %s\n", PACKAGE_VERSION); exit(EX_OK);
		case ':':
			opt_usage(opt_bad(argv, at, bad, sizeof(bad)), "needs an argument");
			break;
		default:
			opt_usage(opt_bad(argv, at, bad, sizeof(bad)), "unknown option");
			break;
		}
	}
	if (optind < argc)
		opt_usage(argv[optind], "unexpected argument");
	if (o->test && o->dump)
		opt_usage("-t, -T", "exclude each other");
	if (o->inetd && (o->test || o->dump))
		opt_usage(o->test ? "-i, -t" : "-i, -T", "exclude each other");
	opt_absolute(o);
}
