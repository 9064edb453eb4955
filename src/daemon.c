/*
 * daemon.c - detaching, the pidfile, and readiness for service managers.
 *
 * The parent of a detaching daemon waits on a pipe until the daemon says
 * it is listening, so the command that started it exits only then, and
 * with the daemon's own start-up status when it failed.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

#define READY_BYTE	'R'
#define PIDFILE_TRIES	3	/* bound on races with an exiting instance */

static int	 ready_fd = -1;	/* write end of the pipe to the waiting parent */
static int	 null_fd = -1;	/* /dev/null, opened before any sandbox */

static int	 pid_fd = -1;
static char	 pid_path[PATH_MAX];

static int	 notify_fd = -1;
static struct sockaddr_un notify_addr;
static socklen_t notify_len;
static uint64_t	 watchdog_usec;	/* $WATCHDOG_USEC, when it is meant for us */

/*
 * The parent: exit 0 once the daemon is ready, or with its status if it
 * died first.  _exit, because the atexit handlers and buffers belong to
 * the daemon now.
 */
static void __attribute__((noreturn))
wait_for_daemon(pid_t pid, int fd)
{
	char	 c;
	ssize_t	 n;
	int	 st;

	do
		n = read(fd, &c, 1);
	while (n == -1 && errno == EINTR);
	if (n == 1 && c == READY_BYTE)
		_exit(0);
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			_exit(EX_OSERR);
	if (WIFEXITED(st))
		_exit(WEXITSTATUS(st));
	/* A signal leaves no message of its own: this is the one line. */
	log_errx("start-up: daemon pid %ld killed by signal %d (%s)",
	    (long)pid, WTERMSIG(st), strsignal(WTERMSIG(st)));
	_exit(EX_OSERR);
}

void
dmn_clean_fds(int keep)
{
	int fd;

	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 &&
		    open("/dev/null", O_RDWR | O_NOCTTY) != fd)
			_exit(EX_OSERR);	/* nowhere to say why */
	(void)close_range(3 + (unsigned)keep, ~0U, 0);
}

void
dmn_detach(void)
{
	int	 p[2];
	pid_t	 pid;

	/*
	 * Opened now: by dmn_ready() the master may be unprivileged and
	 * under its seccomp filter, where open() is not allowed.
	 */
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (null_fd == -1)
		fatal(EX_OSERR, "open: /dev/null");
	if (pipe2(p, O_CLOEXEC) == -1)
		fatal(EX_OSERR, "pipe");
	fflush(NULL);		/* or buffered output is written twice */
	pid = fork();
	if (pid == -1)
		fatal(EX_OSERR, "fork");
	if (pid > 0) {
		close(p[1]);
		wait_for_daemon(pid, p[0]);
	}
	close(p[0]);
	ready_fd = p[1];
	if (setsid() == -1)
		fatal(EX_OSERR, "setsid");
	if (chdir("/") == -1)
		fatal(EX_OSERR, "chdir: /");
	umask(027);
}

void
dmn_ready(int keep_stderr)
{
	char	 c = READY_BYTE;
	int	 fd;

	if (ready_fd != -1) {
		/* -e without -f: the operator redirected stderr to keep the log. */
		for (fd = 0; fd <= (keep_stderr ? 1 : 2); fd++)
			if (dup2(null_fd, fd) == -1)
				log_warn("dup2: /dev/null");
		close(null_fd);
		null_fd = -1;
		if (write(ready_fd, &c, 1) != 1)
			log_warn("ready: write to parent");
		close(ready_fd);
		ready_fd = -1;
	}
	dmn_notify("READY=1");
}

void
dmn_child(int keep_stderr)
{
	int fd;

	/* Detaching: the invoking shell's terminal or pipe is not the
	 * acceptor's to hold (a shell waiting for end-of-file on it would
	 * wait for ever). */
	if (ready_fd != -1 && null_fd != -1)
		for (fd = 0; fd <= (keep_stderr ? 1 : 2); fd++)
			(void)dup2(null_fd, fd);
	/* SECURITY: the waiting parent hears from main only; the pidfile and
	 * the service manager's socket are main's (and with pid_fd at -1 an
	 * exit here runs no pidfile removal). */
	if (ready_fd != -1)
		close(ready_fd);
	if (null_fd != -1)
		close(null_fd);
	if (pid_fd != -1)
		close(pid_fd);
	if (notify_fd != -1)
		close(notify_fd);
	ready_fd = null_fd = pid_fd = notify_fd = -1;
	watchdog_usec = 0;
}

/* The pid of the instance holding the lock: its file, else the lock. */
static long
pidfile_holder(int fd)
{
	char		 buf[32];
	ssize_t		 n;
	long		 pid;
	struct flock	 fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n > 0) {
		buf[n] = '\0';
		pid = strtol(buf, NULL, 10);
		if (pid > 0)
			return pid;
	}
	/* The other instance may hold the lock but not have written yet. */
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		return (long)fl.l_pid;
	return 0;
}

/* Why a file found at pid_path is not ours to write (pidfile_lock). */
enum { PF_LOCKED = 1, PF_BUSY = 0, PF_ERRNO = -1, PF_NOTREG = -2,
    PF_OWNER = -3, PF_LINKS = -4 };

/*
 * SECURITY: the file we truncate and write as root must be one we (or a
 * previous instance) made: a regular file (no FIFO, device or directory),
 * owned by us or by the run user it is handed to, and with no other name
 * (a hard link planted in a shared directory would make us overwrite its
 * other name's contents).
 */
static int
pidfile_vet(const struct stat *st, uid_t run_uid)
{
	if (!S_ISREG(st->st_mode))
		return PF_NOTREG;
	if (st->st_uid != geteuid() && st->st_uid != run_uid)
		return PF_OWNER;
	if (st->st_nlink != 1)
		return PF_LINKS;
	return 0;
}

/*
 * Open and lock the file at pid_path: PF_LOCKED; PF_BUSY, another
 * instance holds it (fd returned for pidfile_holder); PF_ERRNO; or why
 * the file is refused (pidfile_vet; *st says what it is).  The lock only
 * counts if the path still names the locked file: an exiting instance may
 * have unlinked it between our open and our lock.
 */
static int
pidfile_lock(int *fdp, uid_t run_uid, struct stat *fst)
{
	struct flock	 fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	struct stat	 pst;
	int		 fd, try, rc;

	for (try = 0; try < PIDFILE_TRIES; try++) {
		/*
		 * SECURITY: O_NOFOLLOW and pidfile_vet() stop a symlink,
		 * FIFO or hard link planted in a shared directory;
		 * O_NONBLOCK keeps a FIFO from hanging the open.
		 */
		fd = open(pid_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
		    O_NOCTTY | O_NONBLOCK, 0644);
		if (fd == -1)
			return errno == ELOOP ? PF_NOTREG : PF_ERRNO;
		*fdp = fd;
		if (fstat(fd, fst) == -1)
			return PF_ERRNO;
		if ((rc = pidfile_vet(fst, run_uid)) != 0)
			return rc;
		if (fcntl(fd, F_SETLK, &fl) == -1)
			return (errno == EAGAIN || errno == EACCES) ? PF_BUSY :
			    PF_ERRNO;
		if (stat(pid_path, &pst) == 0 && pst.st_dev == fst->st_dev &&
		    pst.st_ino == fst->st_ino)
			return PF_LOCKED;
		close(fd);
		*fdp = -1;
	}
	errno = EAGAIN;
	return PF_ERRNO;
}

/*
 * A directory others may write and that is not sticky lets them rename
 * or remove the pidfile and put their own in its place (which the checks
 * above then refuse, so the daemon could not start): said once, at start.
 */
static void
pidfile_dir_check(void)
{
	char		 dir[PATH_MAX], *slash;
	struct stat	 st;

	snprintf(dir, sizeof(dir), "%s", pid_path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		slash[slash == dir] = '\0';
	if (stat(dir, &st) == 0 && (st.st_mode & S_IWOTH) &&
	    !(st.st_mode & S_ISVTX))
		log_warnx("pidfile: %s: directory writable by others and not "
		    "sticky: anyone can replace the pidfile", dir);
}

static int
pidfile_write(int fd)
{
	char	 buf[32];
	int	 len;

	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, len, 0) != len)
		return -1;
	/* World-readable as is customary, whatever the umask. */
	return fchmod(fd, 0644);
}

/* The message for a refused file or a failed open. */
static void
pidfile_error(int r, const struct stat *st, uid_t run_uid, char *err,
    size_t errlen)
{
	int e = errno, n = snprintf(err, errlen, "pidfile: %s: ", pid_path);

	if (n < 0 || (size_t)n >= errlen)
		return;
	err += n;
	errlen -= (size_t)n;
	if (r == PF_NOTREG)
		snprintf(err, errlen, "not a regular file");
	else if (r == PF_OWNER && geteuid() != 0)
		snprintf(err, errlen, "owned by uid %u, not uid %u",
		    (unsigned)st->st_uid, (unsigned)geteuid());
	else if (r == PF_OWNER)
		snprintf(err, errlen, "owned by uid %u, not root or the run "
		    "user (uid %u)", (unsigned)st->st_uid, (unsigned)run_uid);
	else if (r == PF_LINKS)
		snprintf(err, errlen, "has %lu links", (unsigned long)st->st_nlink);
	else
		snprintf(err, errlen, "%s", strerror(e));
}

int
dmn_pidfile_open(const char *path, uid_t run_uid, char *err, size_t errlen)
{
	struct stat	 st;
	int		 fd = -1, r;

	if (strlen(path) >= sizeof(pid_path)) {
		snprintf(err, errlen, "pidfile: %s: %s", path,
		    strerror(ENAMETOOLONG));
		return -1;
	}
	strcpy(pid_path, path);
	pidfile_dir_check();
	r = pidfile_lock(&fd, run_uid, &st);
	if (r == PF_BUSY)
		snprintf(err, errlen, "pidfile: %s: already running as pid %ld",
		    path, pidfile_holder(fd));
	else if (r == PF_LOCKED && ftruncate(fd, 0) == 0) {
		/* No stale pid meanwhile; ours is written once listening. */
		pid_fd = fd;	/* kept open: the lock lives with it */
		return 0;
	} else
		pidfile_error(r, &st, run_uid, err, errlen);
	if (fd != -1)
		close(fd);
	pid_path[0] = '\0';
	return -1;
}

void
dmn_pidfile_chown(uid_t uid, gid_t gid)
{
	if (pid_fd != -1 && fchown(pid_fd, uid, gid) == -1)
		log_warn("pidfile: %s: chown", pid_path);
}

/*
 * After the privilege drop the directory may not let us unlink (a
 * root-owned /run): then empty the file, so no stale pid is left behind.
 */
int
dmn_pidfile_write(char *err, size_t errlen)
{
	if (pid_fd == -1 || pidfile_write(pid_fd) == 0)
		return 0;
	snprintf(err, errlen, "pidfile: %s: %s", pid_path, strerror(errno));
	return -1;
}

void
dmn_pidfile_remove(void)
{
	if (pid_fd == -1)
		return;
	if (unlink(pid_path) == -1) {
		log_debug("pidfile: %s: unlink: %s; truncating it instead",
		    pid_path, strerror(errno));
		if (ftruncate(pid_fd, 0) == -1)
			log_warn("pidfile: %s: truncate", pid_path);
	}
	close(pid_fd);
	pid_fd = -1;
}

/* A decimal number, digits only, at most max; 0, or -1. */
static int
dmn_env_number(const char *s, uint64_t max, uint64_t *out)
{
	char	*end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0' && *out <= max ? 0 : -1;
}

/*
 * $WATCHDOG_USEC is meant for us unless $WATCHDOG_PID names another
 * process (a wrapper that did not exec us, say).  A value systemd would
 * never write is reported and ignored: no keep-alive is better than a
 * wrong one that gets the service killed or hides a hang.
 */
static void
dmn_watchdog_init(void)
{
	const char	*usec = getenv("WATCHDOG_USEC");
	const char	*pid = getenv("WATCHDOG_PID");
	uint64_t	 v, p;

	if (usec == NULL || *usec == '\0')
		return;
	if (dmn_env_number(usec, UINT64_MAX - 1, &v) == -1 || v == 0) {
		log_warnx("watchdog: WATCHDOG_USEC=%s: not a positive number "
		    "of microseconds; ignored", usec);
		return;
	}
	if (pid != NULL && *pid != '\0') {
		if (dmn_env_number(pid, INT_MAX, &p) == -1 || p == 0) {
			log_warnx("watchdog: WATCHDOG_PID=%s: not a process id; "
			    "ignored", pid);
			return;
		}
		if (p != (uint64_t)getpid())
			return;
	}
	watchdog_usec = v;
}

void
dmn_notify_init(void)
{
	const char	*s = getenv("NOTIFY_SOCKET");
	size_t		 len;

	if (s == NULL || *s == '\0')
		return;
	len = strlen(s);
	if ((*s != '/' && *s != '@') || len >= sizeof(notify_addr.sun_path)) {
		log_warnx("notify: %s: unsupported socket address", s);
		return;
	}
	memset(&notify_addr, 0, sizeof(notify_addr));
	notify_addr.sun_family = AF_UNIX;
	memcpy(notify_addr.sun_path, s, len);
	if (*s == '@')		/* abstract namespace: no trailing NUL */
		notify_addr.sun_path[0] = '\0';
	notify_len = offsetof(struct sockaddr_un, sun_path) + len;
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (notify_fd == -1)
		log_warn("notify: socket");
	else
		dmn_watchdog_init();
}

void
dmn_notify(const char *state)
{
	if (notify_fd == -1)
		return;
	if (sendto(notify_fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&notify_addr, notify_len) == -1)
		log_debug("notify: %s: %s", state, strerror(errno));
}

int
dmn_notify_enabled(void)
{
	return notify_fd != -1;
}

uint64_t
dmn_watchdog_usec(void)
{
	return watchdog_usec;
}
