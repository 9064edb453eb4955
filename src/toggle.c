/*
 * toggle.c - flip the case of ASCII letters, eight bytes at a time.
 *
 * A letter is a byte whose value, with bit 5 set, lies in 'a'..'z'; for
 * those the answer is the byte with bit 5 flipped.  The test is done on
 * all eight bytes of a word at once with carries that cannot cross byte
 * boundaries, so there is no branch per byte and no table.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "toggle.h"

#define ONES	UINT64_C(0x0101010101010101)
#define HIGH	(ONES * 0x80)

static uint64_t
tgl_word(uint64_t x)
{
	uint64_t low = x | (ONES * 0x20);	/* fold to lower case */
	uint64_t seven = low & ~HIGH;		/* < 0x80: adds cannot carry out */
	uint64_t ge_a = seven + ONES * (0x80 - 'a');
	uint64_t gt_z = seven + ONES * (0x80 - 'z' - 1);
	uint64_t letter = ge_a & ~gt_z & ~low & HIGH;

	return x ^ (letter >> 2);		/* 0x80 >> 2 == 0x20 */
}

static unsigned char
tgl_byte(unsigned char c)
{
	unsigned char low = c | 0x20;

	return c ^ (unsigned char)(((unsigned char)(low - 'a') < 26) << 5);
}

void
tgl_apply(unsigned char *buf, size_t len)
{
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		/* memcpy: unaligned and aliasing-safe; compiles to one load. */
		memcpy(&w, buf + i, 8);
		w = tgl_word(w);
		memcpy(buf + i, &w, 8);
	}
	for (; i < len; i++)
		buf[i] = tgl_byte(buf[i]);
}
