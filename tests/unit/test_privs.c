/*
 * test_privs.c - who the daemon runs as and the privilege drop, each case
 * in a forked child (the drop cannot be undone): the run account looked
 * up and refused (no user, no group, uid or gid 0), the account kept when
 * not started as root and the supplementary groups it cannot shed, the
 * read probe, the drop with and without cap_net_bind_service, a drop that
 * libcap-ng cannot make, and the acceptor's own check.  Needs root; skips
 * otherwise.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "privs.h"

/* An id no passwd or group file names (checked in setup). */
#define NO_NAME_ID	48213

struct child_out {
	int	 status;	/* wait status */
	char	 err[4096];	/* what it wrote to stderr */
};

/*
 * Run fn(arg) in a child whose stderr is captured and whose log goes to
 * stderr; the child exits 0 when fn returns.
 */
static void
run_child(void (*fn)(void *), void *arg, struct child_out *out)
{
	char tmpl[] = "/tmp/test_privs.XXXXXX";
	int fd, status;
	ssize_t n;
	pid_t pid;

	assert_true((fd = mkstemp(tmpl)) != -1);
	unlink(tmpl);
	fflush(NULL);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		dup2(fd, STDERR_FILENO);
		log_init(1, LOG_DAEMON, LOG_DEBUG);
		fn(arg);
		exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	out->status = status;
	n = pread(fd, out->err, sizeof(out->err) - 1, 0);
	out->err[n > 0 ? n : 0] = '\0';
	close(fd);
}

static void
assert_exit(const struct child_out *out, int code, const char *needle)
{
	if (!WIFEXITED(out->status) || WEXITSTATUS(out->status) != code ||
	    (needle != NULL && strstr(out->err, needle) == NULL))
		fprintf(stderr, "status %#x, stderr:\n%s\n", out->status,
		    out->err);
	assert_true(WIFEXITED(out->status));
	assert_int_equal(WEXITSTATUS(out->status), code);
	if (needle != NULL)
		assert_non_null(strstr(out->err, needle));
}

/* ---- prv_lookup as root ------------------------------------------------ */

struct lookup_case {
	const char	*user;
	const char	*group;
};

static void
do_lookup(void *arg)
{
	const struct lookup_case *lc = arg;
	struct cfg cfg;
	struct prv_ids ids;

	memset(&cfg, 0, sizeof(cfg));
	cfg.user = lc->user != NULL ? strdup(lc->user) : NULL;
	cfg.group = lc->group != NULL ? strdup(lc->group) : NULL;
	prv_lookup(&cfg, &ids);
	fprintf(stderr, "ids: root=%d uid=%u gid=%u user=%s\n", ids.as_root,
	    (unsigned)ids.uid, (unsigned)ids.gid, ids.user);
	free(cfg.user);
	free(cfg.group);
}

static void
lookup_refused(void **state)
{
	static const struct {
		struct lookup_case	 lc;
		int			 code;
		const char		*msg;
	} cases[] = {
		{ { NULL, NULL }, EX_NOUSER, "user: (none): no such user" },
		{ { "caseserv-no-such-user", NULL }, EX_NOUSER,
		    "user: caseserv-no-such-user: no such user" },
		{ { "nobody", "caseserv-no-such-group" }, EX_NOUSER,
		    "group: caseserv-no-such-group: no such group" },
		{ { "root", NULL }, EX_CONFIG, "user: root: runs as uid or "
		    "gid 0; choose an unprivileged account" },
		{ { "nobody", "root" }, EX_CONFIG, "user: nobody: runs as "
		    "uid or gid 0" },
	};
	struct child_out out;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		{
			struct lookup_case lc = cases[i].lc;

			run_child(do_lookup, &lc, &out);
		}
		assert_exit(&out, cases[i].code, cases[i].msg);
		assert_null(strstr(out.err, "ids:"));
	}
}

static void
lookup_account(void **state)
{
	struct lookup_case plain = { "nobody", NULL };
	struct lookup_case grouped = { "nobody", NULL };
	struct passwd *pw = getpwnam("nobody");
	struct group *gr;
	char want[128];
	struct child_out out;

	(void)state;
	assert_non_null(pw);
	run_child(do_lookup, &plain, &out);
	snprintf(want, sizeof(want), "ids: root=1 uid=%u gid=%u user=nobody",
	    (unsigned)pw->pw_uid, (unsigned)pw->pw_gid);
	assert_exit(&out, 0, want);

	/* A group named in the file replaces the account's primary group. */
	if ((gr = getgrnam("daemon")) == NULL || gr->gr_gid == 0)
		return;
	grouped.group = "daemon";
	run_child(do_lookup, &grouped, &out);
	snprintf(want, sizeof(want), "ids: root=1 uid=%u gid=%u user=nobody",
	    (unsigned)pw->pw_uid, (unsigned)gr->gr_gid);
	assert_exit(&out, 0, want);
}

/* ---- not started as root ---------------------------------------------- */

struct self_case {
	uid_t		 uid;
	gid_t		 gid;
	const gid_t	*groups;
	size_t		 ngroups;
	const char	*user;		/* cfg->user */
};

static void
become(uid_t uid, gid_t gid, const gid_t *groups, size_t ngroups)
{
	if (setgroups(ngroups, groups) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1) {
		perror("become");
		exit(90);
	}
}

static void
do_self(void *arg)
{
	const struct self_case *sc = arg;
	struct cfg cfg;
	struct prv_ids ids;
	char line[640];

	become(sc->uid, sc->gid, sc->groups, sc->ngroups);
	memset(&cfg, 0, sizeof(cfg));
	cfg.user = sc->user != NULL ? strdup(sc->user) : NULL;
	prv_lookup(&cfg, &ids);
	fprintf(stderr, "ids: root=%d uid=%u gid=%u user=%s\n", ids.as_root,
	    (unsigned)ids.uid, (unsigned)ids.gid, ids.user);
	fprintf(stderr, "kept=%d\n", prv_groups_kept(line, sizeof(line)));
	/* Not root: nothing to probe, whatever the files. */
	{
		char path[] = "/nonexistent/caseserv.conf";
		char *files[] = { path };
		char err[256] = "";

		fprintf(stderr, "check=%d err=[%s]\n",
		    prv_check_read(&ids, files, 1, err, sizeof(err)), err);
	}
	free(cfg.user);
}

static void
self_without_groups(void **state)
{
	struct passwd *pw = getpwnam("nobody");
	struct self_case sc;
	struct child_out out;
	char want[256];

	(void)state;
	assert_non_null(pw);
	sc = (struct self_case){ pw->pw_uid, pw->pw_gid, NULL, 0, "caseserv" };
	run_child(do_self, &sc, &out);
	snprintf(want, sizeof(want), "privileges: not started as root: "
	    "running as nobody (uid %u, gid %u), not as user caseserv",
	    (unsigned)pw->pw_uid, (unsigned)pw->pw_gid);
	assert_exit(&out, 0, want);
	snprintf(want, sizeof(want), "ids: root=0 uid=%u gid=%u user=nobody",
	    (unsigned)pw->pw_uid, (unsigned)pw->pw_gid);
	assert_non_null(strstr(out.err, want));
	assert_non_null(strstr(out.err, "kept=0\n"));
	assert_non_null(strstr(out.err, "check=0 err=[]"));
	assert_null(strstr(out.err, "supplementary"));
}

static void
self_unnamed_one_group(void **state)
{
	/* The primary group is listed too, but is no extra group. */
	static const gid_t groups[] = { NO_NAME_ID, NO_NAME_ID + 1 };
	struct self_case sc = { NO_NAME_ID, NO_NAME_ID + 1, groups, 2, NULL };
	struct child_out out;
	char want[256];

	(void)state;
	run_child(do_self, &sc, &out);
	snprintf(want, sizeof(want), "running as %u (uid %u, gid %u), not as "
	    "user ?", NO_NAME_ID, NO_NAME_ID, NO_NAME_ID + 1);
	assert_exit(&out, 0, want);
	snprintf(want, sizeof(want), "supplementary group %u is kept (only "
	    "root can drop them)", NO_NAME_ID);
	assert_non_null(strstr(out.err, want));
	assert_non_null(strstr(out.err, "kept=1\n"));
}

static void
self_named_groups(void **state)
{
	struct passwd *pw = getpwnam("nobody");
	struct group *gr = getgrnam("daemon");
	gid_t groups[2];
	struct self_case sc;
	struct child_out out;
	char want[256];

	(void)state;
	assert_non_null(pw);
	if (gr == NULL || gr->gr_gid == pw->pw_gid)
		skip();
	groups[0] = gr->gr_gid;
	groups[1] = NO_NAME_ID;
	sc = (struct self_case){ pw->pw_uid, pw->pw_gid, groups, 2, "x" };
	run_child(do_self, &sc, &out);
	snprintf(want, sizeof(want), "supplementary groups daemon, %u are "
	    "kept (only root can drop them)", NO_NAME_ID);
	assert_exit(&out, 0, want);
	assert_non_null(strstr(out.err, "kept=1\n"));
}

/* ---- the read probe ---------------------------------------------------- */

struct probe_case {
	struct prv_ids	 ids;
	char		*files[3];
	size_t		 nfiles;
	int		 drop_setgid;	/* run without CAP_SETGID */
};

static void
do_probe(void *arg)
{
	struct probe_case *pc = arg;
	char err[512] = "";

	if (pc->drop_setgid) {
		capng_get_caps_process();
		capng_update(CAPNG_DROP, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
		    CAP_SETGID);
		if (capng_apply(CAPNG_SELECT_CAPS) != 0)
			exit(91);
	}
	fprintf(stderr, "check=%d err=[%s]\n", prv_check_read(&pc->ids,
	    pc->files, pc->nfiles, err, sizeof(err)), err);
}

static void
probe_read(void **state)
{
	char dir[] = "/tmp/test_privs.d.XXXXXX";
	char open_file[600], shut_file[600], want[1024];
	struct passwd *pw = getpwnam("nobody");
	struct probe_case pc;
	struct child_out out;

	(void)state;
	assert_non_null(pw);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(open_file, sizeof(open_file), "%s/open.conf", dir);
	snprintf(shut_file, sizeof(shut_file), "%s/shut.conf", dir);
	close(open(open_file, O_WRONLY | O_CREAT, 0644));
	close(open(shut_file, O_WRONLY | O_CREAT, 0600));

	memset(&pc, 0, sizeof(pc));
	pc.ids.as_root = 1;
	pc.ids.uid = pw->pw_uid;
	pc.ids.gid = pw->pw_gid;
	snprintf(pc.ids.user, sizeof(pc.ids.user), "nobody");

	/* No file to read: nothing to check. */
	run_child(do_probe, &pc, &out);
	assert_exit(&out, 0, "check=0 err=[]");

	pc.files[0] = open_file;
	pc.nfiles = 1;
	run_child(do_probe, &pc, &out);
	assert_exit(&out, 0, "check=0 err=[]");

	/* The first unreadable file is named, after readable ones. */
	pc.files[1] = shut_file;
	pc.files[2] = open_file;
	pc.nfiles = 3;
	run_child(do_probe, &pc, &out);
	snprintf(want, sizeof(want), "check=-1 err=[%s: not readable by user "
	    "nobody (reload would fail): %s]", shut_file, strerror(EACCES));
	assert_exit(&out, 0, want);

	/* A probe that cannot become the user says so, not "unreadable". */
	pc.drop_setgid = 1;
	run_child(do_probe, &pc, &out);
	snprintf(want, sizeof(want), "check=-1 err=[privileges: cannot "
	    "change to user nobody (uid %u, gid %u): %s]",
	    (unsigned)pw->pw_uid, (unsigned)pw->pw_gid, strerror(EPERM));
	assert_exit(&out, 0, want);

	unlink(open_file);
	unlink(shut_file);
	rmdir(dir);
}

/* ---- the drop ---------------------------------------------------------- */

struct drop_case {
	struct prv_ids	 ids;
	int		 keep_bind;
	int		 pre;	/* 0; 1: lose CAP_SETUID first; 2: become
				 * nobody with cap_net_bind_service */
};

static void
report_state(void)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	getresuid(&ru, &eu, &su);
	getresgid(&rg, &eg, &sg);
	capng_get_caps_process();
	fprintf(stderr, "state: uid=%u/%u/%u gid=%u/%u/%u groups=%d bind=%d "
	    "setuid=%d bounding=%d nnp=%d\n", (unsigned)ru, (unsigned)eu,
	    (unsigned)su, (unsigned)rg, (unsigned)eg, (unsigned)sg,
	    getgroups(0, NULL),
	    capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_BIND_SERVICE),
	    capng_have_capability(CAPNG_EFFECTIVE, CAP_SETUID),
	    capng_have_capabilities(CAPNG_SELECT_BOUNDS) != CAPNG_NONE,
	    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
}

static void
do_drop(void *arg)
{
	struct drop_case *dc = arg;

	if (dc->pre == 1) {
		capng_get_caps_process();
		capng_update(CAPNG_DROP, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
		    CAP_SETUID);
		if (capng_apply(CAPNG_SELECT_CAPS) != 0)
			exit(91);
	} else if (dc->pre == 2) {
		capng_clear(CAPNG_SELECT_CAPS);
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
		    CAP_NET_BIND_SERVICE);
		if (capng_change_id((int)dc->ids.uid, (int)dc->ids.gid,
		    CAPNG_DROP_SUPP_GRP) != 0)
			exit(92);
	}
	prv_drop(&dc->ids, dc->keep_bind);
	report_state();
}

static void
drop_cases(void **state)
{
	struct passwd *pw = getpwnam("nobody");
	struct drop_case dc;
	struct child_out out;
	char want[512];

	(void)state;
	assert_non_null(pw);
	memset(&dc, 0, sizeof(dc));
	dc.ids.as_root = 1;
	dc.ids.uid = pw->pw_uid;
	dc.ids.gid = pw->pw_gid;
	snprintf(dc.ids.user, sizeof(dc.ids.user), "nobody");

	/* From root: every id the user's, nothing kept, nothing to regain. */
	run_child(do_drop, &dc, &out);
	snprintf(want, sizeof(want), "state: uid=%u/%u/%u gid=%u/%u/%u "
	    "groups=0 bind=0 setuid=0 bounding=0 nnp=1", (unsigned)pw->pw_uid,
	    (unsigned)pw->pw_uid, (unsigned)pw->pw_uid, (unsigned)pw->pw_gid,
	    (unsigned)pw->pw_gid, (unsigned)pw->pw_gid);
	assert_exit(&out, 0, want);
	assert_non_null(strstr(out.err, "privileges: running as nobody"));
	assert_null(strstr(out.err, "keeping cap_net_bind_service"));

	/* keep_bind: that one capability and no other. */
	dc.keep_bind = 1;
	run_child(do_drop, &dc, &out);
	assert_exit(&out, 0, "groups=0 bind=1 setuid=0 bounding=0 nnp=1");
	assert_non_null(strstr(out.err, ", keeping cap_net_bind_service"));

	/* libcap-ng cannot change the ids: fatal, naming the user. */
	dc.pre = 1;
	run_child(do_drop, &dc, &out);
	assert_exit(&out, EX_OSERR, "privileges: cannot change to user "
	    "nobody (uid");
	assert_null(strstr(out.err, "state:"));

	/* Not root but holding cap_net_bind_service: kept only on request. */
	dc.pre = 2;
	dc.ids.as_root = 0;
	run_child(do_drop, &dc, &out);
	assert_exit(&out, 0, "bind=1 setuid=0 bounding=1 nnp=1");
	dc.keep_bind = 0;
	run_child(do_drop, &dc, &out);
	assert_exit(&out, 0, "bind=0 setuid=0 bounding=1 nnp=1");
}

/* Not root and without the capability: nothing to keep, asked or not. */
static void
do_drop_plain_user(void *arg)
{
	struct drop_case *dc = arg;

	become(dc->ids.uid, dc->ids.gid, NULL, 0);
	prv_drop(&dc->ids, dc->keep_bind);
	report_state();
}

static void
drop_plain_user(void **state)
{
	struct passwd *pw = getpwnam("nobody");
	struct drop_case dc;
	struct child_out out;

	(void)state;
	assert_non_null(pw);
	memset(&dc, 0, sizeof(dc));
	dc.ids.uid = pw->pw_uid;
	dc.ids.gid = pw->pw_gid;
	dc.keep_bind = 1;
	run_child(do_drop_plain_user, &dc, &out);
	assert_exit(&out, 0, "groups=0 bind=0 setuid=0");
	assert_non_null(strstr(out.err, "nnp=1"));
}

/* ---- the acceptor ------------------------------------------------------ */

static void
do_acceptor(void *arg)
{
	int nnp = *(int *)arg;

	if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		exit(93);
	prv_drop_acceptor();
	report_state();
}

static void
acceptor_drop(void **state)
{
	struct child_out out;
	int nnp;

	(void)state;
	nnp = 1;
	run_child(do_acceptor, &nnp, &out);
	assert_exit(&out, 0, "bind=0 setuid=0");
	assert_non_null(strstr(out.err, "nnp=1"));

	/* Dropped but without no_new_privs: the acceptor refuses to go on. */
	nnp = 0;
	run_child(do_acceptor, &nnp, &out);
	assert_exit(&out, EX_OSERR, "privileges: acceptor: no_new_privs not "
	    "set");
	assert_null(strstr(out.err, "state:"));
}

static int
need_root(void **state)
{
	(void)state;
	if (geteuid() != 0 || getpwnam("nobody") == NULL ||
	    getpwuid(NO_NAME_ID) != NULL || getgrgid(NO_NAME_ID) != NULL ||
	    getgrgid(NO_NAME_ID + 1) != NULL) {
		fprintf(stderr, "test_privs: needs root, a nobody account and "
		    "ids %u, %u unnamed\n", NO_NAME_ID, NO_NAME_ID + 1);
		return -1;
	}
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lookup_refused),
		cmocka_unit_test(lookup_account),
		cmocka_unit_test(self_without_groups),
		cmocka_unit_test(self_unnamed_one_group),
		cmocka_unit_test(self_named_groups),
		cmocka_unit_test(probe_read),
		cmocka_unit_test(drop_cases),
		cmocka_unit_test(drop_plain_user),
		cmocka_unit_test(acceptor_drop),
	};

	if (need_root(NULL) != 0)
		return 77;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
