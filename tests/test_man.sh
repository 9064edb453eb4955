#!/bin/sh
# test_man.sh - both manual pages lint clean with mandoc -Tlint (every
# message, style included, is a failure).  Skipped (77) without mandoc.
command -v mandoc >/dev/null 2>&1 || { echo "mandoc not installed"; exit 77; }
: "${CASESERV_SRCDIR:?}"
out=$(mandoc -Tlint "$CASESERV_SRCDIR/docs/caseserv.8" \
    "$CASESERV_SRCDIR/docs/caseserv.conf.5" 2>&1)
rc=$?
[ -n "$out" ] && printf '%s\n' "$out"
[ "$rc" -eq 0 ] && [ -z "$out" ]
