/*
 * refuselog.h - which `refused` lines are written, and the summary of the
 * rest.
 *
 * Up to RFL_LINES refusals a second are logged one by one.  The rest are
 * counted per host and reason in a fixed table, and once the second is
 * over the summary is one total line followed by one line for each of the
 * RFL_TOP hosts refused most:
 *
 *	refused: 1234 similar suppressed
 *	refused host=192.0.2.7 reason=rate_per_host suppressed=1200
 *	refused host=2001:db8::1 reason=acl suppressed=30
 *
 * One line per host, because a log watcher such as fail2ban matches one
 * host per line and counts lines: a flooder is named once every second it
 * floods, even when none of its refusals got a line of its own.
 */
#ifndef CASESERV_REFUSELOG_H
#define CASESERV_REFUSELOG_H

#include <stddef.h>
#include <stdint.h>

#define RFL_LINES	10	/* refused lines a second before summarising */
#define RFL_HOSTS	64	/* hosts counted exactly in a second */
#define RFL_TOP		5	/* hosts named in a summary */
#define RFL_LINELEN	128	/* fits every summary line */

/*
 * A refusal of peer ("ADDR:PORT" or "[ADDR]:PORT") at now_ms.  reason must
 * live as long as the program (a string constant).  1: write its own line;
 * 0: it was counted for the summary.
 */
int rfl_refused(const char *peer, const char *reason, int64_t now_ms);
/*
 * Once the second of the last refusal is over (now_ms is in a later one),
 * the next line of its summary into buf, and 1; 0 when there is none left.
 * Call until it returns 0 before each rfl_refused() and once a second.
 */
int rfl_summary_line(int64_t now_ms, char *buf, size_t len);
/* Is a summary waiting for its second to end? */
int rfl_pending(void);

#endif
