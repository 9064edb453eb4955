/*
 * tglcount.c - a harness for callgrind: the project's tgl_apply() and a
 * naive per-byte loop, each run once over the same 1 MiB, so that
 * `valgrind --tool=callgrind` can count the instructions of each.
 * Built by run.sh against /work/main/src/toggle.c (the real code).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toggle.h"

#define LEN	(1u << 20)

/* noinline: callgrind must see it as a function of its own. */
__attribute__((noinline)) static void
naive_toggle(unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((buf[i] >= 'A' && buf[i] <= 'Z') || (buf[i] >= 'a' && buf[i] <= 'z'))
			buf[i] ^= 0x20;
}

int
main(void)
{
	unsigned char *a = malloc(LEN), *b = malloc(LEN);
	unsigned int s = 1;

	if (a == NULL || b == NULL)
		return 2;
	for (size_t i = 0; i < LEN; i++) {
		s = s * 1103515245 + 12345;
		a[i] = (unsigned char)(s >> 16);
	}
	memcpy(b, a, LEN);
	tgl_apply(a, LEN);
	naive_toggle(b, LEN);
	/* The two must agree, or the counts compare different work. */
	if (memcmp(a, b, LEN) != 0) {
		fprintf(stderr, "tglcount: tgl_apply and the naive loop disagree\n");
		return 1;
	}
	return 0;
}
