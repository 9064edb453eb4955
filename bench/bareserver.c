/*
 * bareserver.c - the design's ceiling: a bare fork-per-connection case
 * toggler with no hardening at all.  accept, fork, read/flip/write until
 * end of file, exit; the parent reaps in a SIGCHLD handler.  No privilege
 * drop, no seccomp, no limits, no logging: what caseserv costs beyond this
 * is the price of its protections (bench/README.md, "scale").
 *
 *	cc -O2 -Wall -Wextra -o bareserver bareserver.c
 *	bareserver -p PORT [-b BACKLOG]		(listens on 127.0.0.1 only)
 */
#define _GNU_SOURCE	/* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

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
	int ch, lfd, one = 1, port = 0, backlog = 128;

	while ((ch = getopt(argc, argv, "p:b:")) != -1) {
		if (ch == 'p')
			port = atoi(optarg);
		else if (ch == 'b')
			backlog = atoi(optarg);
		else
			return 64;
	}
	if (port <= 0 || port > 65535) {
		fprintf(stderr, "usage: bareserver -p PORT [-b BACKLOG]\n");
		return 64;
	}
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
