/*
 * fault.c - a fault-injection shim for the tests, loaded with LD_PRELOAD.
 * Built for "make check" only, never installed.
 *
 *   CASESERV_FAULT=name[@n][,name[@n]...]
 *	make the named calls fail, from their n-th call on (default 1):
 *	fork (EAGAIN), pipe and pipe2 (EMFILE), malloc, calloc and realloc
 *	(ENOMEM), accept and accept4 (EMFILE), clone (syscall(SYS_clone),
 *	how main spawns the acceptor and the acceptor its sessions: EAGAIN;
 *	counted per process, so clone@2 spares the acceptor and fails
 *	every session).
 *   CASESERV_FAULT_FDS=FILE
 *	at exit(), append one line per open descriptor to FILE:
 *	"PID FD TARGET" (the readlink of /proc/self/fd/FD), so that a test
 *	can tell what a failure path left open.
 *
 * The file is opened only at exit: the daemon closes every inherited
 * descriptor at start-up, so one opened earlier would not survive.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

enum fault { F_FORK, F_PIPE, F_MALLOC, F_ACCEPT, F_CLONE, F_N };

static const char *const fault_names[F_N] = {
	[F_FORK] = "fork", [F_PIPE] = "pipe", [F_MALLOC] = "malloc",
	[F_ACCEPT] = "accept", [F_CLONE] = "clone",
};

static long fault_from[F_N];	/* 0: never; else fail from this call on */
static long fault_calls[F_N];
static int fault_off;		/* set while the shim itself works */

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

/* The allocator after ours: glibc's, or a sanitizer's, which must also
 * get every free(). */
static void *(*next_malloc)(size_t);
static void *(*next_calloc)(size_t, size_t);
static void *(*next_realloc)(void *, size_t);

/* Parse CASESERV_FAULT with no allocation: malloc may be the target. */
static void __attribute__((constructor))
fault_init(void)
{
	const char *p = getenv("CASESERV_FAULT");

	while (p != NULL && *p != '\0') {
		size_t len = strcspn(p, "@,");
		long from = 1;

		if (p[len] == '@')
			from = strtol(p + len + 1, NULL, 10);
		for (int f = 0; f < F_N; f++)
			if (strlen(fault_names[f]) == len &&
			    strncmp(p, fault_names[f], len) == 0)
				fault_from[f] = from > 0 ? from : 1;
		p += strcspn(p, ",");
		p += *p == ',';
	}
}

/* Should this call of f fail?  Sets errno when it should. */
static int
fault_hit(enum fault f, int err)
{
	if (fault_off || fault_from[f] == 0)
		return 0;
	if (__atomic_add_fetch(&fault_calls[f], 1, __ATOMIC_RELAXED) <
	    fault_from[f])
		return 0;
	errno = err;
	return 1;
}

static void *
fault_next(const char *name)
{
	void *fn = dlsym(RTLD_NEXT, name);

	if (fn == NULL)
		abort();
	return fn;
}

pid_t
fork(void)
{
	static pid_t (*real)(void);

	if (fault_hit(F_FORK, EAGAIN))
		return -1;
	if (real == NULL)
		real = (pid_t (*)(void))fault_next("fork");
	return real();
}

long
syscall(long nr, ...)
{
	static long (*real)(long, ...);
	long a[6];
	va_list ap;

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (nr == SYS_clone && fault_hit(F_CLONE, EAGAIN))
		return -1;
	if (real == NULL)
		real = (long (*)(long, ...))fault_next("syscall");
	return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

int
pipe(int fd[2])
{
	static int (*real)(int[2]);

	if (fault_hit(F_PIPE, EMFILE))
		return -1;
	if (real == NULL)
		real = (int (*)(int[2]))fault_next("pipe");
	return real(fd);
}

int
pipe2(int fd[2], int flags)
{
	static int (*real)(int[2], int);

	if (fault_hit(F_PIPE, EMFILE))
		return -1;
	if (real == NULL)
		real = (int (*)(int[2], int))fault_next("pipe2");
	return real(fd, flags);
}

int
accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	static int (*real)(int, struct sockaddr *, socklen_t *);

	if (fault_hit(F_ACCEPT, EMFILE))
		return -1;
	if (real == NULL)
		real = (int (*)(int, struct sockaddr *, socklen_t *))
		    fault_next("accept");
	return real(fd, sa, len);
}

int
accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	static int (*real)(int, struct sockaddr *, socklen_t *, int);

	if (fault_hit(F_ACCEPT, EMFILE))
		return -1;
	if (real == NULL)
		real = (int (*)(int, struct sockaddr *, socklen_t *, int))
		    fault_next("accept4");
	return real(fd, sa, len, flags);
}

/*
 * The next allocator, looked up once.  glibc's dlsym() allocates only to
 * report an error; should it allocate while we look up, that allocation
 * gets glibc's own entry points.
 */
static int
fault_alloc_ready(void)
{
	static int busy;

	if (next_malloc != NULL)
		return 1;
	if (busy)
		return 0;
	busy = 1;
	next_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
	next_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
	next_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
	busy = 0;
	return next_malloc != NULL && next_calloc != NULL &&
	    next_realloc != NULL;
}

void *
malloc(size_t n)
{
	if (fault_hit(F_MALLOC, ENOMEM))
		return NULL;
	return fault_alloc_ready() ? next_malloc(n) : __libc_malloc(n);
}

void *
calloc(size_t n, size_t size)
{
	if (fault_hit(F_MALLOC, ENOMEM))
		return NULL;
	return fault_alloc_ready() ? next_calloc(n, size) :
	    __libc_calloc(n, size);
}

void *
realloc(void *p, size_t n)
{
	if (fault_hit(F_MALLOC, ENOMEM))
		return NULL;
	return fault_alloc_ready() ? next_realloc(p, n) :
	    __libc_realloc(p, n);
}

static void __attribute__((destructor))
fault_report(void)
{
	const char *path = getenv("CASESERV_FAULT_FDS");
	char link[64], target[PATH_MAX];
	struct dirent *e;
	DIR *dir;
	FILE *out;
	ssize_t n;

	fault_off = 1;
	if (path == NULL || (out = fopen(path, "ae")) == NULL)
		return;
	if ((dir = opendir("/proc/self/fd")) != NULL) {
		while ((e = readdir(dir)) != NULL) {
			int fd = atoi(e->d_name);

			if (e->d_name[0] == '.' || fd == dirfd(dir) ||
			    fd == fileno(out))
				continue;
			snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
			n = readlink(link, target, sizeof(target) - 1);
			target[n > 0 ? n : 0] = '\0';
			fprintf(out, "%ld %d %s\n", (long)getpid(), fd, target);
		}
		closedir(dir);
	}
	fclose(out);
}
