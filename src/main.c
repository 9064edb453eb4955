/*
 * main.c - wires the pieces together, in the order that matters:
 * process title, handed-over sockets, clean descriptors, configuration,
 * accounts (and whether the run user can read the file again on reload),
 * the session's filter, detach, pidfile lock, bind (or the sockets of
 * socket activation), pid written, privilege drop, the acceptor forked
 * and configured, main's Landlock layer and filter, ready, serve.  With
 * -i, inetd.c takes over once the configuration is read.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <syslog.h>
#ifdef CASESERV_TEST_HOOKS
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "activation.h"
#include "conf.h"
#include "daemon.h"
#include "inetd.h"
#include "landlock.h"
#include "listeners.h"
#include "log.h"
#include "options.h"
#include "privs.h"
#include "proctitle.h"
#include "parent.h"
#include "sandbox.h"
#include "spawner.h"

/* Warns, or with -t fails, when a reload could not read the file again. */
static int
check_readable(const struct prv_ids *ids, const struct cfg *cfg, int test)
{
	char err[CFG_ERRLEN], line[CFG_ERRLEN * 4];

	if (prv_check_read(ids, cfg->files, cfg->nfiles, err, sizeof(err)) == 0)
		return 0;
	if (!test) {
		log_warnx("%s", err);
		return 0;
	}
	log_escape(err, line, sizeof(line));
	fprintf(stderr, "%s\n", line);
	return -1;
}

#ifdef CASESERV_TEST_HOOKS
/*
 * Test builds: what $CASESERV_TEST_MAIN_ATTACK lists (comma-separated),
 * tried once main's filter is on; each call's outcome is logged as
 * "test: main attack WHAT: returned R: ERROR" and main goes on.
 */
static void
main_test_attack(const char *list)
{
	static char *const argv[] = { (char *)(uintptr_t)"true", NULL };
	char what[PATH_MAX];
	long r;

	while (list != NULL && *list != '\0') {
		size_t n = strcspn(list, ",");

		snprintf(what, sizeof(what), "%.*s", (int)n, list);
		list += n + (list[n] == ',');
		errno = 0;
		if (strcmp(what, "execve") == 0)
			r = execve("/bin/true", argv, argv);
		else if (strcmp(what, "ptrace") == 0)
			r = ptrace(PTRACE_ATTACH, 1, NULL, NULL);
		else if (strcmp(what, "fork") == 0) {
			if ((r = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0)) == 0)
				_exit(0);	/* a child after all: gone */
		}
		else if (strcmp(what, "mmap_exec") == 0)
			r = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE |
			    MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? -1 : 0;
		else if (strcmp(what, "fcntl_setown") == 0)
			r = fcntl(2, F_SETOWN, -getpid());
		/* Landlock's part: files outside what main may reach. */
		else if (strncmp(what, "read:", 5) == 0) {
			if ((r = open(what + 5, O_RDONLY | O_CLOEXEC)) != -1)
				close((int)r);
		} else if (strncmp(what, "create:", 7) == 0) {
			if ((r = open(what + 7, O_WRONLY | O_CREAT | O_CLOEXEC,
			    0600)) != -1)
				close((int)r);
		}
		else
			continue;
		log_warnx("test: main attack %s: returned %ld: %s", what, r,
		    strerror(errno));
	}
}
#endif

/* -t and -T: all that start-up checks, short of binding. */
static int
check_only(const struct options *o, const struct cfg *cfg)
{
	struct prv_ids ids;
	char err[CFG_ERRLEN];

	prv_lookup(cfg, &ids);
	if (check_readable(&ids, cfg, 1) == -1)
		return EX_CONFIG;
	if (sbx_selftest(err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return EX_OSERR;
	}
	if (o->dump) {
		cfg_dump(cfg, stdout);
		return EX_OK;
	}
	/* -t: what start-up would put in force, and what it would warn of. */
	printf("%s\n", ll_describe(err, sizeof(err)));
	if (prv_groups_kept(err, sizeof(err)))
		printf("%s\n", err);
	return EX_OK;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct cfg cfg;
	struct lsn_set set = { NULL, 0, 0 };
	struct prv_ids ids;
	char err[CFG_ERRLEN];
	int status;

	/* Before anything keeps a pointer into argv or reads environ. */
	pt_init(argc, argv);
	/* The acceptor's spawner, as a fresh image (spawner.c). */
	if (spw_is_exec(argc, argv))
		spw_exec_main();
	spw_exec_allow();
	dmn_clean_fds(act_take());
	opt_parse(argc, argv, &o);
	if (o.inetd)
		ind_stdio(&o.to_stderr);
	log_init(o.to_stderr, LOG_DAEMON, o.debug ? LOG_DEBUG : -1);
	log_startup_stderr(!o.inetd);
	if (cfg_load(o.config, &cfg, err, sizeof(err)) == -1) {
		char line[CFG_ERRLEN * 4];

		/* The bare FILE:LINE: message line, as -t promises; a file
		 * name with a newline in it must not make it two lines.  A
		 * start that logs to syslog where stderr is the journal
		 * leaves it to syslog, or the journal has it twice. */
		log_escape(err, line, sizeof(line));
		if (o.to_stderr || o.test || o.dump || !log_stderr_is_journal())
			log_stderr(LOG_ERR, line);
		if (!o.to_stderr && !o.test && !o.dump) {
			log_startup_stderr(0);
			log_errx("%s", err);
		}
		return EX_CONFIG;
	}
	log_configure(cfg.log_facility, cfg.log_level);
	if (o.test || o.dump) {
		status = check_only(&o, &cfg);
		cfg_free(&cfg);
		return status;
	}
	if (o.inetd) {
		status = ind_run(&cfg);
		cfg_free(&cfg);
		return status;
	}

	prv_lookup(&cfg, &ids);
	check_readable(&ids, &cfg, 0);
	sbx_init();
	log_info("%s", ll_describe(err, sizeof(err)));
	dmn_notify_init();
	if (!o.foreground)
		dmn_detach();
	par_init();
	/* The pidfile's lock first: a second instance names the running
	 * one rather than failing on its busy port. */
	if (cfg.pidfile != NULL) {
		if (dmn_pidfile_open(cfg.pidfile, ids.uid, err, sizeof(err)) == -1)
			fatalx(EX_OSERR, "%s", err);
		/* A start that fails from here on leaves no stale pidfile. */
		atexit(dmn_pidfile_remove);
		if (ids.as_root)
			dmn_pidfile_chown(ids.uid, ids.gid);
	}
	if (act_listeners(&set, &cfg) == 0 &&
	    lsn_reconcile(&set, &cfg, err, sizeof(err), &status) == -1)
		fatalx(status, "%s", err);
	if (dmn_pidfile_write(err, sizeof(err)) == -1)
		fatalx(EX_OSERR, "%s", err);
	/* Handed-over sockets are never bound again: no capability kept. */
	prv_drop(&ids, !set.inherited && lsn_lowest_port(&set) < 1024);
	/* The acceptor: forked once, its settings and listeners sent. */
	par_start(&cfg, &set, o.to_stderr);
	par_restrict(&cfg);
	sbx_enter_main();
#ifdef CASESERV_TEST_HOOKS
	main_test_attack(getenv("CASESERV_TEST_MAIN_ATTACK"));
#endif
	par_wait_ready();
	dmn_ready(o.to_stderr);
	log_startup_stderr(0);
	pt_set("main [listeners=%zu]", set.n);

	status = par_run(&cfg, &set);
	cfg_free(&cfg);
	return status;
}
