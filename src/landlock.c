/*
 * landlock.c - the second wall: Landlock rulesets for each process role.
 *
 * Seccomp decides which system calls a process may make; Landlock decides
 * which files and TCP ports those calls may reach.  Either stands without
 * the other: a call the filter lets through (the master's read-only
 * openat) still meets Landlock, and a kernel without Landlock still has
 * the filter.
 *
 * Best effort, as in the kernel documentation's example: the rights a
 * ruleset handles are those of min(kernel ABI, LL_ABI_KNOWN), so a newer
 * kernel is asked for nothing it would refuse, and an older one for
 * nothing it does not know.  Debian 12's <linux/landlock.h> (Linux 6.1)
 * stops at ABI 2; what later ABIs added is defined here.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "landlock.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset	444
#define SYS_landlock_add_rule		445
#define SYS_landlock_restrict_self	446
#endif
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION	(1U << 0)
#endif
#ifndef LANDLOCK_ACCESS_FS_REFER			/* ABI 2 */
#define LANDLOCK_ACCESS_FS_REFER	(1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE			/* ABI 3 */
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP			/* ABI 4 */
#define LANDLOCK_ACCESS_NET_BIND_TCP	(1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP	(1ULL << 1)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV			/* ABI 5 */
#define LANDLOCK_ACCESS_FS_IOCTL_DEV	(1ULL << 15)
#endif

/* ABI 1's thirteen rights, EXECUTE (bit 0) to MAKE_SYM (bit 12). */
#define LL_FS_ABI1	((1ULL << 13) - 1)

/*
 * The header's struct landlock_ruleset_attr has only the file-system
 * field before 6.7; the kernel takes the size it is given, so passing
 * only the fields an ABI knows keeps an older kernel happy.
 */
struct ll_ruleset_attr {
	uint64_t	handled_access_fs;
	uint64_t	handled_access_net;		/* ABI 4 */
};

/* What each ABI added, from the kernel's "Landlock ABI versions". */
static const struct {
	uint64_t	fs;
	uint64_t	net;
} ll_added[LL_ABI_KNOWN + 1] = {
	[1] = { LL_FS_ABI1, 0 },
	[2] = { LANDLOCK_ACCESS_FS_REFER, 0 },
	[3] = { LANDLOCK_ACCESS_FS_TRUNCATE, 0 },
	[4] = { 0, LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP },
	[5] = { LANDLOCK_ACCESS_FS_IOCTL_DEV, 0 },
};

/* Rights a rule on a file (not a directory) may carry. */
#define LL_FS_FILE	(LANDLOCK_ACCESS_FS_EXECUTE | \
			 LANDLOCK_ACCESS_FS_WRITE_FILE | \
			 LANDLOCK_ACCESS_FS_READ_FILE | \
			 LANDLOCK_ACCESS_FS_TRUNCATE | \
			 LANDLOCK_ACCESS_FS_IOCTL_DEV)
/* The main process: what reload and NSS read, what the pidfile needs. */
#define LL_FS_READ	(LANDLOCK_ACCESS_FS_READ_FILE | \
			 LANDLOCK_ACCESS_FS_READ_DIR)
#define LL_FS_WRITE	(LL_FS_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | \
			 LANDLOCK_ACCESS_FS_TRUNCATE | \
			 LANDLOCK_ACCESS_FS_REMOVE_FILE)

/*
 * Beneath these the main process reads for name resolution: nsswitch.conf,
 * hosts, gai.conf, resolv.conf, services under /etc; NSS modules and
 * their libraries under /usr and /lib*; systemd-resolved's and
 * resolvconf's resolv.conf (where /etc/resolv.conf points) under /run.
 * Sockets (nscd, nss-resolve's varlink, /dev/log) are connected to, which
 * no ABI up to 5 governs.
 */
static const char *const ll_nss_paths[] = {
	"/etc", "/usr", "/lib", "/lib32", "/lib64", "/libx32",
	"/run/systemd/resolve", "/run/resolvconf",
};
/* ... and wherever these files really are, when they are symbolic links. */
static const char *const ll_nss_links[] = {
	"/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf",
};

static int ll_kernel = -1;	/* the kernel's ABI once asked; 0: none */
static int ll_why;		/* ENOSYS or EOPNOTSUPP when ll_kernel is 0 */

#ifdef CASESERV_TEST_HOOKS
/* The test daemon: CASESERV_TEST_NO_LANDLOCK=1 takes this wall down, so
 * that the others can be shown to stand on their own. */
#define LL_TEST_OFF()	(getenv("CASESERV_TEST_NO_LANDLOCK") != NULL)
#else
#define LL_TEST_OFF()	0
#endif

int
ll_abi(void)
{
	long v;

	if (ll_kernel >= 0)
		return ll_kernel;
	v = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	ll_why = v < 0 ? errno : 0;
	ll_kernel = v < 0 ? 0 : (int)v;
	return ll_kernel;
}

int
ll_abi_used(void)
{
	int abi = ll_abi();

	return abi < LL_ABI_KNOWN ? abi : LL_ABI_KNOWN;
}

const char *
ll_describe(char *buf, size_t len)
{
	int abi = ll_abi_used();

	if (abi == 0)
		snprintf(buf, len, "landlock: %s", ll_why == EOPNOTSUPP ?
		    "disabled in this kernel" : "not supported by this kernel");
	else if (ll_abi() > abi)
		snprintf(buf, len, "landlock: ABI %d in force (kernel ABI %d)",
		    abi, ll_abi());
	else
		snprintf(buf, len, "landlock: ABI %d in force", abi);
	return buf;
}

/* The ruleset for abi: every right it knows handled (net: if wanted). */
static int
ll_create(int abi, int net)
{
	struct ll_ruleset_attr attr = { 0, 0 };
	size_t size = sizeof(attr.handled_access_fs);

	for (int i = 1; i <= abi; i++) {
		attr.handled_access_fs |= ll_added[i].fs;
		if (net)
			attr.handled_access_net |= ll_added[i].net;
	}
	if (attr.handled_access_net != 0)
		size = sizeof(attr);
	return (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
}

/* Enforce the ruleset fd and close it; the ABI in force, or -1. */
static int
ll_enforce(int fd, int abi)
{
	int rc, e;

	if (fd == -1)
		return -1;
	/* SECURITY: needed to restrict oneself without CAP_SYS_ADMIN, and
	 * what makes the layer binding on everything exec'd later. */
	rc = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (rc == 0)
		rc = (int)syscall(SYS_landlock_restrict_self, fd, 0);
	e = errno;
	close(fd);
	errno = e;
	return rc == -1 ? -1 : abi;
}

static int ll_allow(int ruleset, const char *path, uint64_t access,
    uint64_t handled);

/*
 * Coverage builds only (configure --enable-coverage): libgcov writes every
 * process's counters at exit into the build directory, so each layer has
 * that one rule more.  Never in a build that is shipped.
 */
static int
ll_allow_coverage(int ruleset, int abi)
{
#ifdef CASESERV_COVERAGE
	uint64_t handled = 0;

	for (int a = 1; a <= abi; a++)
		handled |= ll_added[a].fs;
	return ll_allow(ruleset, CASESERV_COVERAGE_DIR, LL_FS_WRITE |
	    LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_DIR, handled);
#else
	(void)ruleset;
	(void)abi;
	return 0;
#endif
}

/* A ruleset with no rule: the rights handled are denied everywhere. */
static int
ll_deny_all(void)
{
	int abi = ll_abi_used(), fd, e;

	if (abi == 0 || LL_TEST_OFF())
		return 0;
	fd = ll_create(abi, 1);
	if (fd != -1 && ll_allow_coverage(fd, abi) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return ll_enforce(fd, abi);
}

int
ll_restrict_session(void)
{
	/* SECURITY: no file of any kind can be opened, made, removed or
	 * executed, and (ABI >= 4) no TCP port bound or connected to: a
	 * session reaches nothing but the descriptors it holds. */
	return ll_deny_all();
}

int
ll_restrict_acceptor(void)
{
	/* SECURITY: the acceptor only accepts on listeners it was handed
	 * and forks: it needs no file and no new TCP socket either. */
	return ll_deny_all();
}

/*
 * Allow access beneath path (the rights the ruleset handles only).  A
 * path that does not exist is skipped; a file gets only file rights.
 */
static int
ll_allow(int ruleset, const char *path, uint64_t access, uint64_t handled)
{
	struct landlock_path_beneath_attr pb;
	struct stat st;
	int rc, e;

	if ((pb.parent_fd = open(path, O_PATH | O_CLOEXEC)) == -1)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	if (fstat(pb.parent_fd, &st) == -1) {
		e = errno;
		close(pb.parent_fd);
		errno = e;
		return -1;
	}
	pb.allowed_access = access & handled &
	    (S_ISDIR(st.st_mode) ? ~0ULL : LL_FS_FILE);
	rc = (int)syscall(SYS_landlock_add_rule, ruleset,
	    LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	e = errno;
	close(pb.parent_fd);
	errno = e;
	return rc;
}

/* The directory of what link really names, when it is a symbolic link. */
static int
ll_allow_target(int ruleset, const char *link, uint64_t handled)
{
	char real[PATH_MAX], *slash;

	if (realpath(link, real) == NULL || strcmp(real, link) == 0)
		return 0;
	if ((slash = strrchr(real, '/')) != NULL && slash != real)
		*slash = '\0';
	return ll_allow(ruleset, real, LL_FS_READ, handled);
}

int
ll_restrict_main(const char *const *read_paths, const char *write_dir)
{
	uint64_t handled = 0;
	int abi = ll_abi_used(), fd, rc = 0, e;
	size_t i;

	if (abi == 0 || LL_TEST_OFF())
		return 0;
	for (int a = 1; a <= abi; a++)
		handled |= ll_added[a].fs;
	/* SECURITY: network rights are left alone (landlock.h says why). */
	if ((fd = ll_create(abi, 0)) == -1)
		return -1;
	for (i = 0; rc == 0 && read_paths != NULL && read_paths[i] != NULL; i++)
		rc = ll_allow(fd, read_paths[i], LL_FS_READ, handled);
	for (i = 0; rc == 0 && i < sizeof(ll_nss_paths) / sizeof(*ll_nss_paths);
	    i++)
		rc = ll_allow(fd, ll_nss_paths[i], LL_FS_READ, handled);
	for (i = 0; rc == 0 && i < sizeof(ll_nss_links) / sizeof(*ll_nss_links);
	    i++)
		rc = ll_allow_target(fd, ll_nss_links[i], handled);
	if (rc == 0 && write_dir != NULL)
		rc = ll_allow(fd, write_dir, LL_FS_WRITE, handled);
	if (rc == 0)
		rc = ll_allow_coverage(fd, abi);
	if (rc == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return ll_enforce(fd, abi);
}
