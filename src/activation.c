/*
 * activation.c - the sockets a service manager handed over.
 *
 * The protocol (sd_listen_fds(3)): $LISTEN_PID names the process the
 * sockets are meant for, $LISTEN_FDS how many there are, from descriptor
 * 3 on, and $LISTEN_FDNAMES their names, colon-separated.  The variables
 * are read before anything else runs, because the descriptor clean-up at
 * start closes everything from 3 up except what they name, and unset, so
 * that they describe no process but us.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "activation.h"
#include "log.h"

#define ACT_FDS_START	3	/* SD_LISTEN_FDS_START */
#define ACT_FDS_MAX	1024	/* far more than any unit hands over */
#define ACT_NAMES_MAX	4096

static int	 act_n;			/* descriptors handed to us */
static char	 act_names[ACT_NAMES_MAX];	/* $LISTEN_FDNAMES, or "" */
static char	 act_problem[256];	/* what to warn about once we can */

/* A decimal number, digits only, at most max; 0, or -1. */
static int
act_number(const char *s, long max, long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtol(s, &end, 10);
	return errno == 0 && *end == '\0' && *out <= max ? 0 : -1;
}

static int
act_parse(const char *fds, const char *pid)
{
	long n, p;

	if (fds == NULL || *fds == '\0')
		return 0;
	if (act_number(fds, ACT_FDS_MAX, &n) == -1) {
		snprintf(act_problem, sizeof(act_problem), "LISTEN_FDS=%.32s: "
		    "not a number 0..%d; ignored", fds, ACT_FDS_MAX);
		return 0;
	}
	if (pid == NULL || act_number(pid, INT_MAX, &p) == -1) {
		snprintf(act_problem, sizeof(act_problem), "LISTEN_PID=%.32s: "
		    "not a process id; LISTEN_FDS ignored", pid ? pid : "");
		return 0;
	}
	/* Meant for another process (a wrapper that did not exec us): the
	 * descriptors, if any, are not ours to serve. */
	if (p != (long)getpid()) {
		snprintf(act_problem, sizeof(act_problem), "LISTEN_PID=%ld is "
		    "not our pid %ld; LISTEN_FDS ignored", p, (long)getpid());
		return 0;
	}
	return (int)n;
}

int
act_take(void)
{
	const char *names = getenv("LISTEN_FDNAMES");

	act_n = act_parse(getenv("LISTEN_FDS"), getenv("LISTEN_PID"));
	if (act_n > 0 && names != NULL)
		snprintf(act_names, sizeof(act_names), "%s", names);
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDNAMES");
	return act_n;
}

/* The i-th name of $LISTEN_FDNAMES into buf, or "". */
static void
act_name(int i, char *buf, size_t len)
{
	const char *p = act_names;
	size_t n;

	for (; i > 0 && p != NULL; i--)
		if ((p = strchr(p, ':')) != NULL)
			p++;
	n = p != NULL ? strcspn(p, ":") : 0;
	snprintf(buf, len, "%.*s", (int)n, n > 0 ? p : "");
}

size_t
act_listeners(struct lsn_set *set, const struct cfg *cfg)
{
	char err[256], name[64];
	int i;

	if (act_problem[0] != '\0')
		log_warnx("socket activation: %s", act_problem);
	for (i = 0; i < act_n; i++) {
		if (lsn_adopt(set, ACT_FDS_START + i, err, sizeof(err)) == -1)
			fatalx(EX_OSERR, "%s", err);
		act_name(i, name, sizeof(name));
		/* The name is the manager's (FileDescriptorName=): escaped
		 * like any outside text by the log. */
		log_info("listening on %s (socket activation%s%s)",
		    set->v[set->n - 1].name, name[0] != '\0' ? ": " : "", name);
	}
	if (act_n > 0)
		log_info("listen: setting not used: %d socket%s from the "
		    "service manager", act_n, act_n == 1 ? "" : "s");
	/* A handed socket has no listen entry, so no proxy_protocol: say so
	 * rather than let a PROXY header pass as the client's bytes. */
	for (size_t k = 0; act_n > 0 && k < cfg->nlisten; k++)
		if (cfg->listen[k].proxy_protocol) {
			log_warnx("%s:%d: listen: proxy_protocol not used: the "
			    "sockets from the service manager serve direct "
			    "clients", cfg->listen[k].file != NULL ?
			    cfg->listen[k].file : cfg->path, cfg->listen[k].line);
			break;
		}
	return (size_t)act_n;
}
