/*
 * admit.c - admission: ACLs, session counts and token-bucket rates.
 *
 * Hosts (peers masked to host_prefix_ipv4/ipv6) live in a chained hash
 * table while they have sessions or a rate bucket that is not yet full
 * again; adm_expire() forgets the rest, so a flood from many addresses
 * costs memory only for about a second.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "admit.h"

#define ADM_BUCKETS	4096	/* hash chains; a power of two */
#define ADM_MAX_HOSTS	(1 << 20)

struct adm_host {
	struct adm_host		*next;
	struct acl_hostkey	 key;
	unsigned		 sessions;
	double			 tokens;	/* per-host rate bucket */
	int64_t			 stamp;		/* when tokens was last filled */
};

static struct adm_host *adm_table[ADM_BUCKETS];
static size_t adm_nhosts;
static double adm_tokens = -1;		/* global rate bucket; -1: full */
static int64_t adm_stamp;

static const char *const adm_names[ADM_NVERDICTS] = {
	[ADM_OK] = "ok",
	[ADM_ACL] = "acl",
	[ADM_MAX_CLIENTS] = "max_clients",
	[ADM_PER_HOST] = "max_clients_per_host",
	[ADM_RATE] = "rate",
	[ADM_RATE_PER_HOST] = "rate_per_host",
	[ADM_UNTRUSTED_PROXY] = "untrusted_proxy",
	[ADM_NO_MEMORY] = "no_memory",
};

const char *
adm_reason_name(int verdict)
{
	return (verdict >= 0 && verdict < ADM_NVERDICTS) ? adm_names[verdict] : "?";
}

static unsigned
adm_hash(const struct acl_hostkey *k)
{
	uint32_t h = 2166136261u;

	h = (h ^ k->family) * 16777619u;
	for (size_t i = 0; i < sizeof(k->addr); i++)
		h = (h ^ k->addr[i]) * 16777619u;
	return h & (ADM_BUCKETS - 1);
}

/* A token bucket of capacity rate (one second's worth), refilled at rate/s. */
static double
adm_refill(double tokens, int64_t *stamp, int rate, int64_t now)
{
	if (tokens < 0)
		tokens = rate;
	tokens += (double)(now - *stamp) * rate / 1000.0;
	*stamp = now;
	return tokens > rate ? rate : tokens;
}

static struct adm_host *
adm_lookup(const struct acl_hostkey *key, int create, int64_t now)
{
	unsigned h = adm_hash(key);
	struct adm_host *e;

	for (e = adm_table[h]; e != NULL; e = e->next)
		if (memcmp(&e->key, key, sizeof(*key)) == 0)
			return e;
	/* SECURITY: bounded, so a flood of addresses cannot exhaust memory. */
	if (!create || adm_nhosts >= ADM_MAX_HOSTS ||
	    (e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->key = *key;
	e->tokens = -1;
	e->stamp = now;
	e->next = adm_table[h];
	adm_table[h] = e;
	adm_nhosts++;
	return e;
}

int
adm_admit(const struct cfg *cfg, const struct sockaddr *peer,
    unsigned active, int64_t now, struct adm_host **host)
{
	struct acl_hostkey key;
	struct adm_host *e;

	*host = NULL;
	/* SECURITY: deny wins over allow; a non-empty allow list is exclusive. */
	if (acl_match(cfg->deny, cfg->ndeny, peer) ||
	    (cfg->nallow > 0 && !acl_match(cfg->allow, cfg->nallow, peer)))
		return ADM_ACL;
	if (cfg->max_connection_rate > 0) {
		adm_tokens = adm_refill(adm_tokens, &adm_stamp,
		    cfg->max_connection_rate, now);
		if (adm_tokens < 1)
			return ADM_RATE;
	}
	acl_hostkey(peer, cfg->host_prefix_ipv4, cfg->host_prefix_ipv6, &key);
	if ((e = adm_lookup(&key, 1, now)) == NULL)
		return ADM_NO_MEMORY;
	if (cfg->max_connection_rate_per_host > 0) {
		e->tokens = adm_refill(e->tokens, &e->stamp,
		    cfg->max_connection_rate_per_host, now);
		if (e->tokens < 1)
			return ADM_RATE_PER_HOST;
	}
	if (active >= (unsigned)cfg->max_clients)
		return ADM_MAX_CLIENTS;
	if (cfg->max_clients_per_host > 0 &&
	    e->sessions >= (unsigned)cfg->max_clients_per_host)
		return ADM_PER_HOST;
	/* Admitted: only now are the tokens spent. */
	if (cfg->max_connection_rate > 0)
		adm_tokens -= 1;
	if (cfg->max_connection_rate_per_host > 0)
		e->tokens -= 1;
	e->sessions++;
	*host = e;
	return ADM_OK;
}

void
adm_release(struct adm_host *host)
{
	if (host != NULL && host->sessions > 0)
		host->sessions--;
}

void
adm_expire(const struct cfg *cfg, int64_t now)
{
	int rate = cfg->max_connection_rate_per_host;

	for (unsigned h = 0; h < ADM_BUCKETS; h++) {
		struct adm_host **pp = &adm_table[h], *e;

		while ((e = *pp) != NULL) {
			/* Refilling moves the stamp on: keep the tokens it adds. */
			if (rate > 0 && e->tokens >= 0)
				e->tokens = adm_refill(e->tokens, &e->stamp, rate, now);
			if (e->sessions == 0 && (rate == 0 || e->tokens < 0 ||
			    e->tokens >= rate)) {
				*pp = e->next;
				free(e);
				adm_nhosts--;
			} else
				pp = &e->next;
		}
	}
}
