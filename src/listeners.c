/*
 * listeners.c - resolve every `listen` entry and keep one socket per
 * address; a reload reuses the sockets it still wants, so a listener that
 * stays configured never refuses a connection.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#include "listeners.h"
#include "log.h"

/*
 * Address text without stdio, as inet_ntop(3) writes it (glibc's rules:
 * hex words without leading zeros, the first longest run of two or more
 * zero words as "::", the last 32 bits dotted after a 96-bit zero or
 * ::ffff: prefix).  A session writes its title with this under its filter,
 * and the title's stdio code was eight pages each session faulted in
 * and tore down again (bench/README.md, "What SPEC sections 5 and 7 ask
 * of a session").
 */
static char *
lsn_put_dec(char *p, unsigned int v)
{
	char rev[10];
	size_t n = 0;

	do
		rev[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		*p++ = rev[--n];
	return p;
}

static char *
lsn_put_v4(char *p, const unsigned char *a)
{
	for (int i = 0; i < 4; i++) {
		if (i > 0)
			*p++ = '.';
		p = lsn_put_dec(p, a[i]);
	}
	return p;
}

static char *
lsn_put_v6(char *p, const unsigned char *a)
{
	static const char hex[] = "0123456789abcdef";
	unsigned int w[8];
	int best = -1, bestlen = 0, cur = -1;

	for (int i = 0; i < 8; i++) {
		w[i] = (unsigned int)a[2 * i] << 8 | a[2 * i + 1];
		if (w[i] != 0)
			cur = -1;
		else {
			if (cur == -1)
				cur = i;
			if (i - cur + 1 > bestlen) {
				best = cur;
				bestlen = i - cur + 1;
			}
		}
	}
	if (bestlen < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (best != -1 && i >= best && i < best + bestlen) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i > 0)
			*p++ = ':';
		if (i == 6 && best == 0 &&
		    (bestlen == 6 || (bestlen == 5 && w[5] == 0xffff)))
			return lsn_put_v4(p, a + 12);
		for (int shift = 12; shift >= 0; shift -= 4)
			if (w[i] >> shift != 0 || shift == 0)
				*p++ = hex[w[i] >> shift & 0xf];
	}
	if (best != -1 && best + bestlen == 8)
		*p++ = ':';
	return p;
}

static char *
lsn_put_str(char *p, const char *s)
{
	while (*s != '\0')
		*p++ = *s++;
	return p;
}

void
lsn_addr_name(const struct sockaddr *sa, char *buf, size_t len)
{
	/* "[" 45 "]:" 5: 53 at most */
	char text[64], *p = text;
	size_t n;

	if (len == 0)
		return;
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;

		*p++ = '[';
		p = lsn_put_v6(p, s6->sin6_addr.s6_addr);
		p = lsn_put_str(p, "]:");
		p = lsn_put_dec(p, ntohs(s6->sin6_port));
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;

		p = lsn_put_v4(p, (const unsigned char *)&s4->sin_addr);
		*p++ = ':';
		p = lsn_put_dec(p, ntohs(s4->sin_port));
	} else {
		p = lsn_put_str(p, "(family ");
		p = lsn_put_dec(p, sa->sa_family);
		*p++ = ')';
	}
	n = (size_t)(p - text);
	if (n > len - 1)
		n = len - 1;
	for (size_t i = 0; i < n; i++)
		buf[i] = text[i];
	buf[n] = '\0';
}

static int
lsn_port(const struct lsn *l)
{
	const struct sockaddr *sa = (const struct sockaddr *)&l->addr;

	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
	return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
}

int
lsn_lowest_port(const struct lsn_set *set)
{
	int low = 65536;

	for (size_t i = 0; i < set->n; i++)
		if (lsn_port(&set->v[i]) < low)
			low = lsn_port(&set->v[i]);
	return low;
}

static struct lsn *
lsn_find(struct lsn *v, size_t n, const struct sockaddr *sa, socklen_t len)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].addrlen == len && memcmp(&v[i].addr, sa, len) == 0)
			return &v[i];
	return NULL;
}

/* One socket for one address: non-blocking, v6-only, bound, listening. */
static int
lsn_bind(struct lsn *l, int backlog, char *err, size_t errlen)
{
	const struct sockaddr *sa = (const struct sockaddr *)&l->addr;
	int on = 1;

	l->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd == -1) {
		snprintf(err, errlen, "socket: %s: %s", l->name, strerror(errno));
		return -1;
	}
	/* Both families share a port number: the v6 socket must not claim v4. */
	/* SO_REUSEPORT counts at bind(): a second instance with the option
	 * may then bind beside us (an upgrade), and the kernel spreads new
	 * connections over both.  Both must run as the same user. */
	if ((sa->sa_family == AF_INET6 &&
	    setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1) ||
	    setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    (l->reuse_port &&
	    setsockopt(l->fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1)) {
		snprintf(err, errlen, "setsockopt: %s: %s", l->name, strerror(errno));
		goto fail;
	}
	if (bind(l->fd, sa, l->addrlen) == -1) {
		snprintf(err, errlen, "bind: %s: %s", l->name, strerror(errno));
		goto fail;
	}
	if (listen(l->fd, backlog) == -1) {
		snprintf(err, errlen, "listen: %s: %s", l->name, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	close(l->fd);
	l->fd = -1;
	return -1;
}

/*
 * Append every address host/port resolves to, skipping ones already there;
 * an address two entries share must not be two kinds of listener.
 */
static int
lsn_resolve_one(const struct cfg_listen *cl, const char *host, int flags,
    struct lsn **v, size_t *n, char *err, size_t errlen)
{
	const char *port = cl->port;
	struct lsn *dup;
	struct addrinfo hints, *res, *ai;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = AI_PASSIVE | flags;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "listen: %s port %s: %s",
		    host ? host : "*", port, gai_strerror(rc));
		/* A name that does not exist is the file's fault (78); a
		 * resolver that cannot answer now is the system's (71). */
		return rc == EAI_NONAME || rc == EAI_SERVICE ? -2 : -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		struct lsn *nv;

		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    ai->ai_addrlen > sizeof(struct sockaddr_storage))
			continue;
		if ((dup = lsn_find(*v, *n, ai->ai_addr, ai->ai_addrlen)) != NULL) {
			if (dup->proxy_protocol == cl->proxy_protocol &&
			    dup->reuse_port == cl->reuse_port)
				continue;
			snprintf(err, errlen, "listen: %s: also in an entry with "
			    "other proxy_protocol or reuse_port", dup->name);
			freeaddrinfo(res);
			return -2;
		}
		if ((nv = realloc(*v, (*n + 1) * sizeof(**v))) == NULL) {
			snprintf(err, errlen, "listen: %s", strerror(errno));
			freeaddrinfo(res);
			return -1;
		}
		*v = nv;
		memset(&nv[*n], 0, sizeof(nv[*n]));
		nv[*n].fd = -1;
		memcpy(&nv[*n].addr, ai->ai_addr, ai->ai_addrlen);
		nv[*n].addrlen = ai->ai_addrlen;
		nv[*n].proxy_protocol = cl->proxy_protocol;
		nv[*n].reuse_port = cl->reuse_port;
		lsn_addr_name(ai->ai_addr, nv[*n].name, sizeof(nv[*n].name));
		(*n)++;
	}
	freeaddrinfo(res);
	return 0;
}

/*
 * "localhost" is always both loopbacks (RFC 6761 6.3), also where
 * /etc/hosts lists only 127.0.0.1: an operator who writes localhost
 * expects IPv6 clients of ::1 to be served too.
 */
static int
lsn_resolve(const struct cfg_listen *cl, struct lsn **v, size_t *n,
    char *err, size_t errlen)
{
	int rc;

	if (cl->host != NULL && (strcasecmp(cl->host, "localhost") == 0 ||
	    strcasecmp(cl->host, "localhost.") == 0)) {
		rc = lsn_resolve_one(cl, "127.0.0.1", AI_NUMERICHOST,
		    v, n, err, errlen);
		return rc != 0 ? rc : lsn_resolve_one(cl, "::1",
		    AI_NUMERICHOST, v, n, err, errlen);
	}
	return lsn_resolve_one(cl, cl->host, 0, v, n, err, errlen);
}

static void
lsn_free(struct lsn *v, size_t n, const struct lsn_set *keep)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].fd != -1 && (keep == NULL ||
		    lsn_find(keep->v, keep->n, (struct sockaddr *)&v[i].addr,
		    v[i].addrlen) == NULL))
			close(v[i].fd);
	free(v);
}

int
lsn_reconcile(struct lsn_set *set, const struct cfg *cfg, char *err,
    size_t errlen, int *status)
{
	struct lsn *v = NULL, *old;
	size_t n = 0, i;

	*status = EX_OSERR;
	/* Socket activation: the service manager owns the addresses. */
	if (set->inherited)
		return 0;
	for (i = 0; i < cfg->nlisten; i++) {
		char why[256];
		int rc;

		rc = lsn_resolve(&cfg->listen[i], &v, &n, why, sizeof(why));

		if (rc == 0)
			continue;
		/* SPEC: a configuration's fault is reported FILE:LINE: ... */
		snprintf(err, errlen, "%s:%d: %s", cfg->listen[i].file != NULL ?
		    cfg->listen[i].file : cfg->path, cfg->listen[i].line, why);
		if (rc == -2)
			*status = EX_CONFIG;
		goto fail;
	}
	for (i = 0; i < n; i++) {
		old = lsn_find(set->v, set->n, (struct sockaddr *)&v[i].addr,
		    v[i].addrlen);
		if (old != NULL)
			v[i].fd = old->fd;
		else if (lsn_bind(&v[i], cfg->backlog, err, errlen) == -1)
			goto fail;
	}
	/*
	 * Committed: report what changed, close what is no longer wanted.
	 * listen() again on a kept socket only updates its backlog; not
	 * before now, as a failed reload must leave the old set untouched.
	 */
	for (i = 0; i < n; i++) {
		old = lsn_find(set->v, set->n, (struct sockaddr *)&v[i].addr,
		    v[i].addrlen);
		if (old == NULL) {
			log_info("listening on %s", v[i].name);
			continue;
		}
		(void)listen(v[i].fd, cfg->backlog);
		/* The option counts only at bind(), and binding again
		 * beside the socket or after closing it refuses connections. */
		if (old->reuse_port != v[i].reuse_port)
			log_notice("listen: %s: a change of reuse_port needs a "
			    "restart", v[i].name);
		v[i].reuse_port = old->reuse_port;
	}
	for (i = 0; i < set->n; i++)
		if (lsn_find(v, n, (struct sockaddr *)&set->v[i].addr,
		    set->v[i].addrlen) == NULL) {
			log_info("closed listener %s", set->v[i].name);
			close(set->v[i].fd);
		}
	free(set->v);
	set->v = v;
	set->n = n;
	return 0;
fail:
	/* Close only the sockets this call opened; the old set is untouched. */
	lsn_free(v, n, set);
	return -1;
}

/* What a handed-over socket must be; NULL, or why it is not. */
static const char *
lsn_unfit(int fd)
{
	int type, domain, listening;
	socklen_t len = sizeof(int);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1)
		return strerror(errno);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == -1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == -1)
		return strerror(errno);
	if (type != SOCK_STREAM)
		return "not a stream socket";
	if (domain != AF_INET && domain != AF_INET6)
		return "not an IPv4 or IPv6 socket";
	if (!listening)
		return "not listening";
	return NULL;
}

int
lsn_adopt(struct lsn_set *set, int fd, char *err, size_t errlen)
{
	struct lsn l, *nv;
	const char *why;
	int fl;

	memset(&l, 0, sizeof(l));
	l.fd = fd;
	l.addrlen = sizeof(l.addr);
	if ((why = lsn_unfit(fd)) != NULL ||
	    (getsockname(fd, (struct sockaddr *)&l.addr, &l.addrlen) == -1 &&
	    (why = strerror(errno)) != NULL)) {
		snprintf(err, errlen, "socket activation: descriptor %d: %s",
		    fd, why);
		return -1;
	}
	lsn_addr_name((struct sockaddr *)&l.addr, l.name, sizeof(l.name));
	/* The manager may hand them blocking: one accept must never stall
	 * the loop.  Close-on-exec as our own; sessions close them anyway. */
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
		snprintf(err, errlen, "socket activation: %s: fcntl: %s",
		    l.name, strerror(errno));
		return -1;
	}
	if ((nv = realloc(set->v, (set->n + 1) * sizeof(*nv))) == NULL) {
		snprintf(err, errlen, "socket activation: %s", strerror(errno));
		return -1;
	}
	set->v = nv;
	set->v[set->n++] = l;
	set->inherited = 1;
	return 0;
}

void
lsn_close_all(struct lsn_set *set)
{
	lsn_free(set->v, set->n, NULL);
	set->v = NULL;
	set->n = 0;
}
