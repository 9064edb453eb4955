/*
 * log.c - syslog or standard error, one format, escaped and bounded.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX	1024
/* Above every syslog priority bit: written whatever log_level says. */
#define LOG_FORCE	0x10000

static int log_to_stderr;
static int log_pinned = -1;	/* -d: debug whatever the file says */
static int log_max = LOG_INFO;
static int log_startup;		/* also print failures on stderr */
static int log_journal;		/* stderr is the journal's stream */
static int log_facility = LOG_DAEMON;
/* Our own syslog datagrams (log_use_socket): the descriptor, -1 while
 * there is none; and whom to tell when it fails. */
static int log_own = -2;	/* -2: not in use, glibc's syslog() is */
static void (*log_lost)(void);

/*
 * systemd sets $JOURNAL_STREAM to "DEV:INODE" of the stream it connects
 * standard output and error to; only when fd 2 is that very stream does
 * stderr reach the journal (a shell started from a unit inherits the
 * variable with another stderr).
 */
static int
log_stderr_journal(void)
{
	const char *s = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	int n = 0;

	if (s == NULL || sscanf(s, "%llu:%llu%n", &dev, &ino, &n) != 2 ||
	    s[n] != '\0' || fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(int to_stderr, int facility, int level)
{
	log_to_stderr = to_stderr;
	log_journal = log_stderr_journal();
	log_pinned = level;
	log_facility = facility;
	if (level >= 0)
		log_max = level;
	/*
	 * LOG_NDELAY connects to /dev/log now, before privileges and the
	 * master's sandbox make opening a new socket harder.
	 */
	if (!to_stderr)
		openlog("caseserv", LOG_PID | LOG_NDELAY, facility);
}

void
log_configure(int facility, int level)
{
	if (log_pinned < 0)
		log_max = level;
	log_facility = facility;
	if (!log_to_stderr && log_own == -2) {
		closelog();
		openlog("caseserv", LOG_PID | LOG_NDELAY, facility);
	}
}

int
log_open_socket(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (log_to_stderr)
		return -1;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", _PATH_LOG);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

void
log_use_socket(int fd, void (*lost)(void))
{
	static int zone_read;
	time_t now = time(NULL);
	struct tm tm;

	if (log_to_stderr) {
		if (fd >= 0)
			close(fd);
		return;
	}
	/* glibc's descriptor goes; so that nothing ever reconnects. */
	if (log_own == -2)
		closelog();
	else if (log_own >= 0 && log_own != fd)
		close(log_own);
	log_own = fd;
	log_lost = lost;
	/* The time zone is read now, while files can still be opened:
	 * localtime_r() reads it once and keeps it.  Only the first time:
	 * with $TZ unset, tzset() reads /etc/localtime again each call, and
	 * later calls come under the acceptor's filter (no open). */
	if (!zone_read) {
		tzset();
		(void)localtime_r(&now, &tm);
		zone_read = 1;
	}
}

void
log_startup_stderr(int on)
{
	log_startup = on;
}

int
log_level(void)
{
	return log_max;
}

int
log_stderr_is_journal(void)
{
	return log_journal;
}

/*
 * The journal reads a "<N>" prefix as the line's priority; without it a
 * line of the stream is recorded at info, whatever it says.
 */
void
log_stderr(int prio, const char *line)
{
	if (log_journal)
		fprintf(stderr, "<%d>%s\n", prio & LOG_PRIMASK, line);
	else
		fprintf(stderr, "%s\n", line);
}

/*
 * SECURITY: messages carry text from outside (file contents, names), so
 * control characters are written as \ooo and the line is bounded: nothing
 * can forge a second log line or a terminal escape.
 */
void
log_escape(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in != '\0' && o + 5 < len; in++) {
		unsigned char c = (unsigned char)*in;

		if (c < 0x20 || c == 0x7f || c == '\\') {
			snprintf(out + o, len - o, "\\%03o", c);
			o += 4;
		} else
			out[o++] = (char)c;
	}
	out[o] = '\0';
}

/*
 * One datagram in the format glibc's syslog() writes and rsyslog and the
 * journal read: <PRI>Mmm dd hh:mm:ss caseserv[PID]: message.  A failed
 * send loses the line and is reported once (the acceptor asks main for a
 * new socket); there is no reconnecting here, which would need socket()
 * and connect().
 */
static void
log_send(int prio, const char *line)
{
	char buf[LOG_LINE_MAX + 64], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	if (log_own < 0)
		return;
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm) == 0)
		snprintf(stamp, sizeof(stamp), "Jan  1 00:00:00");
	n = snprintf(buf, sizeof(buf), "<%d>%s caseserv[%ld]: %s",
	    log_facility | prio, stamp, (long)getpid(), line);
	if (n < 0)
		return;
	if (send(log_own, buf, (size_t)n < sizeof(buf) ? (size_t)n :
	    sizeof(buf) - 1, MSG_NOSIGNAL) == -1 && errno != EINTR &&
	    errno != EAGAIN && log_lost != NULL) {
		close(log_own);
		log_own = -1;
		log_lost();
	}
}

static void
log_emit(int prio, int with_errno, const char *fmt, va_list ap)
{
	char raw[LOG_LINE_MAX], line[LOG_LINE_MAX];
	int saved = errno;

	if ((prio & LOG_PRIMASK) > log_max && !(prio & LOG_FORCE)) {
		errno = saved;
		return;
	}
	prio &= LOG_PRIMASK;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	if (with_errno) {
		size_t n = strlen(raw);
		snprintf(raw + n, sizeof(raw) - n, ": %s", strerror(saved));
	}
	log_escape(raw, line, sizeof(line));
	if (log_to_stderr) {
		char tagged[sizeof(line) + 32];

		snprintf(tagged, sizeof(tagged), "caseserv[%ld]: %s",
		    (long)getpid(), line);
		log_stderr(prio, tagged);
	} else if (log_own != -2) {
		log_send(prio, line);
	} else {
		syslog(prio, "%s", line);
		/* When stderr is the journal, syslog's line (with its
		 * priority and facility) is already there: once is enough. */
		if (log_startup && prio <= LOG_WARNING && !log_journal)
			fprintf(stderr, "caseserv: %s\n", line);
	}
	errno = saved;
}

#define LOG_FN(name, prio, with_errno)			\
void							\
name(const char *fmt, ...)				\
{							\
	va_list ap;					\
							\
	va_start(ap, fmt);				\
	log_emit(prio, with_errno, fmt, ap);		\
	va_end(ap);					\
}

LOG_FN(log_err, LOG_ERR, 1)
LOG_FN(log_errx, LOG_ERR, 0)
LOG_FN(log_warn, LOG_WARNING, 1)
LOG_FN(log_warnx, LOG_WARNING, 0)
LOG_FN(log_notice, LOG_NOTICE, 0)
LOG_FN(log_info, LOG_INFO, 0)
LOG_FN(log_debug, LOG_DEBUG, 0)
LOG_FN(log_requested, LOG_NOTICE | LOG_FORCE, 0)

void
fatal(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_ERR, 1, fmt, ap);
	va_end(ap);
	exit(status);
}

void
fatalx(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_ERR, 0, fmt, ap);
	va_end(ap);
	exit(status);
}
