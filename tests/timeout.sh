#!/bin/sh
# timeout.sh - how make check runs every test (LOG_COMPILER): a test that
# runs longer than CASESERV_TEST_TIMEOUT seconds (default 900) gets
# SIGTERM, and SIGKILL 30 s later.  A hung test then fails (status 124,
# or 137 after the SIGKILL) and the suite goes on, where it would stall
# make check, and CI, for good.  GNU timeout signals the test's whole
# process group, so the daemons it started in the foreground go with it.
exec timeout -k 30 "${CASESERV_TEST_TIMEOUT:-900}" "$@"
