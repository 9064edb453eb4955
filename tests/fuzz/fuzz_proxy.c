/*
 * fuzz_proxy.c - libFuzzer harness for prx_parse(), the PROXY protocol
 * header parser that runs on bytes from the network.
 *
 * Build and run from the top of the tree:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *       tests/fuzz/fuzz_proxy.c src/proxy.c -o fuzz_proxy
 *   ./fuzz_proxy -max_total_time=60 tests/fuzz/corpus/proxy
 *
 * Besides memory safety it checks the contract on every prefix of the
 * input: a header is at most PRX_MAXLEN bytes and never more than was
 * given; PRX_MORE never for PRX_MAXLEN bytes or more; an answer, once
 * given, stays the same however many bytes follow (the header is a
 * prefix property); the family and the addresses agree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_result(const struct prx_result *r)
{
	int s = r->src.ss_family, d = r->dst.ss_family;

	if ((r->version != 1 && r->version != 2) ||
	    (r->command != PRX_CMD_LOCAL && r->command != PRX_CMD_PROXY))
		abort();
	switch (r->family) {
	case PRX_FAM_TCP4:
		if (s != AF_INET || d != AF_INET || r->command != PRX_CMD_PROXY)
			abort();
		break;
	case PRX_FAM_TCP6:
		if (s != AF_INET6 || d != AF_INET6 || r->command != PRX_CMD_PROXY)
			abort();
		break;
	case PRX_FAM_UNKNOWN:
		if (s != 0 || d != 0 || r->command != PRX_CMD_PROXY)
			abort();
		break;
	case PRX_FAM_UNSPEC:
		if (s != 0 || d != 0 || r->command != PRX_CMD_LOCAL ||
		    r->version != 2)
			abort();
		break;
	default:
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prx_result r, first;
	int rc, settled = PRX_MORE;
	size_t n, lim = size < PRX_MAXLEN + 8 ? size : PRX_MAXLEN + 8;

	/* Every prefix, so that the answer is checked to be stable; a copy,
	 * so that ASan sees a read past the prefix given. */
	for (n = 0; n <= lim; n++) {
		uint8_t *copy = malloc(n > 0 ? n : 1);

		if (copy == NULL)
			return 0;
		memcpy(copy, data, n);
		rc = prx_parse(copy, n, &r);
		free(copy);
		if (rc > 0) {
			if ((size_t)rc > n || rc > PRX_MAXLEN)
				abort();
			check_result(&r);
			if (settled == PRX_MORE)
				first = r;
			else if (settled != rc ||
			    memcmp(&first, &r, sizeof(r)) != 0)
				abort();
		} else if (rc == PRX_MORE) {
			if (settled != PRX_MORE || n >= PRX_MAXLEN)
				abort();
		} else if (rc != PRX_ERROR || (settled != PRX_MORE &&
		    settled != PRX_ERROR))
			abort();
		settled = rc;
	}
	/* And the whole input at once, as a session would see a big read. */
	if (size > lim && prx_parse(data, size, &r) != settled)
		abort();
	return 0;
}
