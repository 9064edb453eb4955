/*
 * conf.h - the configuration: one table of keys, loaded from a libconfig
 * file, checked, and printed back (-T).
 *
 * (Named conf.h because config.h is autoconf's.)
 */
#ifndef CASESERV_CONF_H
#define CASESERV_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "acl.h"

#define CFG_DEFAULT_PORT	"1205"
#define CFG_ERRLEN		512
#define CFG_PROXY_TIMEOUT_MAX	3600	/* seconds: SPEC 1..3600 */

struct cfg_listen {
	char	*host;		/* NULL: both wildcards ("*" is stored as NULL) */
	char	*port;		/* decimal number or service name */
	int	 proxy_protocol; /* connections start with a PROXY header */
	int	 reuse_port;	/* SO_REUSEPORT: a second instance may bind */
	char	*file;		/* file and line of the entry, for messages */
	int	 line;
};

struct cfg {
	char		 *path;
	char		**files;	/* path and its @include files: what a
					 * reload reads again */
	size_t		  nfiles;
	struct cfg_listen *listen;
	size_t		  nlisten;
	int		  backlog;
	char		 *user;
	char		 *group;	/* NULL: the user's primary group */
	char		 *pidfile;	/* NULL: none */
	int		  max_clients;
	int		  max_clients_per_host;
	int		  host_prefix_ipv4;
	int		  host_prefix_ipv6;
	int		  max_connection_rate;
	int		  max_connection_rate_per_host;
	int		  idle_timeout;
	int		  session_timeout;
	int64_t		  max_session_bytes;
	struct acl_rule	 *allow;
	size_t		  nallow;
	struct acl_rule	 *deny;
	size_t		  ndeny;
	struct acl_rule	 *trusted_proxies; /* who may send a PROXY header */
	size_t		  ntrusted_proxies;
	int		  proxy_timeout; /* seconds to send the whole header */
	int		  shutdown_timeout;
	int		  log_facility;	/* LOG_DAEMON, ... */
	int		  log_level;	/* LOG_ERR .. LOG_DEBUG */
	int		  stats_interval; /* seconds between stats lines; 0: none */
};

/*
 * Load path into *cfg (every key set, defaults included).  On failure
 * returns -1, leaves *cfg empty and writes "FILE:LINE: message" to err.
 */
int cfg_load(const char *path, struct cfg *cfg, char *err, size_t errlen);
/* Print the whole effective configuration in the file's own syntax. */
void cfg_dump(const struct cfg *cfg, FILE *out);
void cfg_free(struct cfg *cfg);
/* Do a and b name the same listen entries (hosts, ports as written, flags)? */
int cfg_listen_equal(const struct cfg *a, const struct cfg *b);
/* Syslog names back from values, for messages. */
const char *cfg_level_name(int level);
const char *cfg_facility_name(int facility);

#endif
