/*
 * log.h - the one logging API: syslog or standard error, printf-checked.
 *
 * log_warn/log_err append ": strerror(errno)"; the x variants do not.
 * Every function preserves errno.  Text that may come from outside (peer
 * names, file contents) is escaped: control characters never reach syslog.
 */
#ifndef CASESERV_LOG_H
#define CASESERV_LOG_H

#include <stdarg.h>

#define LOG_FMT(a, b) __attribute__((format(printf, a, b)))

/*
 * to_stderr: log to standard error instead of syslog (-e).  level >= 0 pins
 * the level (-d): log_configure() then changes only the facility.
 */
void log_init(int to_stderr, int facility, int level);
/* Change facility and level (after the configuration is read or reloaded). */
void log_configure(int facility, int level);
/*
 * main: a datagram socket connected to syslog (/dev/log), for the
 * acceptor; -1 when logging to standard error or syslog is unreachable.
 */
int log_open_socket(void);
/*
 * From now on write syslog datagrams on fd ourselves instead of calling
 * glibc's syslog(), which on a failed send opens and connects a new
 * socket (calls the acceptor's filter does not allow).  fd -1: lines are
 * dropped until the next call.  When a send fails the descriptor is
 * closed, lines are dropped and lost() is called once.  Also reads the
 * time zone, while files can be opened.  With -e, nothing changes.
 */
void log_use_socket(int fd, void (*lost)(void));
/* While starting, failures also go to stderr so the invoking shell sees them. */
void log_startup_stderr(int on);
int log_level(void);
/* Is standard error the journal ($JOURNAL_STREAM names fd 2)? */
int log_stderr_is_journal(void);
/* line on standard error, with a "<N>" priority prefix for the journal. */
void log_stderr(int prio, const char *line);
/* Copy in to out (len bytes) with control characters written as \ooo. */
void log_escape(const char *in, char *out, size_t len);

void log_err(const char *fmt, ...) LOG_FMT(1, 2);
void log_errx(const char *fmt, ...) LOG_FMT(1, 2);
void log_warn(const char *fmt, ...) LOG_FMT(1, 2);
void log_warnx(const char *fmt, ...) LOG_FMT(1, 2);
void log_notice(const char *fmt, ...) LOG_FMT(1, 2);
void log_info(const char *fmt, ...) LOG_FMT(1, 2);
void log_debug(const char *fmt, ...) LOG_FMT(1, 2);
/* What an operator asked for (SIGUSR1 stats): notice, whatever log_level. */
void log_requested(const char *fmt, ...) LOG_FMT(1, 2);
/* Log at LOG_ERR and exit with the given sysexits status. */
void fatal(int status, const char *fmt, ...) LOG_FMT(2, 3) __attribute__((noreturn));
void fatalx(int status, const char *fmt, ...) LOG_FMT(2, 3) __attribute__((noreturn));

#endif
