/*
 * fuzz_report.c - libFuzzer harness for rpt_decode(), the master's parser
 * of what a (possibly compromised) session sends.
 *
 * Build and run from the top of the tree:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *       tests/fuzz/fuzz_report.c src/report.c -o fuzz_report
 *   ./fuzz_report -max_total_time=60 tests/fuzz/corpus/report
 *
 * Besides memory safety it checks the contract: what decodes re-encodes
 * to the very same bytes, and what is accepted is in range; a client's
 * name (RPT_PEER) is an AF_INET or AF_INET6 address.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rpt_record r;
	unsigned char again[RPT_SIZE];

	if (rpt_decode(data, size, &r) == -1)
		return 0;
	if (size != RPT_SIZE)
		abort();
	switch (r.type) {
	case RPT_CLOSE: case RPT_SANDBOX:
		if (r.reason <= SES_OK || r.reason >= SES_NREASONS ||
		    r.sysno < 0 || r.sysno >= RPT_SYSNO_MAX)
			abort();
		break;
	case RPT_PEER:
		if (r.peer.ss_family != AF_INET && r.peer.ss_family != AF_INET6)
			abort();
		break;
	case RPT_LOCAL:
		break;
	case RPT_VERDICT:
		if (r.reason != RPT_PROCEED && r.reason != RPT_REFUSE)
			abort();
		break;
	default:
		abort();
	}
	rpt_encode(&r, again);
	if (memcmp(again, data, RPT_SIZE) != 0)
		abort();
	return 0;
}
