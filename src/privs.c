/*
 * privs.c - who the daemon runs as, and the one place privileges are dropped.
 *
 * The drop follows one fixed order and dies on any failed step, then checks
 * from the kernel's own view that the old identity cannot come back.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <cap-ng.h>
#include <linux/capability.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "log.h"
#include "privs.h"

/* The capabilities a master may keep; each only when its need is true. */
struct prv_keep {
	unsigned int	 cap;
	const char	*why;
};

static const struct prv_keep bind_caps[] = {
	/* SECURITY: only so that a reload can bind a port below 1024. */
	{ CAP_NET_BIND_SERVICE, "a listener port below 1024" },
};

static void
lookup_group(const char *name, gid_t *gid)
{
	struct group *gr;

	if ((gr = getgrnam(name)) == NULL)
		fatalx(EX_NOUSER, "group: %s: no such group", name);
	*gid = gr->gr_gid;
}

/* The names of the supplementary groups other than the primary one,
 * ", "-separated, into names; how many. */
static int
extra_groups(char *names, size_t len)
{
	gid_t *groups;
	struct group *gr;
	size_t used = 0;
	int n, kept = 0;

	names[0] = '\0';
	if ((n = getgroups(0, NULL)) <= 0 ||
	    (groups = calloc((size_t)n, sizeof(*groups))) == NULL)
		return 0;
	if ((n = getgroups(n, groups)) <= 0) {
		free(groups);
		return 0;
	}
	for (int i = 0; i < n && used < len; i++) {
		/* The primary group is no extra: it stays in any case. */
		if (groups[i] == getegid())
			continue;
		if ((gr = getgrgid(groups[i])) != NULL)
			used += (size_t)snprintf(names + used, len - used, "%s%s",
			    kept ? ", " : "", gr->gr_name);
		else
			used += (size_t)snprintf(names + used, len - used, "%s%u",
			    kept ? ", " : "", (unsigned)groups[i]);
		kept++;
	}
	free(groups);
	return kept;
}

int
prv_groups_kept(char *buf, size_t len)
{
	char names[512];
	int n;

	if (geteuid() == 0 || (n = extra_groups(names, sizeof(names))) == 0)
		return 0;
	snprintf(buf, len, "privileges: not started as root: supplementary "
	    "group%s %s %s kept (only root can drop them)", n > 1 ? "s" : "",
	    names, n > 1 ? "are" : "is");
	return 1;
}

/* Not root: the invoking account stays; say so, since the file asked
 * for another one. */
static void
lookup_self(const struct cfg *cfg, struct prv_ids *ids)
{
	struct passwd *pw;
	char line[640];

	ids->as_root = 0;
	ids->uid = getuid();
	ids->gid = getgid();
	if ((pw = getpwuid(ids->uid)) != NULL)
		snprintf(ids->user, sizeof(ids->user), "%s", pw->pw_name);
	else
		snprintf(ids->user, sizeof(ids->user), "%u", (unsigned)ids->uid);
	log_notice("privileges: not started as root: running as %s "
	    "(uid %u, gid %u), not as user %s", ids->user, (unsigned)ids->uid,
	    (unsigned)ids->gid, cfg->user != NULL ? cfg->user : "?");
	/* SECURITY: setgroups() needs CAP_SETGID: what the account's groups
	 * may read or write, the daemon still may. */
	if (prv_groups_kept(line, sizeof(line)))
		log_warnx("%s", line);
}

void
prv_lookup(const struct cfg *cfg, struct prv_ids *ids)
{
	struct passwd *pw;

	memset(ids, 0, sizeof(*ids));
	if (geteuid() != 0) {
		lookup_self(cfg, ids);
		return;
	}
	ids->as_root = 1;
	if (cfg->user == NULL || (pw = getpwnam(cfg->user)) == NULL)
		fatalx(EX_NOUSER, "user: %s: no such user",
		    cfg->user != NULL ? cfg->user : "(none)");
	snprintf(ids->user, sizeof(ids->user), "%s", pw->pw_name);
	ids->uid = pw->pw_uid;
	ids->gid = pw->pw_gid;
	if (cfg->group != NULL)
		lookup_group(cfg->group, &ids->gid);
	/* SECURITY: dropping "to root" would drop nothing. */
	if (ids->uid == 0 || ids->gid == 0)
		fatalx(EX_CONFIG, "user: %s: runs as uid or gid 0; choose an "
		    "unprivileged account", ids->user);
}

/* What the probe child found: the first file it could not open. */
struct prv_unreadable {
	int	 index;		/* into files[]; -1: could not become the user */
	int	 error;		/* errno */
};

/*
 * The probe child: becomes the run user as the drop does (no
 * supplementary groups, then gid, then uid, so no capability is left) and
 * opens each file as a reload will.  Reports the first failure on fd.
 */
static void __attribute__((noreturn))
probe_read(const struct prv_ids *ids, char *const *files, size_t nfiles,
    int fd)
{
	struct prv_unreadable r = { -1, 0 };
	size_t i;
	int f;

	if (setgroups(0, NULL) == -1 || setgid(ids->gid) == -1 ||
	    setuid(ids->uid) == -1) {
		r.error = errno;
		_exit(write(fd, &r, sizeof(r)) == (ssize_t)sizeof(r) ? 1 : 2);
	}
	for (i = 0; i < nfiles; i++) {
		/* O_NONBLOCK: a FIFO must not hang the check. */
		f = open(files[i], O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (f == -1) {
			r.index = (int)i;
			r.error = errno;
			_exit(write(fd, &r, sizeof(r)) == (ssize_t)sizeof(r) ?
			    1 : 2);
		}
		close(f);
	}
	_exit(0);
}

int
prv_check_read(const struct prv_ids *ids, char *const *files, size_t nfiles,
    char *err, size_t errlen)
{
	struct prv_unreadable r;
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	if (!ids->as_root || nfiles == 0)
		return 0;
	if (pipe2(fds, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "privileges: pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "privileges: fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		probe_read(ids, files, nfiles, fds[1]);
	}
	close(fds[1]);
	while ((n = read(fds[0], &r, sizeof(r))) == -1 && errno == EINTR)
		;
	close(fds[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (n == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (n != (ssize_t)sizeof(r) || r.index >= (int)nfiles)
		snprintf(err, errlen, "privileges: cannot check what user %s "
		    "can read", ids->user);
	else if (r.index < 0)
		snprintf(err, errlen, "privileges: cannot change to user %s "
		    "(uid %u, gid %u): %s", ids->user, (unsigned)ids->uid,
		    (unsigned)ids->gid, strerror(r.error));
	else
		snprintf(err, errlen, "%s: not readable by user %s (reload "
		    "would fail): %s", files[r.index], ids->user,
		    strerror(r.error));
	return -1;
}

/* Capabilities to keep, in libcap-ng's working state (already cleared). */
static int
keep_caps(int keep_bind)
{
	size_t i;

	for (i = 0; keep_bind && i < sizeof(bind_caps) / sizeof(bind_caps[0]); i++)
		if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
		    bind_caps[i].cap) != 0)
			return -1;
	return 0;
}

static int
kept(unsigned int cap, int keep_bind)
{
	size_t i;

	for (i = 0; keep_bind && i < sizeof(bind_caps) / sizeof(bind_caps[0]); i++)
		if (bind_caps[i].cap == cap)
			return 1;
	return 0;
}

/* Re-read the capability sets from the kernel and compare with the plan. */
static void
verify_caps(int keep_bind, int check_bounding)
{
	unsigned int cap;
	int want;

	if (capng_get_caps_process() != 0)
		fatal(EX_OSERR, "privileges: cannot read capabilities");
	for (cap = 0; cap <= CAP_LAST_CAP; cap++) {
		want = kept(cap, keep_bind);
		if (capng_have_capability(CAPNG_EFFECTIVE, cap) != want ||
		    capng_have_capability(CAPNG_PERMITTED, cap) != want ||
		    capng_have_capability(CAPNG_INHERITABLE, cap) != 0)
			fatalx(EX_OSERR, "privileges: capability %u: not as "
			    "planned after the drop", cap);
	}
	if (check_bounding && capng_have_capabilities(CAPNG_SELECT_BOUNDS) != CAPNG_NONE)
		fatalx(EX_OSERR, "privileges: bounding set not empty after the drop");
}

/* SECURITY: the drop is only trusted once root demonstrably cannot return. */
static void
verify_ids(const struct prv_ids *ids)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (setgid(0) != -1 || setuid(0) != -1)
		fatalx(EX_OSERR, "privileges: root can be regained after the drop");
	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1)
		fatal(EX_OSERR, "privileges: cannot read ids");
	if (ru != ids->uid || eu != ids->uid || su != ids->uid ||
	    rg != ids->gid || eg != ids->gid || sg != ids->gid)
		fatalx(EX_OSERR, "privileges: ids are not %u/%u after the drop",
		    (unsigned)ids->uid, (unsigned)ids->gid);
	if (getgroups(0, NULL) != 0)
		fatalx(EX_OSERR, "privileges: supplementary groups left after "
		    "the drop");
}

static void
set_no_new_privs(void)
{
	/* SECURITY: no set-uid binary or file capability can ever add back
	 * what was dropped; also what lets us load seccomp filters. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		fatal(EX_OSERR, "privileges: PR_SET_NO_NEW_PRIVS");
}

/* Not root: keep the account; shed any capability we were given except the
 * one a low port needs, and set no_new_privs all the same. */
static void
drop_unprivileged(int keep_bind)
{
	int had_bind;

	if (capng_get_caps_process() != 0)
		fatal(EX_OSERR, "privileges: cannot read capabilities");
	had_bind = capng_have_capability(CAPNG_PERMITTED, CAP_NET_BIND_SERVICE);
	capng_clear(CAPNG_SELECT_CAPS);
	if (keep_caps(keep_bind && had_bind) != 0 ||
	    capng_apply(CAPNG_SELECT_CAPS) != 0)
		fatal(EX_OSERR, "privileges: cannot drop capabilities");
	set_no_new_privs();
	verify_caps(keep_bind && had_bind, 0);
}

void
prv_drop(const struct prv_ids *ids, int keep_bind)
{
	int rc;

	if (!ids->as_root) {
		drop_unprivileged(keep_bind);
		return;
	}
	/* SECURITY: the fixed order: plan the capability sets (all cleared,
	 * bounding too), then change ids with libcap-ng, which keeps the
	 * planned capabilities across setresuid (PR_SET_KEEPCAPS), empties
	 * the bounding set while it still holds CAP_SETPCAP, drops the
	 * supplementary groups, and applies the plan; then no_new_privs;
	 * then the checks. */
	capng_clear(CAPNG_SELECT_BOTH);
	if (keep_caps(keep_bind) != 0)
		fatalx(EX_OSERR, "privileges: libcap-ng cannot plan the drop");
	rc = capng_change_id((int)ids->uid, (int)ids->gid,
	    CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING);
	if (rc != 0)
		fatal(EX_OSERR, "privileges: cannot change to user %s (uid %u, "
		    "gid %u): libcap-ng step %d", ids->user, (unsigned)ids->uid,
		    (unsigned)ids->gid, rc);
	set_no_new_privs();
	verify_ids(ids);
	verify_caps(keep_bind, 1);
	log_info("privileges: running as %s (uid %u, gid %u)%s", ids->user,
	    (unsigned)ids->uid, (unsigned)ids->gid,
	    keep_bind ? ", keeping cap_net_bind_service" : "");
}

/*
 * Every capability set but the bounding set emptied with capset(2)
 * directly.  Not libcap-ng: its state (the pid in its capset header) was
 * set up in main, and a child made by a raw clone() (child.c) runs no
 * atfork handler that would reset it, so libcap-ng would name main's pid.
 * The ambient set empties with the permitted set.
 */
static int
drop_all_caps(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	return (int)syscall(SYS_capset, &hdr, data);
}

int
prv_drop_session(void)
{
	/* SECURITY: a session needs no capability at all.  The bounding set
	 * is already empty when main started as root; without CAP_SETPCAP it
	 * cannot be changed, and it grants nothing by itself under
	 * no_new_privs. */
	return drop_all_caps();
}

void
prv_drop_acceptor(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	/* SECURITY: main may keep CAP_NET_BIND_SERVICE for a reload; the
	 * acceptor binds nothing, so it keeps nothing, and checks it. */
	if (drop_all_caps() == -1 || syscall(SYS_capget, &hdr, data) == -1)
		fatal(EX_OSERR, "privileges: acceptor: capabilities");
	for (int i = 0; i < 2; i++)
		if (data[i].effective || data[i].permitted ||
		    data[i].inheritable)
			fatalx(EX_OSERR, "privileges: acceptor: capabilities "
			    "left after the drop");
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		fatalx(EX_OSERR, "privileges: acceptor: no_new_privs not set");
}
