/*
 * msg.c - typed messages between main and the acceptor: the framing, and
 * each type's payload, encoded at fixed offsets and checked field by field
 * (host byte order: both ends are the same binary on the same machine).
 *
 *	header	 0 uint16 type	 2 uint16 version   4 uint32 payload length
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "msg.h"
#include "report.h"

#define MSG_VERSION	1
#define MSG_HDR		8

#define PUT(buf, off, v)	memcpy((buf) + (off), &(v), sizeof(v))
#define GET(buf, off, v)	memcpy(&(v), (const unsigned char *)(buf) + (off), sizeof(v))

/* What each type may be: its payload's length bounds, whether it carries
 * a descriptor. */
static const struct {
	size_t	min, max;
	int	fd;
} msg_shape[MSG_NTYPES] = {
	[MSG_SETTINGS] =	{ 80, 80, 0 },
	[MSG_ACL] =		{ 8 + 24, 8 + 24 * MSG_ACL_CHUNK, 0 },
	[MSG_LISTENER] =	{ 68, 68, 1 },
	[MSG_COMMIT] =		{ 4, 4, 0 },
	[MSG_LOGSOCK] =		{ 0, 0, 1 },
	[MSG_STATS] =		{ 0, 0, 0 },
	[MSG_STOP] =		{ 0, 0, 0 },
	[MSG_APPLIED] =		{ 0, 0, 0 },
	[MSG_STATUS] =		{ 24, 24, 0 },
	[MSG_VIOLATION] =	{ 4, 4, 0 },
	[MSG_LOG_LOST] =	{ 0, 0, 0 },
};

/* ---- framing -------------------------------------------------------------- */

/* A message without a descriptor: one send(), the call the acceptor's
 * filter allows (sendmsg it does not).  Async-signal-safe. */
static int
msg_send_plain(int sock, const unsigned char hdr[MSG_HDR], const void *data,
    size_t len, int flags)
{
	unsigned char buf[MSG_HDR + MSG_MAXLEN];
	ssize_t n;

	memcpy(buf, hdr, MSG_HDR);
	if (len > 0)
		memcpy(buf + MSG_HDR, data, len);
	do
		n = send(sock, buf, MSG_HDR + len, flags | MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	return n == (ssize_t)(MSG_HDR + len) ? 0 : -1;
}

int
msg_send(int sock, int type, const void *data, size_t len, int fd, int flags)
{
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } cm;
	unsigned char hdr[MSG_HDR];
	uint16_t t = (uint16_t)type, v = MSG_VERSION;
	uint32_t l = (uint32_t)len;
	struct iovec iov[2] = { { hdr, sizeof(hdr) }, { (void *)(uintptr_t)data, len } };
	struct msghdr mh;
	ssize_t n;

	if (len > MSG_MAXLEN) {
		errno = EMSGSIZE;
		return -1;
	}
	PUT(hdr, 0, t);
	PUT(hdr, 2, v);
	PUT(hdr, 4, l);
	if (fd == -1)
		return msg_send_plain(sock, hdr, data, len, flags);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = len > 0 ? 2 : 1;
	msg_put_fds(&mh, cm.buf, sizeof(cm.buf), &fd, 1);
	do
		n = sendmsg(sock, &mh, flags | MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	return n == (ssize_t)(MSG_HDR + len) ? 0 : -1;
}

void
msg_put_fds(struct msghdr *mh, void *cbuf, size_t cbuflen, const int *fds,
    size_t n)
{
	struct cmsghdr *c;

	/* SECURITY: a caller's mistake must not write past its buffer. */
	if (n == 0 || cbuflen < CMSG_SPACE(n * sizeof(int)))
		abort();
	memset(cbuf, 0, cbuflen);
	mh->msg_control = cbuf;
	mh->msg_controllen = CMSG_SPACE(n * sizeof(int));
	c = CMSG_FIRSTHDR(mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
}

int
msg_take_fd(struct msghdr *mh)
{
	struct cmsghdr *c;
	int fd = -1, bad = 0;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)) && fd == -1) {
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
			continue;
		}
		/* Close whatever descriptors a bad message brought. */
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			for (size_t i = 0; i + sizeof(int) <= c->cmsg_len -
			    CMSG_LEN(0); i += sizeof(int)) {
				int extra;

				memcpy(&extra, CMSG_DATA(c) + i, sizeof(int));
				close(extra);
			}
		bad = 1;
	}
	if (bad && fd != -1)
		close(fd);
	return bad ? -2 : fd;
}

int
msg_recv(int sock, struct msg *m)
{
	union { char buf[CMSG_SPACE(sizeof(int) * 4)]; struct cmsghdr align; } cm;
	unsigned char hdr[MSG_HDR];
	struct iovec iov[2] = { { hdr, sizeof(hdr) }, { m->data, sizeof(m->data) } };
	struct msghdr mh;
	uint16_t type, version;
	uint32_t len;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	do
		n = recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	if (n == 0)
		return -1;	/* SOCK_SEQPACKET: the other end is gone */
	m->fd = msg_take_fd(&mh);
	/* SECURITY: one whole message of a known type, its length as the
	 * header says and as the type allows, a descriptor exactly when the
	 * type carries one. */
	if (m->fd == -2 || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    n < MSG_HDR)
		goto bad;
	GET(hdr, 0, type);
	GET(hdr, 2, version);
	GET(hdr, 4, len);
	if (version != MSG_VERSION || type == 0 || type >= MSG_NTYPES ||
	    (size_t)n != MSG_HDR + len || len < msg_shape[type].min ||
	    len > msg_shape[type].max || (m->fd != -1) != msg_shape[type].fd)
		goto bad;
	m->type = type;
	m->len = len;
	return 1;
bad:
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	return -2;
}

/* ---- the configuration ---------------------------------------------------- */

/*
 *	 0 max_clients		 4 max_clients_per_host
 *	 8 host_prefix_ipv4	12 host_prefix_ipv6
 *	16 max_connection_rate	20 max_connection_rate_per_host
 *	24 idle_timeout		28 session_timeout
 *	32 shutdown_timeout	36 log_facility
 *	40 log_level		44 stats_interval
 *	48 heartbeat_ms		52 nallow
 *	56 ndeny		60 ntrusted_proxies
 *	64 proxy_timeout	68 (zero)
 *	72 max_session_bytes (int64)
 */
#define MSG_SETTINGS_LEN	80

static void
msg_settings_pack(const struct cfg *c, int heartbeat,
    unsigned char buf[MSG_SETTINGS_LEN])
{
	const int32_t v[] = { c->max_clients, c->max_clients_per_host,
	    c->host_prefix_ipv4, c->host_prefix_ipv6, c->max_connection_rate,
	    c->max_connection_rate_per_host, c->idle_timeout,
	    c->session_timeout, c->shutdown_timeout, c->log_facility,
	    c->log_level, c->stats_interval, heartbeat, (int32_t)c->nallow,
	    (int32_t)c->ndeny, (int32_t)c->ntrusted_proxies, c->proxy_timeout,
	    0 };

	memcpy(buf, v, sizeof(v));
	PUT(buf, 72, c->max_session_bytes);
}

static int
msg_in(int32_t v, int32_t lo, int32_t hi)
{
	return v >= lo && v <= hi;
}

/* SECURITY: the ranges conf.c enforces, checked again on receipt. */
static int
msg_settings_take(struct msg_config *mc, const struct msg *m)
{
	struct cfg *c = &mc->cfg;
	int32_t v[18];

	memcpy(v, m->data, sizeof(v));
	GET(m->data, 72, c->max_session_bytes);
	if (!msg_in(v[0], 1, 100000) || !msg_in(v[1], 0, 100000) ||
	    !msg_in(v[2], 0, 32) || !msg_in(v[3], 0, 128) || v[4] < 0 ||
	    v[5] < 0 || v[6] < 0 || v[7] < 0 || v[8] < 0 ||
	    (v[9] & LOG_PRIMASK) != 0 || !msg_in(v[9] >> 3, 0, 23) ||
	    !msg_in(v[10], LOG_EMERG, LOG_DEBUG) || v[11] < 0 ||
	    !msg_in(v[12], 1, 60000) || !msg_in(v[13], 0, MSG_ACL_MAX) ||
	    !msg_in(v[14], 0, MSG_ACL_MAX) || !msg_in(v[15], 0, MSG_ACL_MAX) ||
	    !msg_in(v[16], 1, CFG_PROXY_TIMEOUT_MAX) || v[17] != 0 ||
	    c->max_session_bytes < 0)
		return -1;
	c->max_clients = v[0];
	c->max_clients_per_host = v[1];
	c->host_prefix_ipv4 = v[2];
	c->host_prefix_ipv6 = v[3];
	c->max_connection_rate = v[4];
	c->max_connection_rate_per_host = v[5];
	c->idle_timeout = v[6];
	c->session_timeout = v[7];
	c->shutdown_timeout = v[8];
	c->log_facility = v[9];
	c->log_level = v[10];
	c->stats_interval = v[11];
	mc->heartbeat_ms = v[12];
	c->nallow = (size_t)v[13];
	c->ndeny = (size_t)v[14];
	c->ntrusted_proxies = (size_t)v[15];
	c->proxy_timeout = v[16];
	if ((c->nallow > 0 && (c->allow = calloc(c->nallow, sizeof(*c->allow))) == NULL) ||
	    (c->ndeny > 0 && (c->deny = calloc(c->ndeny, sizeof(*c->deny))) == NULL) ||
	    (c->ntrusted_proxies > 0 && (c->trusted_proxies =
	    calloc(c->ntrusted_proxies, sizeof(*c->trusted_proxies))) == NULL))
		return -1;
	return 0;
}

/* 0 uint32 which (0 allow, 1 deny, 2 trusted_proxies), 4 uint32 count,
 * then per rule 24 bytes: int32 family, 16 address bytes, int32 prefix
 * length. */
enum { MSG_ACL_ALLOW, MSG_ACL_DENY, MSG_ACL_TRUSTED, MSG_ACL_NLISTS };
static size_t
msg_acl_pack(uint32_t which, const struct acl_rule *r, size_t n,
    unsigned char *buf)
{
	uint32_t count = (uint32_t)n;

	PUT(buf, 0, which);
	PUT(buf, 4, count);
	for (size_t i = 0; i < n; i++) {
		int32_t fam = r[i].family, bits = r[i].bits;

		PUT(buf, 8 + 24 * i, fam);
		memcpy(buf + 8 + 24 * i + 4, r[i].addr, 16);
		PUT(buf, 8 + 24 * i + 20, bits);
	}
	return 8 + 24 * n;
}

static int
msg_acl_take(struct msg_config *mc, const struct msg *m)
{
	struct acl_rule *const lists[MSG_ACL_NLISTS] = { mc->cfg.allow,
	    mc->cfg.deny, mc->cfg.trusted_proxies };
	size_t *const gots[MSG_ACL_NLISTS] = { &mc->nallow, &mc->ndeny,
	    &mc->ntrusted };
	const size_t wants[MSG_ACL_NLISTS] = { mc->cfg.nallow, mc->cfg.ndeny,
	    mc->cfg.ntrusted_proxies };
	uint32_t which, count;
	struct acl_rule *dst;
	size_t *got, want;

	GET(m->data, 0, which);
	GET(m->data, 4, count);
	if (which >= MSG_ACL_NLISTS || count == 0 ||
	    m->len != 8 + 24 * (size_t)count)
		return -1;
	dst = lists[which];
	got = gots[which];
	want = wants[which];
	if (count > want - *got)
		return -1;
	for (size_t i = 0; i < count; i++) {
		struct acl_rule *r = &dst[*got + i];
		int32_t fam, bits;

		GET(m->data, 8 + 24 * i, fam);
		memcpy(r->addr, m->data + 8 + 24 * i + 4, 16);
		GET(m->data, 8 + 24 * i + 20, bits);
		if (!((fam == AF_INET && msg_in(bits, 0, 32)) ||
		    (fam == AF_INET6 && msg_in(bits, 0, 128))))
			return -1;
		r->family = fam;
		r->bits = bits;
	}
	*got += count;
	return 0;
}

static int
msg_acl_send(int sock, uint32_t which, const struct acl_rule *r, size_t n)
{
	unsigned char buf[8 + 24 * MSG_ACL_CHUNK];

	for (size_t i = 0; i < n; i += MSG_ACL_CHUNK) {
		size_t k = n - i < MSG_ACL_CHUNK ? n - i : MSG_ACL_CHUNK;

		if (msg_send(sock, MSG_ACL, buf, msg_acl_pack(which, r + i, k,
		    buf), -1, 0) == -1)
			return -1;
	}
	return 0;
}

int
msg_config_send(int sock, const struct cfg *cfg, const struct lsn_set *set,
    int heartbeat_ms)
{
	unsigned char buf[MSG_SETTINGS_LEN];
	uint32_t n = (uint32_t)set->n;

	if (cfg->nallow > MSG_ACL_MAX || cfg->ndeny > MSG_ACL_MAX ||
	    cfg->ntrusted_proxies > MSG_ACL_MAX || set->n > MSG_LSN_MAX) {
		errno = E2BIG;
		return -1;
	}
	msg_settings_pack(cfg, heartbeat_ms, buf);
	if (msg_send(sock, MSG_SETTINGS, buf, sizeof(buf), -1, 0) == -1 ||
	    msg_acl_send(sock, MSG_ACL_ALLOW, cfg->allow, cfg->nallow) == -1 ||
	    msg_acl_send(sock, MSG_ACL_DENY, cfg->deny, cfg->ndeny) == -1 ||
	    msg_acl_send(sock, MSG_ACL_TRUSTED, cfg->trusted_proxies,
	    cfg->ntrusted_proxies) == -1)
		return -1;
	/* 0 the name (64 bytes, NUL-terminated), 64 uint32 proxy_protocol */
	for (size_t i = 0; i < set->n; i++) {
		unsigned char l[68];
		uint32_t proxy = set->v[i].proxy_protocol != 0;

		memset(l, 0, sizeof(l));
		snprintf((char *)l, 64, "%s", set->v[i].name);
		PUT(l, 64, proxy);
		if (msg_send(sock, MSG_LISTENER, l, sizeof(l), set->v[i].fd,
		    0) == -1)
			return -1;
	}
	return msg_send(sock, MSG_COMMIT, &n, sizeof(n), -1, 0);
}

static int
msg_listener_take(struct msg_config *mc, struct msg *m)
{
	struct lsn *nv;
	uint32_t proxy;

	GET(m->data, 64, proxy);
	if (mc->lsn.n >= MSG_LSN_MAX || memchr(m->data, '\0', 64) == NULL ||
	    proxy > 1 ||
	    (nv = realloc(mc->lsn.v, (mc->lsn.n + 1) * sizeof(*nv))) == NULL)
		return -1;
	mc->lsn.v = nv;
	memset(&nv[mc->lsn.n], 0, sizeof(nv[mc->lsn.n]));
	nv[mc->lsn.n].fd = m->fd;
	nv[mc->lsn.n].proxy_protocol = (int)proxy;
	memcpy(nv[mc->lsn.n].name, m->data, 64);
	mc->lsn.n++;
	m->fd = -1;		/* mc's now */
	return 0;
}

int
msg_config_take(struct msg_config *mc, struct msg *m)
{
	uint32_t n;
	int rc = -1;

	if (m->type == MSG_SETTINGS && !mc->open) {
		mc->open = 1;
		rc = msg_settings_take(mc, m);
	} else if (m->type == MSG_ACL && mc->open)
		rc = msg_acl_take(mc, m);
	else if (m->type == MSG_LISTENER && mc->open)
		rc = msg_listener_take(mc, m);
	else if (m->type == MSG_COMMIT && mc->open) {
		GET(m->data, 0, n);
		if (n != mc->lsn.n || mc->nallow != mc->cfg.nallow ||
		    mc->ndeny != mc->cfg.ndeny ||
		    mc->ntrusted != mc->cfg.ntrusted_proxies)
			return -1;
		mc->open = 0;
		return 1;
	}
	return rc;
}

void
msg_config_free(struct msg_config *mc)
{
	for (size_t i = 0; i < mc->lsn.n; i++)
		close(mc->lsn.v[i].fd);
	free(mc->lsn.v);
	cfg_free(&mc->cfg);
	memset(mc, 0, sizeof(*mc));
}

/* ---- reports ------------------------------------------------------------- */

int
msg_status_send(int sock, const struct msg_status *st)
{
	unsigned char buf[24];

	PUT(buf, 0, st->active);
	PUT(buf, 8, st->accepted);
	PUT(buf, 16, st->refused);
	return msg_send(sock, MSG_STATUS, buf, sizeof(buf), -1, MSG_DONTWAIT);
}

int
msg_status_take(const struct msg *m, struct msg_status *st)
{
	if (m->type != MSG_STATUS)
		return -1;
	GET(m->data, 0, st->active);
	GET(m->data, 8, st->accepted);
	GET(m->data, 16, st->refused);
	/* SECURITY: counts main prints; nothing else depends on them. */
	return st->active <= 100000 ? 0 : -1;
}

void
msg_violation_send(int sock, long nr)
{
	uint32_t n = (uint32_t)nr;

	(void)msg_send(sock, MSG_VIOLATION, &n, sizeof(n), -1, MSG_DONTWAIT);
}

int
msg_violation_take(const struct msg *m, long *nr)
{
	uint32_t n;

	if (m->type != MSG_VIOLATION)
		return -1;
	GET(m->data, 0, n);
	if (n >= RPT_SYSNO_MAX)
		return -1;
	*nr = (long)n;
	return 0;
}
