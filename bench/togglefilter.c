/*
 * togglefilter.c - the reference servers' job: copy stdin to stdout with
 * ASCII letters' case flipped.  Run by tcpserver, xinetd or socat with the
 * connection on descriptors 0 and 1.  No stdio: each chunk read is written
 * at once, so a 1-byte message is answered at once, as caseserv must.
 */
#include <errno.h>
#include <unistd.h>

static int
write_all(const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(1, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
main(void)
{
	unsigned char buf[65536];

	for (;;) {
		ssize_t n = read(0, buf, sizeof buf);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? 0 : 1;
		for (ssize_t i = 0; i < n; i++)
			if ((unsigned char)((buf[i] | 0x20) - 'a') < 26)
				buf[i] ^= 0x20;
		if (write_all(buf, (size_t)n) < 0)
			return 1;
	}
}
