/*
 * refuselog.c - which refusals get a line, and the summary of the rest.
 *
 * A second's suppressed refusals are counted in a fixed table of
 * RFL_HOSTS (host, reason) entries.  While a second sees no more than
 * that, every count is exact.  Past it, the entry counted least makes room
 * and the newcomer inherits its count as a known error (the Space-Saving
 * algorithm, Metwally et al. 2005): a host refused more often than the
 * table's smallest count is never lost, and a named host was refused at
 * least `suppressed` times, never fewer.  So a flood from any number of
 * addresses costs RFL_HOSTS entries and a scan of them per refusal.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "refuselog.h"

#define RFL_HOSTLEN	48	/* an IPv6 address in text, and its NUL */

struct rfl_entry {
	char		 host[RFL_HOSTLEN];
	const char	*reason;
	uint32_t	 hash;
	unsigned	 count;		/* refusals counted, with err */
	unsigned	 err;		/* inherited from the entry it replaced */
	int		 named;		/* already in the summary */
};

static struct {
	int64_t		 second;	/* the window: now_ms / 1000 */
	unsigned	 logged;	/* lines written in it */
	unsigned long long total;	/* refusals suppressed in it */
	size_t		 n;		/* entries in use */
	struct rfl_entry tab[RFL_HOSTS];
	int		 writing;	/* its summary is being written */
	size_t		 named;		/* host lines written of it */
} rfl;

/* The host of "ADDR:PORT" or "[ADDR]:PORT": the address alone. */
static void
rfl_host(const char *peer, char *host, size_t len)
{
	const char *end;

	if (*peer == '[')
		end = strchr(++peer, ']');
	else
		end = strrchr(peer, ':');
	if (end == NULL)
		end = peer + strlen(peer);
	snprintf(host, len, "%.*s", (int)(end - peer), peer);
}

static uint32_t
rfl_hash(const char *host, const char *reason)
{
	uint32_t h = 2166136261u;

	for (; *host != '\0'; host++)
		h = (h ^ (unsigned char)*host) * 16777619u;
	for (; *reason != '\0'; reason++)
		h = (h ^ (unsigned char)*reason) * 16777619u;
	return h;
}

static void
rfl_count(const char *host, const char *reason)
{
	uint32_t h = rfl_hash(host, reason);
	struct rfl_entry *e;
	size_t i, least = 0;

	for (i = 0; i < rfl.n; i++) {
		e = &rfl.tab[i];
		if (e->hash == h && strcmp(e->host, host) == 0 &&
		    strcmp(e->reason, reason) == 0) {
			e->count++;
			return;
		}
		if (e->count < rfl.tab[least].count)
			least = i;
	}
	if (rfl.n < RFL_HOSTS) {
		e = &rfl.tab[rfl.n++];
		e->count = e->err = 0;
	} else {
		/* SECURITY: bounded: the host counted least makes room. */
		e = &rfl.tab[least];
		e->err = e->count;
	}
	snprintf(e->host, sizeof(e->host), "%s", host);
	e->reason = reason;
	e->hash = h;
	e->count++;
}

/* A new window: nothing logged, nothing counted. */
static void
rfl_roll(int64_t now_ms)
{
	memset(&rfl, 0, sizeof(rfl));
	rfl.second = now_ms / 1000;
}

int
rfl_refused(const char *peer, const char *reason, int64_t now_ms)
{
	char host[RFL_HOSTLEN];

	/* A summary still owed keeps its window until it is written. */
	if (now_ms / 1000 != rfl.second && rfl.total == 0)
		rfl_roll(now_ms);
	if (rfl.logged < RFL_LINES) {
		rfl.logged++;
		return 1;
	}
	rfl_host(peer, host, sizeof(host));
	rfl_count(host, reason);
	rfl.total++;
	return 0;
}

/* Ranked by the refusals certain (count - err), then by count. */
static int
rfl_before(const struct rfl_entry *a, const struct rfl_entry *b)
{
	unsigned ca = a->count - a->err, cb = b->count - b->err;

	return ca != cb ? ca > cb : a->count > b->count;
}

/* The next host to name, most refused first; NULL when done. */
static struct rfl_entry *
rfl_next_top(void)
{
	struct rfl_entry *best = NULL;

	if (rfl.named >= RFL_TOP)
		return NULL;
	for (size_t i = 0; i < rfl.n; i++)
		if (!rfl.tab[i].named &&
		    (best == NULL || rfl_before(&rfl.tab[i], best)))
			best = &rfl.tab[i];
	if (best != NULL) {
		best->named = 1;
		rfl.named++;
	}
	return best;
}

int
rfl_summary_line(int64_t now_ms, char *buf, size_t len)
{
	struct rfl_entry *e;

	if (now_ms / 1000 == rfl.second)
		return 0;
	if (rfl.total > 0 && !rfl.writing) {
		rfl.writing = 1;
		snprintf(buf, len, "refused: %llu similar suppressed", rfl.total);
		return 1;
	}
	if (rfl.writing && (e = rfl_next_top()) != NULL) {
		snprintf(buf, len, "refused host=%s reason=%s suppressed=%u",
		    e->host, e->reason, e->count - e->err);
		return 1;
	}
	rfl_roll(now_ms);
	return 0;
}

int
rfl_pending(void)
{
	return rfl.total > 0;
}
