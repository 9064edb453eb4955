/*
 * admit.h - who may open a session now: allow/deny, the concurrent
 * session limits (in all and per host) and the connection rates.
 * Checked in the master before fork(), so a refusal costs no process.
 */
#ifndef CASESERV_ADMIT_H
#define CASESERV_ADMIT_H

#include <stdint.h>
#include <sys/socket.h>

#include "conf.h"

enum adm_verdict {
	ADM_OK,
	ADM_ACL,
	ADM_MAX_CLIENTS,
	ADM_PER_HOST,
	ADM_RATE,
	ADM_RATE_PER_HOST,
	ADM_UNTRUSTED_PROXY,	/* not the acceptor's: a PROXY listener's peer */
	ADM_NO_MEMORY,
	ADM_NVERDICTS
};

struct adm_host;

/*
 * May peer open a session, with active sessions open in all?  On ADM_OK
 * the session is counted against its host (*host) until adm_release().
 */
int adm_admit(const struct cfg *cfg, const struct sockaddr *peer,
    unsigned active, int64_t now_ms, struct adm_host **host);
void adm_release(struct adm_host *host);
/* Forget hosts with no session whose rate bucket is full again. */
void adm_expire(const struct cfg *cfg, int64_t now_ms);
/* The `reason=` word of a refusal. */
const char *adm_reason_name(int verdict);

#endif
