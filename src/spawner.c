/*
 * spawner.c - the spawner process, and the acceptor's side of it.
 *
 * The record, host byte order (both ends are the same binary):
 *
 *	 0  uint32  magic "CSSW"	 4  uint16  version
 *	 6  uint16  zero		 8  int32   pid (0: failed)
 *	12  int32   errno (0: a session; then exactly two descriptors
 *		    come with it, its pidfd and our end of its channel)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <syslog.h>
#include <unistd.h>

#include "child.h"
#include "landlock.h"
#include "log.h"
#include "msg.h"
#include "privs.h"
#include "proctitle.h"
#include "sandbox.h"
#include "session.h"
#include "spawner.h"

#define PUT(buf, off, v)	memcpy((buf) + (off), &(v), sizeof(v))
#define GET(buf, off, v)	memcpy(&(v), (buf) + (off), sizeof(v))

/*
 * The spawner holds a few descriptors at a time (its socket, a new pair,
 * a pidfd), but the kernel also counts those in flight to the acceptor
 * against the sender's RLIMIT_NOFILE (ETOOMANYREFS): two per session
 * the acceptor has not taken yet, for every process of the account.
 */
#define SPW_NOFILE	256

/* ---- the record -------------------------------------------------------- */

static void
spw_encode(unsigned char buf[SPW_SIZE], pid_t pid, int err)
{
	uint32_t magic = SPW_MAGIC;
	uint16_t version = SPW_VERSION, zero = 0;
	int32_t p = pid, e = err;

	PUT(buf, 0, magic);
	PUT(buf, 4, version);
	PUT(buf, 6, zero);
	PUT(buf, 8, p);
	PUT(buf, 12, e);
}

int
spw_decode(const unsigned char *buf, size_t len, int nfds, struct spw_born *b)
{
	uint32_t magic;
	uint16_t version, zero;
	int32_t pid, err;

	if (len != SPW_SIZE)
		return -1;
	GET(buf, 0, magic);
	GET(buf, 4, version);
	GET(buf, 6, zero);
	GET(buf, 8, pid);
	GET(buf, 12, err);
	if (magic != SPW_MAGIC || version != SPW_VERSION || zero != 0)
		return -1;
	if (!((pid > 1 && err == 0 && nfds == 2) ||
	    (pid == 0 && err > 0 && err < 4096 && nfds == 0)))
		return -1;
	b->pid = pid;
	b->err = err;
	return 0;
}

/* ---- the spawner ------------------------------------------------------- */

/*
 * Libraries main needs and no session ever calls: the configuration
 * parser, the filter compiler (the filters are compiled already: a session
 * loads its program with prctl) and libcap-ng (privs.c drops a session's
 * capabilities with capset itself).  Every session is a copy of the
 * spawner, and its clone and its exit cost a little per mapping: the
 * spawner unmaps these once, so its sessions never have them (14 fewer
 * mappings of 39, and no code of theirs a compromised session could
 * reuse).  SECURITY: nothing after this calls into them; a call would
 * fault in the spawner or a session, never reach another process.
 */
#ifndef CASESERV_SANITIZERS
static const char *const spw_shed_names[] = {
	"libconfig.so", "libseccomp.so", "libcap-ng.so",
};

#define SPW_SHED_MAX	8

struct spw_shed {
	uintptr_t	lo[SPW_SHED_MAX], hi[SPW_SHED_MAX];
	size_t		n;
};

/* The span of one loaded object, if it is one to shed: from its lowest
 * segment to its highest, which covers the reserved gaps between them. */
static int
spw_shed_find(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct spw_shed *sh = arg;
	const uintptr_t pg = (uintptr_t)getpagesize();
	const char *name = strrchr(info->dlpi_name, '/');
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	size_t i;

	(void)size;
	name = name != NULL ? name + 1 : info->dlpi_name;
	for (i = 0; i < sizeof(spw_shed_names) / sizeof(spw_shed_names[0]); i++)
		if (strncmp(name, spw_shed_names[i],
		    strlen(spw_shed_names[i])) == 0)
			break;
	if (i == sizeof(spw_shed_names) / sizeof(spw_shed_names[0]) ||
	    sh->n == SPW_SHED_MAX)
		return 0;
	for (int k = 0; k < info->dlpi_phnum; k++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[k];
		uintptr_t a = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type != PT_LOAD)
			continue;
		if (a < lo)
			lo = a;
		if (a + ph->p_memsz > hi)
			hi = a + ph->p_memsz;
	}
	if (lo < hi) {
		sh->lo[sh->n] = lo & ~(pg - 1);
		sh->hi[sh->n] = (hi + pg - 1) & ~(pg - 1);
		sh->n++;
	}
	return 0;
}

/* Unmap them (after the walk: the walk reads their program headers). */
static void
spw_shed(void)
{
	struct spw_shed sh = { .n = 0 };

	(void)dl_iterate_phdr(spw_shed_find, &sh);
	for (size_t i = 0; i < sh.n; i++)
		(void)munmap((void *)sh.lo[i], sh.hi[i] - sh.lo[i]);
}
#else
/* Sanitizer builds keep them: ASan's reports walk every loaded object. */
static void
spw_shed(void)
{
}
#endif

/* One word to the acceptor; the descriptors go with it.  0, or -1 when
 * the descriptors could not go (errno set). */
static int
spw_tell(int fd, pid_t pid, int err, int pidfd, int chan)
{
	unsigned char buf[SPW_SIZE];
	union {
		char		buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr	align;
	} cm;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	const int fds[2] = { pidfd, chan };

	spw_encode(buf, pid, err);
	if (pid > 0)
		msg_put_fds(&mh, cm.buf, sizeof(cm.buf), fds, 2);
	while (sendmsg(fd, &mh, MSG_NOSIGNAL) == -1) {
		if (errno == EINTR)
			continue;
		/* The acceptor is gone: so are we. */
		if (errno == EPIPE || errno == ECONNRESET || pid == 0)
			_exit(0);
		return -1;
	}
	return 0;
}

#ifdef CASESERV_TEST_HOOKS
/*
 * The test daemon: what a compromised spawner could say, once, on its
 * first session (CASESERV_TEST_SPAWNER_ATTACK): "lie" names its own pid
 * in place of the session's, "stranger" the acceptor's (no child
 * of its own); "extra" makes a second session nobody asked for;
 * "garbage" sends a record that does not decode for its fourth.
 * "strangers" names the acceptor for every session, for good; "dups"
 * names its first session for every later one; "silent" reads every
 * request and answers none; "drip" makes each session 900 ms late.
 */
static const char *spw_attack;
static pid_t spw_self;		/* getpid() is not in the filter */
#endif

/* One session: its channel, the clone, the word to the acceptor. */
static void
spw_one(int fd, pid_t acceptor)
{
	int p[2], pidfd = -1, err, word = 0;
	pid_t pid;
#ifdef CASESERV_TEST_HOOKS
	static int made;
#endif

	/* The same pair as the acceptor's own sessions have (sessions.c). */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0, p) == -1) {
		spw_tell(fd, 0, errno, -1, -1);
		return;
	}
	if ((pid = chd_spawn_sibling(&pidfd)) == 0)
		ses_pool_run(p[1], acceptor);	/* closes all but p[1] */
	err = errno;
	close(p[1]);
#ifdef CASESERV_TEST_HOOKS
	if (pid > 0 && spw_attack != NULL && strcmp(spw_attack, "lie") == 0) {
		spw_attack = NULL;
		pid = spw_self;
	} else if (pid > 0 && spw_attack != NULL &&
	    strcmp(spw_attack, "stranger") == 0) {
		spw_attack = NULL;
		pid = acceptor;	/* no child of its own */
	} else if (pid > 0 && spw_attack != NULL &&
	    strcmp(spw_attack, "strangers") == 0) {
		pid = acceptor;	/* every time */
	} else if (pid > 0 && spw_attack != NULL &&
	    strcmp(spw_attack, "dups") == 0) {
		static pid_t first;

		if (first == 0)
			first = pid;
		else
			pid = first;	/* the acceptor's child, booked */
	} else if (pid > 0 && spw_attack != NULL &&
	    strcmp(spw_attack, "garbage") == 0 && ++made == 4) {
		spw_attack = NULL;
		word = 1;	/* a session with an error: no such record */
	}
#endif
	if (pid == -1)
		(void)spw_tell(fd, 0, err > 0 ? err : EAGAIN, -1, -1);
	else if (spw_tell(fd, pid, word, pidfd, p[0]) == -1) {
		/* Not handed on: closing its channel's other end lets the
		 * session go (it exits when it sees the hang-up). */
		err = errno;
		(void)spw_tell(fd, 0, err, -1, -1);
	}
	if (pid > 0)
		close(pidfd);
	close(p[0]);
#ifdef CASESERV_TEST_HOOKS
	if (spw_attack != NULL && strcmp(spw_attack, "extra") == 0) {
		spw_attack = NULL;
		spw_one(fd, acceptor);
	}
#endif
}

/*
 * SECURITY: the spawner's path from the fork to its loop: its name, no
 * descriptor but its socket, no handler of the acceptor's, gone with the
 * acceptor, few descriptors, no core, the libraries it never calls gone,
 * its Landlock domain, its filter.  It never sees client
 * data; its sessions lock themselves down before they do.
 */
static void __attribute__((noreturn))
spw_main(int fd, pid_t acceptor)
{
	static const int ignored[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGPIPE };
	static const struct rlimit nofile = { SPW_NOFILE, SPW_NOFILE };
	static const struct rlimit none = { 0, 0 };
	unsigned char req[64];
	struct sigaction sa;
	sigset_t all;
	ssize_t n;

	pt_set("spawner");
	pt_name("caseserv-spawn");
#ifdef CASESERV_TEST_HOOKS
	spw_attack = getenv("CASESERV_TEST_SPAWNER_ATTACK");
	spw_self = getpid();
#endif
	if (close_range(0, (unsigned)fd - 1, 0) == -1 ||
	    close_range((unsigned)fd + 1, ~0U, 0) == -1)
		_exit(71);
	/* Sessions inherit these: none of the acceptor's handlers. */
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		(void)sigaction(ignored[i], &sa, NULL);
	sa.sa_handler = SIG_DFL;
	(void)sigaction(SIGCHLD, &sa, NULL);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	/* SECURITY: an exec can grant capabilities (file capabilities,
	 * ambient ones); none is kept, whatever this image was given. */
	if (prv_drop_session() == -1 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != acceptor ||
	    setrlimit(RLIMIT_NOFILE, &nofile) == -1 ||
	    setrlimit(RLIMIT_CORE, &none) == -1)
		_exit(71);
	/* Every session starts as a copy of this process: keep it small. */
	(void)malloc_trim(0);
	spw_shed();
	/* SECURITY: the sessions' Landlock domain, entered once here and
	 * inherited by every session (a domain is never left); the spawner
	 * was forked before the acceptor entered its own (the exec needs
	 * that).  No session makes a layer of its own. */
	if (ll_restrict_session() == -1 || sbx_enter_spawner() == -1)
		_exit(71);
	for (;;) {
		if ((n = read(fd, req, sizeof(req))) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0);
#ifdef CASESERV_TEST_HOOKS
		if (spw_attack != NULL && strcmp(spw_attack, "silent") == 0)
			continue;
#endif
		for (ssize_t i = 0; i < n; i++) {
#ifdef CASESERV_TEST_HOOKS
			if (spw_attack != NULL &&
			    strcmp(spw_attack, "drip") == 0)
				(void)poll(NULL, 0, 900);
#endif
			spw_one(fd, acceptor);
		}
	}
}

/* ---- a fresh image ------------------------------------------------------ */

/*
 * The spawner, just forked, executes the running binary again
 * (/proc/self/exe names it even after an upgrade replaced the file) with
 * its socket on SPW_EXEC_FD and the marker as argv[1].  SECURITY: a
 * fresh image owes main and the acceptor nothing: its own address layout
 * and stack canary (a session's memory says nothing of theirs), no page
 * of theirs (no configuration text, no environment of root's start: only
 * the variables below go with it), and short anonymous-memory chains, so
 * each clone costs less.  Where exec is refused (no /proc, say), the
 * spawner goes on as the fork it is.
 */
#define SPW_EXEC_FD	3
#define SPW_EXEC_ROOM	256	/* argv[2]: room for the sessions' titles */
#define SPW_ENV_MAX	16

/* Variables the new image keeps: the sanitizer and gcov settings of the
 * builds that use them; in the test daemon, its hooks and the
 * fault-injection shim (tests/fault).  Nothing else. */
static const char *const spw_env_kept[] = {
#ifdef CASESERV_TEST_HOOKS
	"CASESERV_TEST_", "CASESERV_FAULT", "LD_PRELOAD=",
#endif
	"ASAN_OPTIONS=", "UBSAN_OPTIONS=", "LSAN_OPTIONS=", "GCOV_PREFIX",
};

extern char **environ;

#ifdef CASESERV_COVERAGE
void __gcov_dump(void);		/* libgcov: write the counters now */
void __gcov_reset(void);	/* ... and start them from zero */
#endif

/* Set by caseserv's main(): /proc/self/exe is then caseserv, not a test
 * program that runs an acceptor of its own. */
static int spw_execable;

void
spw_exec_allow(void)
{
	spw_execable = 1;
}

/*
 * SECURITY: the image the spawner executes is a copy of the running
 * binary in a memfd that its owner may execute but not read.  The
 * kernel makes an exec of a file its caller cannot read non-dumpable
 * from the first instruction (fs/exec.c: would_dump): no other process
 * of the run user can ptrace the spawner or its sessions, or read their
 * memory, as it could not the acceptor's (dumpable 0 since the uid
 * change).  An exec of /proc/self/exe itself, readable, would make the
 * new image dumpable again, with a window before any prctl could undo
 * it.  -1 (errno set) where no such copy can be made: no exec then.
 */
static int
spw_image(void)
{
	struct stat st;
	off_t left;
	int src, img;

	if ((src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
#ifdef MFD_EXEC
	if ((img = memfd_create("caseserv-spawner", MFD_CLOEXEC | MFD_EXEC)) ==
	    -1 && errno == EINVAL)
#endif
		img = memfd_create("caseserv-spawner", MFD_CLOEXEC);
	if (img == -1 || fstat(src, &st) == -1)
		goto fail;
	for (left = st.st_size; left > 0;) {
		ssize_t k = sendfile(img, src, NULL, (size_t)left);

		if (k <= 0)
			goto fail;
		left -= k;
	}
	/* Execute only: the copy's owner (us) cannot read it back. */
	if (fchmod(img, S_IXUSR) == -1)
		goto fail;
	close(src);
	return img;
fail:
	close(src);
	if (img != -1)
		close(img);
	return -1;
}

static void
spw_exec(int fd)
{
	static char name[] = "caseserv-spawner", mark[] = SPW_EXEC_ARG;
	static char room[SPW_EXEC_ROOM];
	char *argv[] = { name, mark, room, NULL };
	char *envp[SPW_ENV_MAX + 1];
	size_t n = 0;
	int img;

	if (!spw_execable)
		return;
	memset(room, ' ', sizeof(room) - 1);
	for (size_t i = 0; environ != NULL && environ[i] != NULL; i++)
		for (size_t k = 0; k < sizeof(spw_env_kept) /
		    sizeof(spw_env_kept[0]) && n < SPW_ENV_MAX; k++)
			if (strncmp(environ[i], spw_env_kept[k],
			    strlen(spw_env_kept[k])) == 0) {
				envp[n++] = environ[i];
				break;
			}
	envp[n] = NULL;
	if ((img = spw_image()) == -1)
		return;
	/* The socket on its known number, without close-on-exec; the rest
	 * close at the exec (and stay, should it fail). */
	if (fd == SPW_EXEC_FD ? fcntl(fd, F_SETFD, 0) == -1 :
	    dup2(fd, SPW_EXEC_FD) == -1) {
		close(img);
		return;
	}
#ifdef CASESERV_COVERAGE
	/* The exec replaces this image and its counters with it. */
	__gcov_dump();
#endif
	if (close_range(SPW_EXEC_FD + 1, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		(void)syscall(SYS_execveat, img, "", argv, envp, AT_EMPTY_PATH);
#ifdef CASESERV_COVERAGE
	__gcov_reset();		/* still here: counted once, at the exit */
#endif
	if (fd != SPW_EXEC_FD)
		(void)close(SPW_EXEC_FD);
	close(img);
}

int
spw_is_exec(int argc, char **argv)
{
	return argc == 3 && strcmp(argv[1], SPW_EXEC_ARG) == 0;
}

void
spw_exec_main(void)
{
	int type = 0, domain = 0;
	socklen_t len = sizeof(type), dlen = sizeof(domain),
	    clen = sizeof(struct ucred);
	struct ucred peer = { 0, 0, 0 };

	/* SECURITY: not dumpable, whatever fs.suid_dumpable gave the exec
	 * (spw_image): first, before anything else runs. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	log_init(1, LOG_DAEMON, -1);
	/* Only as the acceptor starts it: its socket pair on 3. */
	if (getsockopt(SPW_EXEC_FD, SOL_SOCKET, SO_TYPE, &type, &len) == -1 ||
	    getsockopt(SPW_EXEC_FD, SOL_SOCKET, SO_DOMAIN, &domain, &dlen) == -1 ||
	    type != SOCK_SEQPACKET || domain != AF_UNIX ||
	    /* ... made by our parent, the acceptor, as our own user. */
	    getsockopt(SPW_EXEC_FD, SOL_SOCKET, SO_PEERCRED, &peer, &clen) == -1 ||
	    peer.pid != getppid() || peer.uid != getuid()) {
		fprintf(stderr, "caseserv: %s is the acceptor's, not an "
		    "option\n", SPW_EXEC_ARG);
		_exit(EX_USAGE);
	}
	sbx_init();
	spw_main(SPW_EXEC_FD, getppid());
}

/* ---- the acceptor's side ------------------------------------------------ */

pid_t
spw_start(int *fd, int *pidfd, pid_t acceptor)
{
	int p[2];
	pid_t pid;

	/* Ours non-blocking, the spawner's blocking: it waits for requests,
	 * and for us to take what it made. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p) == -1)
		return -1;
	if (fcntl(p[0], F_SETFL, O_NONBLOCK) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	/* The acceptor's handlers must never run in the spawner. */
	if ((pid = chd_spawn_paired(p, pidfd)) == 0) {
		spw_exec(p[1]);
		spw_main(p[1], acceptor);
	}
	if (pid == -1)
		return -1;
	*fd = p[0];
	return pid;
}

int
spw_request(int fd, unsigned n)
{
	static const unsigned char req[64];

	if (n > sizeof(req))
		n = sizeof(req);
	return write(fd, req, n) == (ssize_t)n ? 0 : -1;
}

int
spw_receive(int fd, struct spw_born *b)
{
	unsigned char buf[SPW_SIZE + 1];
	union {
		char		buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr	align;
	} cm;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf) };
	struct cmsghdr *h;
	int fds[3], nfds = 0, ok;
	ssize_t n;

	if ((n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT)) == -1)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1;
	for (h = CMSG_FIRSTHDR(&mh); h != NULL; h = CMSG_NXTHDR(&mh, h)) {
		size_t k;

		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int one;

			memcpy(&one, CMSG_DATA(h) + i * sizeof(int), sizeof(one));
			if (nfds < 3)
				fds[nfds++] = one;
			else
				close(one);
		}
	}
	/* Out of descriptors here (EMFILE): the kernel dropped what did
	 * not fit, and the session, its channel gone, exits.  Our failure,
	 * not the spawner's: reported as a fork that failed. */
	if ((mh.msg_flags & MSG_CTRUNC) && !(mh.msg_flags & MSG_TRUNC) &&
	    nfds < 2 && spw_decode(buf, (size_t)n, 2, b) == 0 && b->pid > 0) {
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		b->pid = 0;
		b->err = EMFILE;
		b->pidfd = b->chan = -1;
		return 1;
	}
	ok = !(mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) &&
	    spw_decode(buf, (size_t)n, nfds, b) == 0;
	if (!ok) {
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		return -1;
	}
	/* SECURITY: the acceptor never waits on a channel; the spawner's
	 * word that this one does not block is not taken (a blocking one
	 * would hang the acceptor in its first read). */
	if (nfds == 2 && fcntl(fds[1], F_SETFL, O_NONBLOCK) == -1) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	b->pidfd = nfds == 2 ? fds[0] : -1;
	b->chan = nfds == 2 ? fds[1] : -1;
	return 1;
}
