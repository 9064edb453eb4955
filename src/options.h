/*
 * options.h - the command line.
 */
#ifndef CASESERV_OPTIONS_H
#define CASESERV_OPTIONS_H

struct options {
	const char	*config;
	int		 foreground;
	int		 to_stderr;
	int		 debug;
	int		 inetd;		/* -i */
	int		 test;		/* -t */
	int		 dump;		/* -T */
};

/* Parse argv; prints help/version and exits, or exits EX_USAGE on error. */
void opt_parse(int argc, char **argv, struct options *o);

#endif
