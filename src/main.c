/*
 * main.c - wires the pieces together, in the order that matters:
 * clean descriptors, configuration, accounts, sandbox programs, detach,
 * pidfile lock, bind, pid written, privilege drop, master sandbox, ready,
 * serve.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <syslog.h>

#include "activation.h"
#include "conf.h"
#include "daemon.h"
#include "listeners.h"
#include "log.h"
#include "options.h"
#include "privs.h"
#include "sandbox.h"
#include "supervisor.h"

static int
check_only(const struct options *o, const struct cfg *cfg)
{
	char err[CFG_ERRLEN];

	if (sbx_selftest(err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return EX_OSERR;
	}
	if (o->dump)
		cfg_dump(cfg, stdout);
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

	dmn_clean_fds(act_take());
	opt_parse(argc, argv, &o);
	log_init(o.to_stderr, LOG_DAEMON, o.debug ? LOG_DEBUG : -1);
	log_startup_stderr(1);
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

	prv_lookup(&cfg, &ids);
	sbx_init();
	dmn_notify_init();
	if (!o.foreground)
		dmn_detach();
	sup_init();
	/* The pidfile's lock first: a second instance names the running
	 * one rather than failing on its busy port. */
	if (cfg.pidfile != NULL) {
		if (dmn_pidfile_open(cfg.pidfile, err, sizeof(err)) == -1)
			fatalx(EX_OSERR, "%s", err);
		/* A start that fails from here on leaves no stale pidfile. */
		atexit(dmn_pidfile_remove);
		if (ids.as_root)
			dmn_pidfile_chown(ids.uid, ids.gid);
	}
	if (act_listeners(&set) == 0 &&
	    lsn_reconcile(&set, &cfg, err, sizeof(err), &status) == -1)
		fatalx(status, "%s", err);
	if (dmn_pidfile_write(err, sizeof(err)) == -1)
		fatalx(EX_OSERR, "%s", err);
	/* Handed-over sockets are never bound again: no capability kept. */
	prv_drop(&ids, !set.inherited && lsn_lowest_port(&set) < 1024);
	sbx_enter_master();
	dmn_ready(o.to_stderr);
	log_startup_stderr(0);

	status = sup_run(&cfg, &set);
	cfg_free(&cfg);
	return status;
}
