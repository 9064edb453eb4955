/*
 * toggle.h - the service itself: flip the case of ASCII letters.
 */
#ifndef CASESERV_TOGGLE_H
#define CASESERV_TOGGLE_H

#include <stddef.h>

/* Flip 'A'..'Z' and 'a'..'z' in place; every other byte is left alone. */
void tgl_apply(unsigned char *buf, size_t len);

#endif
