/*
 * bareserver.c - the design's ceiling: a bare fork-per-connection case
 * toggler with no hardening at all.  accept, fork, read/flip/write until
 * end of file, exit; the parent reaps in a SIGCHLD handler.  No privilege
 * drop, no seccomp, no limits, no logging: what caseserv costs beyond this
 * is the price of its protections (bench/README.md, "scale").
 *
 * With -s it also pays the one wall SPEC section 5 asks of every session
 * that no design can move off the connection: each child enters a seccomp
 * allow-list of the toggle loop's calls before it reads (a filter is
 * per-process; one that allows fork cannot be a session's).  It does so
 * the cheapest way known: the filter is built once, before any fork, and
 * is the shortest that does the job (no argument tests); the parent runs
 * an allow-list of its own, because the kernel prepares a new filter's
 * cache of always-allowed calls by running it for every call number the
 * filters already in force allow, all of them when there is none.  No
 * privilege drop, limits, logging or bookkeeping: the ceiling of any
 * design that keeps SPEC section 5's filter.
 *
 * With -S (which implies -s) each session also does the rest of what SPEC
 * sections 5 and 7 ask of it, each the cheapest way known: the parent,
 * once, drops the bounding set and becomes nobody (as root), and enters a
 * Landlock domain (no file, no TCP bind or connect) that every child
 * inherits; each child closes every descriptor but its socket and the
 * report socket, drops every capability (capset), takes the title
 * "session ADDR:PORT" (written over argv, as sshd does, without stdio),
 * enters the filter, and at the end sends the parent a 24-byte record
 * (bytes in and out, why it ended) for the close line; the parent reads
 * each record off one datagram socket shared by every session, the
 * sender's pid stamped by the kernel (SO_PASSCRED), and reaps.  No
 * descriptor a session: a parent that held one per session would copy
 * them all at every fork.  No limits, no logging, no pool: the ceiling of
 * any design that keeps SPEC sections 5 and 7.
 *
 *	cc -O2 -Wall -Wextra -o bareserver bareserver.c
 *	bareserver -p PORT [-b BACKLOG] [-s | -S]   (listens on 127.0.0.1 only)
 */
#define _GNU_SOURCE	/* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pwd.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Landlock as the kernel defines it (the distribution's header may stop
 * at an older ABI). */
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset	444
#define SYS_landlock_restrict_self	446
#endif
struct ll_attr {
	unsigned long long	fs, net;	/* net: ABI 4 */
};
#define LL_FS_ABI1		((1ULL << 13) - 1)
#define LL_FS_REFER		(1ULL << 13)	/* ABI 2 */
#define LL_FS_TRUNCATE		(1ULL << 14)	/* ABI 3 */
#define LL_NET_BIND_CONNECT	3ULL		/* ABI 4 */

#if defined(__x86_64__)
#define ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH	AUDIT_ARCH_AARCH64
#endif

/* The toggle loop's calls, and what the parent's loop (and a child before
 * its own filter) makes; -1 ends a list. */
static const long session_calls[] = {
	SYS_read, SYS_write, SYS_shutdown, SYS_close, SYS_rt_sigreturn,
	SYS_exit_group, SYS_exit, -1
};
static const long parent_calls[] = {
	SYS_accept4, SYS_clone, SYS_wait4, SYS_close, SYS_rt_sigreturn,
	SYS_write, SYS_set_robust_list, SYS_setsockopt, SYS_prctl,
	SYS_read, SYS_shutdown, SYS_exit_group, SYS_exit,
	/* -S: the parent's loop, and each child before its filter */
	SYS_ppoll, SYS_recvmsg, SYS_close_range, SYS_capset,
#ifdef SYS_poll
	SYS_poll,
#endif
	-1
};

static struct sock_fprog session_prog;
static int	 full;		/* -S */
static int	 report_fd = -1;	/* -S: a session's end of the report socket */
static char	*title;		/* -S: argv's block, written over */
static size_t	 title_len;

/* -S: what a session reports when it ends (SPEC section 7's close line). */
struct report {
	unsigned int	magic, reason;
	unsigned long long in, out;
};
#define REPORT_MAGIC	0x42415245u
static struct sock_filter session_insns[32], parent_insns[32];

/* An allow-list of calls into f (32 instructions at most): this
 * architecture only, the listed numbers allowed, anything else meets
 * dflt. */
static unsigned short
allow_list(struct sock_filter *f, const long *calls, unsigned int dflt)
{
	unsigned short n = 0, k;

#ifdef ARCH
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_KILL_PROCESS);
#endif
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr));
	for (k = 0; calls[k] != -1; k++)
		;
	/* call i jumps over the k - i - 1 tests after it and the default */
	for (unsigned short i = 0; i < k; i++)
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		    (unsigned int)calls[i], (unsigned char)(k - i), 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, dflt);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	return n;
}

static int
enter(const struct sock_fprog *prog)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog, 0, 0);
}

static void
on_chld(int sig)
{
	int saved = errno;

	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

/* "session 127.0.0.1:PORT" over argv's block: no stdio. */
static void
set_title(const struct sockaddr_in *peer)
{
	char t[64] = "bareserver: session ", rev[8];
	const unsigned char *a = (const unsigned char *)&peer->sin_addr;
	size_t n = strlen(t), k;
	unsigned int v;

	for (int i = 0; i < 5; i++) {
		v = i < 4 ? a[i] : ntohs(peer->sin_port);
		if (i > 0)
			t[n++] = i < 4 ? '.' : ':';
		k = 0;
		do
			rev[k++] = (char)('0' + v % 10);
		while ((v /= 10) != 0);
		while (k > 0)
			t[n++] = rev[--k];
	}
	if (n > title_len - 1)
		n = title_len - 1;
	memcpy(title, t, n);
	memset(title + n, '\0', title_len - n);
}

/* -S, in the child before its filter: every descriptor but fd and the
 * report socket closed, no capability in any set, the title. */
static void
lock_down(int fd, const struct sockaddr_in *peer)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	int lo = fd < report_fd ? fd : report_fd;
	int hi = fd < report_fd ? report_fd : fd;

	memset(d, 0, sizeof(d));
	if ((lo > 0 && syscall(SYS_close_range, 0U, (unsigned int)lo - 1, 0U) == -1) ||
	    (hi > lo + 1 && syscall(SYS_close_range, (unsigned int)lo + 1,
	    (unsigned int)hi - 1, 0U) == -1) ||
	    syscall(SYS_close_range, (unsigned int)hi + 1, ~0U, 0U) == -1 ||
	    syscall(SYS_capset, &h, d) == -1)
		_exit(1);
	if (title != NULL)
		set_title(peer);
}

static void
serve(int fd, const struct sockaddr_in *peer)
{
	static unsigned char buf[64 * 1024];
	struct report r = { REPORT_MAGIC, 0, 0, 0 };
	int one = 1;
	ssize_t n;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (full)
		lock_down(fd, peer);
	if (session_prog.len > 0 && enter(&session_prog) == -1)
		_exit(1);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		r.in += (unsigned long long)n;
		r.out += (unsigned long long)n;
		for (ssize_t i = 0; i < n; i++)
			if ((buf[i] | 0x20) >= 'a' && (buf[i] | 0x20) <= 'z')
				buf[i] ^= 0x20;
		for (ssize_t off = 0, w; off < n; off += w)
			if ((w = write(fd, buf + off, (size_t)(n - off))) <= 0)
				_exit(1);
	}
	r.reason = n == 0 ? 0 : 1;		/* eof, reset */
	shutdown(fd, SHUT_WR);
	if (full)
		(void)!write(report_fd, &r, sizeof(r));
	_exit(0);
}

/* -S, once: no bounding set, then nobody (as root); a Landlock domain
 * with no file access and, from ABI 4, no TCP bind or connect. */
static int
drop_once(void)
{
	struct ll_attr ra = { LL_FS_ABI1, 0 };
	struct passwd *pw;
	long abi;
	int rs;

	if (geteuid() == 0) {
		if ((pw = getpwnam("nobody")) == NULL)
			return -1;
		for (int c = 0; prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++)
			if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == -1)
				return -1;
		if (setgroups(0, NULL) == -1 || setgid(pw->pw_gid) == -1 ||
		    setuid(pw->pw_uid) == -1)
			return -1;
	}
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1U);
	if (abi < 1)
		return 0;			/* best effort, as SPEC says */
	if (abi >= 2)
		ra.fs |= LL_FS_REFER;
	if (abi >= 3)
		ra.fs |= LL_FS_TRUNCATE;
	if (abi >= 4)
		ra.net = LL_NET_BIND_CONNECT;
	rs = (int)syscall(SYS_landlock_create_ruleset, &ra,
	    abi >= 4 ? sizeof(ra) : sizeof(ra.fs), 0U);
	if (rs == -1 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    syscall(SYS_landlock_restrict_self, rs, 0U) == -1)
		return -1;
	close(rs);
	return 0;
}

/* -S: every record waiting on the parent's end, each checked against the
 * pid the kernel stamped on it. */
static void
read_reports(int rfd)
{
	union {
		struct cmsghdr	align;
		char		buf[CMSG_SPACE(sizeof(struct ucred))];
	} u;
	struct report r;
	struct iovec iov = { &r, sizeof(r) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	for (;;) {
		m.msg_control = u.buf;
		m.msg_controllen = sizeof(u.buf);
		if (recvmsg(rfd, &m, MSG_DONTWAIT) != (ssize_t)sizeof(r))
			return;
		c = CMSG_FIRSTHDR(&m);
		if (c == NULL || c->cmsg_type != SCM_CREDENTIALS ||
		    r.magic != REPORT_MAGIC)
			fprintf(stderr, "bareserver: a report without a sender\n");
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct sigaction sa;
	struct sock_fprog parent_prog = { 0, parent_insns };
	int ch, lfd, one = 1, port = 0, backlog = 128, sandboxed = 0;
	int rpt[2] = { -1, -1 };

	while ((ch = getopt(argc, argv, "p:b:sS")) != -1) {
		if (ch == 'p')
			port = atoi(optarg);
		else if (ch == 'b')
			backlog = atoi(optarg);
		else if (ch == 's')
			sandboxed = 1;
		else if (ch == 'S')
			sandboxed = full = 1;
		else
			return 64;
	}
	if (port <= 0 || port > 65535) {
		fprintf(stderr,
		    "usage: bareserver -p PORT [-b BACKLOG] [-s | -S]\n");
		return 64;
	}
#ifndef ARCH
	if (sandboxed) {
		fprintf(stderr, "bareserver: -s: no filter for this architecture\n");
		return 69;
	}
#endif
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) == -1 ||
	    listen(lfd, backlog) == -1) {
		perror("bareserver: 127.0.0.1");
		return 71;
	}
	if (full) {
		title = argv[0];
		title_len = strlen(argv[0]) + 1;
		for (int i = 1; i < argc && argv[i] == title + title_len; i++)
			title_len += strlen(argv[i]) + 1;
		if (title_len < 2)
			title = NULL;
		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, rpt) == -1 ||
		    setsockopt(rpt[0], SOL_SOCKET, SO_PASSCRED, &one,
		    sizeof(one)) == -1 || drop_once() == -1) {
			perror("bareserver: -S");
			return 71;
		}
		report_fd = rpt[1];
	}
	if (sandboxed) {
		session_prog.filter = session_insns;
		session_prog.len = allow_list(session_insns, session_calls,
		    SECCOMP_RET_KILL_PROCESS);
		parent_prog.len = allow_list(parent_insns, parent_calls,
		    SECCOMP_RET_ERRNO | ENOSYS);
		if (enter(&parent_prog) == -1) {
			perror("bareserver: seccomp");
			return 71;
		}
	}
	for (;;) {
		struct pollfd p[2] = { { lfd, POLLIN, 0 }, { rpt[0], POLLIN, 0 } };
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		int fd;

		if (full) {
			if (poll(p, 2, -1) == -1) {
				if (errno != EINTR)
					perror("bareserver: poll");
				continue;
			}
			if (p[1].revents != 0)
				read_reports(rpt[0]);
			if (p[0].revents == 0)
				continue;
		}
		fd = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno != EINTR && errno != ECONNABORTED)
				perror("bareserver: accept");
			continue;
		}
		switch (fork()) {
		case -1:
			perror("bareserver: fork");
			break;
		case 0:
			close(lfd);
			serve(fd, &peer);
			break;
		}
		close(fd);
	}
}
