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
 * design that keeps SPEC section 5.
 *
 *	cc -O2 -Wall -Wextra -o bareserver bareserver.c
 *	bareserver -p PORT [-b BACKLOG] [-s]	(listens on 127.0.0.1 only)
 */
#define _GNU_SOURCE	/* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

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
	SYS_read, SYS_shutdown, SYS_exit_group, SYS_exit, -1
};

static struct sock_fprog session_prog;
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

static void
serve(int fd)
{
	static unsigned char buf[64 * 1024];
	int one = 1;
	ssize_t n;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (session_prog.len > 0 && enter(&session_prog) == -1)
		_exit(1);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if ((buf[i] | 0x20) >= 'a' && (buf[i] | 0x20) <= 'z')
				buf[i] ^= 0x20;
		for (ssize_t off = 0, w; off < n; off += w)
			if ((w = write(fd, buf + off, (size_t)(n - off))) <= 0)
				_exit(1);
	}
	shutdown(fd, SHUT_WR);
	_exit(0);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct sigaction sa;
	struct sock_fprog parent_prog = { 0, parent_insns };
	int ch, lfd, one = 1, port = 0, backlog = 128, sandboxed = 0;

	while ((ch = getopt(argc, argv, "p:b:s")) != -1) {
		if (ch == 'p')
			port = atoi(optarg);
		else if (ch == 'b')
			backlog = atoi(optarg);
		else if (ch == 's')
			sandboxed = 1;
		else
			return 64;
	}
	if (port <= 0 || port > 65535) {
		fprintf(stderr, "usage: bareserver -p PORT [-b BACKLOG] [-s]\n");
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
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

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
			serve(fd);
			break;
		}
		close(fd);
	}
}
