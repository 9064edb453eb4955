#!/bin/bash
# run.sh - benchmark caseserv against servers that do the same job, side by
# side in one run on the same machine, and print ratios.  The machine is
# shared and noisy, so absolute numbers mean little; the servers take turns
# (the order rotates every round) and the median of the rounds is reported.
#
# usage: bench/run.sh [--quick] [--rounds N] [--caseserv PATH] [--no-install]
#                     [--servers "caseserv tcpserver xinetd socat"]
#                     [--held N] [bench|callgrind|scale|all]  (default: all)
#
# "scale" compares caseserv with bench/bareserver.c (fork per connection, no
# hardening: the design's ceiling), and with the same server paying SPEC
# section 5's seccomp filter in every session (bareserver -s) and everything
# else SPEC sections 5 and 7 ask of each session (bareserver -S: the ceiling
# of any design that keeps them), on short sessions/s, 10,000 held
# sessions (set-up rate, PSS per session, a fresh session's latency,
# teardown) and throughput on 1 and 4 connections; "all" does not include it.
#
# Everything listens on 127.0.0.1 only, on ports the kernel says are free;
# every server started here is stopped by its pid on exit.
set -u

BENCHDIR=$(cd "$(dirname "$0")" && pwd)
SRCDIR=$(cd "$BENCHDIR/../src" 2>/dev/null && pwd)
WHAT=all
QUICK=0
ROUNDS=
INSTALL=1
CASESERV=${CASESERV:-}
SERVERS="caseserv tcpserver xinetd socat"
HELD=10000

usage() {
	sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
	exit 64
}

while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--rounds) shift; ROUNDS=${1:?--rounds needs a number} ;;
	--caseserv) shift; CASESERV=${1:?--caseserv needs a path} ;;
	--no-install) INSTALL=0 ;;
	--servers) shift; SERVERS="caseserv ${1:?--servers needs a list}" ;;
	--held) shift; HELD=${1:?--held needs a number} ;;
	bench|callgrind|scale|all) WHAT=$1 ;;
	-h|--help) usage ;;
	*) echo "run.sh: $1: unknown argument" >&2; usage ;;
	esac
	shift
done

# Loads per server and round.  Default: about 2 minutes in all; --quick:
# about 30 s.  -t bounds every loadgen run in wall-clock time.
if [ $QUICK = 1 ]; then
	: "${ROUNDS:=2}"
	CONN_ARGS="-n 4000 -c 4 -t 2"
	STREAM_ARGS="-c 4 -m 64 -t 2"
	PING_ARGS="-n 8000 -c 4 -t 1"
else
	: "${ROUNDS:=3}"
	CONN_ARGS="-n 20000 -c 4 -t 5"
	STREAM_ARGS="-c 4 -m 256 -t 4"
	PING_ARGS="-n 40000 -c 8 -t 3"
fi

WORK=$(mktemp -d /tmp/caseserv-bench.XXXXXX) || exit 71
# The filter is exec'd as nobody by tcpserver and xinetd.
chmod 755 "$WORK"
PIDS=
BAD=0

cleanup() {
	local pid
	for pid in $PIDS; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in $PIDS; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	PIDS=
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "run.sh: $*" >&2; exit 1; }

find_caseserv() {
	local c
	for c in "$CASESERV" "$PWD/src/caseserv" "$BENCHDIR/../src/caseserv"; do
		if [ -n "$c" ] && [ -x "$c" ]; then
			CASESERV=$c
			return
		fi
	done
	die "caseserv: not found: build it, then run from the build directory or set CASESERV=PATH"
}

# Install only what is missing, and only from Debian's archive.
need_pkg() {	# PKG COMMAND
	command -v "$2" >/dev/null 2>&1 && return 0
	[ $INSTALL = 1 ] || return 1
	echo "run.sh: installing $1" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >"$WORK/apt.log" 2>&1 ||
	    { apt-get update -qq >/dev/null 2>&1 &&
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >"$WORK/apt.log" 2>&1; }
	command -v "$2" >/dev/null 2>&1
}

build_tools() {
	cc -O2 -Wall -Wextra -o "$WORK/loadgen" "$BENCHDIR/loadgen.c" -lpthread ||
	    die "loadgen: build failed"
	cc -O2 -Wall -Wextra -o "$WORK/togglefilter" "$BENCHDIR/togglefilter.c" ||
	    die "togglefilter: build failed"
}

# Wait (at most 5 s) until the server on port $1 answers a verified connection.
wait_ready() {
	for _ in $(seq 50); do
		"$WORK/loadgen" conn -p "$1" -n 1 -t 1 >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

start_caseserv() {	# PORT
	cat >"$WORK/caseserv.conf" <<-EOF
	listen = ( { host = "127.0.0.1"; port = $1; } );
	user = "nobody";
	max_clients = 1000;
	max_clients_per_host = 0;
	log_level = "warning";
	EOF
	"$CASESERV" -f -e -c "$WORK/caseserv.conf" 2>>"$WORK/caseserv.log" &
	PIDS="$PIDS $!"
}

start_tcpserver() {	# PORT
	need_pkg ucspi-tcp tcpserver || return 1
	# -R -H -l0: no ident or DNS lookups; -c/-b: limits no lower than
	# caseserv's; run the filter as nobody, as caseserv runs its sessions.
	tcpserver -q -R -H -l 0 -c 1000 -b 128 -u "$(id -u nobody)" -g "$(id -g nobody)" \
	    127.0.0.1 "$1" "$WORK/togglefilter" 2>>"$WORK/tcpserver.log" &
	PIDS="$PIDS $!"
}

start_xinetd() {	# PORT
	need_pkg xinetd xinetd || return 1
	# xinetd's default cps (50/s, then 10 s off) would cut the run short.
	cat >"$WORK/xinetd.conf" <<-EOF
	defaults
	{
		instances	= UNLIMITED
		per_source	= UNLIMITED
		cps		= 1000000 1
		log_type	= FILE $WORK/xinetd.log
		log_on_success	=
		log_on_failure	=
	}
	service casebench
	{
		type		= UNLISTED
		socket_type	= stream
		protocol	= tcp
		wait		= no
		user		= nobody
		server		= $WORK/togglefilter
		bind		= 127.0.0.1
		port		= $1
		instances	= UNLIMITED
		per_source	= UNLIMITED
		cps		= 1000000 1
	}
	EOF
	xinetd -dontfork -stayalive -f "$WORK/xinetd.conf" 2>>"$WORK/xinetd.log" &
	PIDS="$PIDS $!"
}

start_socat() {	# PORT
	need_pkg socat socat || return 1
	socat TCP-LISTEN:"$1",bind=127.0.0.1,fork,reuseaddr,backlog=128 \
	    EXEC:"$WORK/togglefilter" 2>>"$WORK/socat.log" &
	PIDS="$PIDS $!"
}

# One loadgen run; its key=value line goes to results with the server and
# round in front.  A wrong byte fails the whole benchmark at the end.
measure() {	# SERVER ROUND PORT MODE ARGS...
	local srv=$1 round=$2 port=$3 mode=$4 out rc
	shift 4
	out=$("$WORK/loadgen" "$mode" -p "$port" "$@" 2>>"$WORK/loadgen.err")
	rc=$?
	echo "server=$srv round=$round rc=$rc $out" >>"$WORK/results"
	if [ $rc = 1 ]; then
		echo "run.sh: $srv: $mode: WRONG BYTES in the reply" >&2
		BAD=1
	fi
}

# Median over the rounds of key $2 for server $1.
median() {
	grep "server=$1 " "$WORK/results" | grep " mode=$3 " |
	    tr ' ' '\n' | sed -n "s/^$2=//p" | sort -g |
	    awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

errors_of() {
	grep "server=$1 " "$WORK/results" | tr ' ' '\n' |
	    awk -F= '$1 == "errors" || $1 == "bad" { n += $2 } END { print n + 0 }'
}

# ratio A B: A / B with two decimals, "-" when either is missing or zero.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || a + 0 == 0 || b + 0 == 0) print "-"; else printf "%.2f\n", a / b }'
}

run_bench() {
	local servers='' s port round order
	find_caseserv
	build_tools
	for s in $(echo $SERVERS | tr ' ' '\n' | awk '!seen[$0]++'); do
		case $s in caseserv|tcpserver|xinetd|socat) ;; *) die "$s: unknown server" ;; esac
		port=$("$WORK/loadgen" port) || die "no free port"
		if ! "start_$s" "$port"; then
			echo "run.sh: $s: not available, skipped" >&2
			continue
		fi
		if ! wait_ready "$port"; then
			echo "run.sh: $s: did not answer on 127.0.0.1:$port, skipped" >&2
			cat "$WORK/$s.log" >&2 2>/dev/null
			continue
		fi
		servers="$servers $s:$port"
	done
	case $servers in *caseserv:*) ;; *) die "caseserv did not start; see above" ;; esac

	echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "# rounds=$ROUNDS conn: $CONN_ARGS; stream: $STREAM_ARGS; pingpong: $PING_ARGS"
	order=$servers
	for round in $(seq "$ROUNDS"); do
		for s in $order; do
			measure "${s%%:*}" "$round" "${s##*:}" conn $CONN_ARGS
			measure "${s%%:*}" "$round" "${s##*:}" stream $STREAM_ARGS
			measure "${s%%:*}" "$round" "${s##*:}" pingpong $PING_ARGS
		done
		echo "# round $round of $ROUNDS done" >&2
		# Rotate, so that no server always runs first or last.
		set -- $order
		shift
		order="$* ${order%% *}"
	done

	local c_cps c_p99 c_mib c_pp
	c_cps=$(median caseserv conn_per_s conn)
	c_p99=$(median caseserv p99_us conn)
	c_mib=$(median caseserv mib_per_s stream)
	c_pp=$(median caseserv p50_us pingpong)
	echo
	printf '%-10s %9s %10s %10s %9s %6s | %7s %7s %7s %7s\n' \
	    server conn/s p99_ms MiB/s pp50_us errs "conn/s" p99 MiB/s pp50
	printf '%-10s %9s %10s %10s %9s %6s | %s\n' \
	    "" "" "" "" "" "" " caseserv's advantage (x, >1 = caseserv better)"
	for s in $servers; do
		s=${s%%:*}
		local cps p99 mib pp
		cps=$(median "$s" conn_per_s conn)
		p99=$(median "$s" p99_us conn)
		mib=$(median "$s" mib_per_s stream)
		pp=$(median "$s" p50_us pingpong)
		printf '%-10s %9.0f %10.2f %10.0f %9.1f %6s | %7s %7s %7s %7s\n' \
		    "$s" "$cps" "$(awk -v u="$p99" 'BEGIN { print u / 1000 }')" "$mib" "$pp" \
		    "$(errors_of "$s")" \
		    "$(ratio "$c_cps" "$cps")" "$(ratio "$p99" "$c_p99")" \
		    "$(ratio "$c_mib" "$mib")" "$(ratio "$pp" "$c_pp")"
	done
	echo
	echo "# medians of $ROUNDS rounds; conn = connect, 64 B out and back, half-close, EOF"
	if [ -s "$WORK/loadgen.err" ]; then
		echo "# loadgen complained:" >&2
		sort "$WORK/loadgen.err" | uniq -c | head -20 >&2
	fi
}

# Instruction counts of the project's toggle against a naive per-byte loop
# on the same 1 MiB.  (The daemon itself cannot run under valgrind: its
# sandbox calls seccomp(2), which valgrind 3.19 does not know, and the
# daemon rightly refuses to start without its sandbox.)
run_callgrind() {
	command -v valgrind >/dev/null 2>&1 || need_pkg valgrind valgrind ||
	    { echo "run.sh: valgrind: not available, callgrind skipped" >&2; return; }
	[ -f "$SRCDIR/toggle.c" ] || die "toggle.c: not found in $SRCDIR"
	: >"$WORK/config.h"	# toggle.c includes config.h and needs nothing from it
	cc -O2 -Wall -Wextra -I"$WORK" -I"$SRCDIR" -o "$WORK/tglcount" \
	    "$BENCHDIR/tglcount.c" "$SRCDIR/toggle.c" || die "tglcount: build failed"
	valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out" "$WORK/tglcount" \
	    >"$WORK/cg.log" 2>&1 || { cat "$WORK/cg.log" >&2; die "tglcount under callgrind failed"; }
	callgrind_annotate --inclusive=yes "$WORK/cg.out" >"$WORK/cg.txt" 2>&1
	local t n
	t=$(awk '/tgl_apply/ { gsub(",", "", $1); print $1; exit }' "$WORK/cg.txt")
	n=$(awk '/naive_toggle/ { gsub(",", "", $1); print $1; exit }' "$WORK/cg.txt")
	echo
	echo "# callgrind: instructions to toggle 1 MiB (cc -O2, $(cc -dumpfullversion 2>/dev/null || cc -dumpversion))"
	printf '%-14s %12s %8s\n' function Ir Ir/byte
	printf '%-14s %12s %8s\n' tgl_apply "${t:--}" "$(awk -v i="${t:-0}" 'BEGIN { printf "%.2f", i / 1048576 }')"
	printf '%-14s %12s %8s\n' naive_toggle "${n:--}" "$(awk -v i="${n:-0}" 'BEGIN { printf "%.2f", i / 1048576 }')"
	echo "# tgl_apply needs $(ratio "${n:--}" "${t:--}")x fewer instructions than the naive loop"
}

# ---- scale: caseserv against the bare fork-per-connection ceiling --------------

start_scale_caseserv() {	# PORT
	cat >"$WORK/scale.conf" <<-EOF
	listen = ( { host = "127.0.0.1"; port = $1; } );
	user = "nobody";
	max_clients = 100000;
	max_clients_per_host = 0;
	log_level = "warning";
	EOF
	# The acceptor holds two descriptors a session (its pidfd and its
	# channel) and raises its soft limit to the hard one (scale_limits).
	"$CASESERV" -f -e -c "$WORK/scale.conf" 2>>"$WORK/caseserv.log" &
	PIDS="$PIDS $!"
	SCALE_PID=$!
}

start_scale_bare() {	# PORT
	"$WORK/bareserver" -p "$1" -b 128 2>>"$WORK/bareserver.log" &
	PIDS="$PIDS $!"
	SCALE_PID=$!
}

start_scale_filtered() {	# PORT
	"$WORK/bareserver" -s -p "$1" -b 128 2>>"$WORK/bareserver.log" &
	PIDS="$PIDS $!"
	SCALE_PID=$!
}

start_scale_spec() {	# PORT
	"$WORK/bareserver" -S -p "$1" -b 128 2>>"$WORK/bareserver.log" &
	PIDS="$PIDS $!"
	SCALE_PID=$!
}

# Check what 10,000 sessions need, and lower the count if it cannot be had.
scale_limits() {
	local hard need=$((HELD + 256)) pidmax
	hard=$(ulimit -Hn)
	[ "$hard" = unlimited ] || [ "$hard" -ge "$need" ] || ulimit -Hn "$need" 2>/dev/null
	ulimit -Sn "$need" 2>/dev/null || ulimit -Sn "$(ulimit -Hn)"
	if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
		HELD=$(($(ulimit -n) - 256))
		echo "run.sh: scale: ulimit -n $(ulimit -n): holding $HELD sessions" >&2
	fi
	# caseserv's acceptor holds two descriptors a session (pidfd, channel)
	# and can raise its soft limit to the hard one, not beyond.
	hard=$(ulimit -Hn)
	if [ "$hard" != unlimited ] && [ "$hard" -lt $((HELD * 2 + 64)) ]; then
		HELD=$(((hard - 64) / 2 / 100 * 100))
		echo "run.sh: scale: hard ulimit -n $hard (two descriptors a session in caseserv's acceptor): holding $HELD sessions" >&2
	fi
	# One process per session on the server side, two servers never at once.
	pidmax=$(cat /proc/sys/kernel/pid_max)
	if [ "$pidmax" -lt $((HELD * 2 + 2000)) ]; then
		HELD=$(((pidmax - 2000) / 2))
		echo "run.sh: scale: kernel.pid_max $pidmax: holding $HELD sessions" >&2
	fi
	if [ "$(cat /proc/sys/kernel/threads-max)" -lt $((HELD * 2)) ]; then
		echo "run.sh: scale: kernel.threads-max is below $((HELD * 2))" >&2
	fi
}

# The server's own processes: pid $1 and its descendants while idle
# (caseserv: main and the acceptor; the bare server: itself).
keepers_of() {	# PID
	local c
	echo "$1"
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		keepers_of "$c"
	done
}

# Session processes of a server: children of its keepers that are not
# keepers themselves (zombies included).
sessions_count() {	# KEEPERS...
	local k
	for k in "$@"; do
		cat /proc/"$k"/task/*/children 2>/dev/null | tr ' ' '\n'
	done | grep -cvxF -e '' $(printf -- '-e %s ' "$@")
}

# Wait until the server has no more session processes than when idle (a
# previous hold's teardown), 30 s at most.
no_children() {	# PID
	local keep idle
	keep=$(eval echo "\$KEEPERS_$1")
	idle=$(eval echo "\$IDLE_$1")
	for _ in $(seq 300); do
		[ "$(sessions_count $keep)" -le "${idle:-0}" ] && return 0
		sleep 0.1
	done
	return 1
}

scale_measure() {	# SERVER ROUND PORT PID
	local srv=$1 round=$2 port=$3 pid=$4
	measure "$srv" "$round" "$port" conn $SCALE_CONN_ARGS
	no_children "$pid"
	measure "$srv" "$round" "$port" hold -n "$HELD" -c 64 -k 200 -P "$pid" -t 60
	no_children "$pid"
	measure "$srv" "$round" "$port" stream -c 1 $SCALE_STREAM_ARGS
	sed -i "\$s/ mode=stream / mode=stream1 /" "$WORK/results"
	measure "$srv" "$round" "$port" stream -c 4 $SCALE_STREAM_ARGS
	sed -i "\$s/ mode=stream / mode=stream4 /" "$WORK/results"
}

run_scale() {
	local servers='' s port round order
	find_caseserv
	build_tools
	cc -O2 -Wall -Wextra -o "$WORK/bareserver" "$BENCHDIR/bareserver.c" ||
	    die "bareserver: build failed"
	scale_limits
	if [ $QUICK = 1 ]; then
		: "${SCALE_ROUNDS:=${ROUNDS:-1}}"
		SCALE_CONN_ARGS="-n 4000 -c 8 -t 2"
		SCALE_STREAM_ARGS="-m 64 -t 2"
	else
		: "${SCALE_ROUNDS:=${ROUNDS:-3}}"
		SCALE_CONN_ARGS="-n 20000 -c 8 -t 5"
		SCALE_STREAM_ARGS="-m 256 -t 4"
	fi
	for s in caseserv bare filtered spec; do
		port=$("$WORK/loadgen" port) || die "no free port"
		"start_scale_$s" "$port"
		wait_ready "$port" || die "$s did not answer on 127.0.0.1:$port"
		sleep 0.3	# the ready check's session is gone, spares are up
		eval "KEEPERS_$SCALE_PID=\"$(keepers_of "$SCALE_PID" | tr '\n' ' ')\""
		eval "IDLE_$SCALE_PID=0"
		servers="$servers $s:$port:$SCALE_PID"
	done
	echo "# scale: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "# rounds=$SCALE_ROUNDS held=$HELD conn: $SCALE_CONN_ARGS; stream: $SCALE_STREAM_ARGS"
	order=$servers
	for round in $(seq "$SCALE_ROUNDS"); do
		for s in $order; do
			IFS=: read -r name port pid <<<"$s"
			scale_measure "$name" "$round" "$port" "$pid"
		done
		echo "# round $round of $SCALE_ROUNDS done" >&2
		set -- $order
		shift
		order="$* ${order%% *}"
	done
	scale_table
}

scale_median() {	# SERVER KEY MODE [DIVISOR]
	median "$1" "$2" "$3" | awk -v d="${4:-1}" '{ print $1 == "-" ? "-" : $1 / d }'
}

scale_row() {	# LABEL KEY MODE FORMAT [DIVISOR]
	local c b f S
	c=$(scale_median caseserv "$2" "$3" "${5:-1}")
	b=$(scale_median bare "$2" "$3" "${5:-1}")
	f=$(scale_median filtered "$2" "$3" "${5:-1}")
	S=$(scale_median spec "$2" "$3" "${5:-1}")
	printf "| %-38s | %10s | %10s | %10s | %10s | %6s | %6s | %6s |\n" "$1" \
	    "$(awk -v v="$c" -v f="$4" 'BEGIN { if (v == "-") print "-"; else printf f, v }')" \
	    "$(awk -v v="$b" -v f="$4" 'BEGIN { if (v == "-") print "-"; else printf f, v }')" \
	    "$(awk -v v="$f" -v f="$4" 'BEGIN { if (v == "-") print "-"; else printf f, v }')" \
	    "$(awk -v v="$S" -v f="$4" 'BEGIN { if (v == "-") print "-"; else printf f, v }')" \
	    "$(ratio "$c" "$b")" "$(ratio "$f" "$b")" "$(ratio "$S" "$b")"
}

scale_table() {
	echo
	printf "| %-38s | %10s | %10s | %10s | %10s | %6s | %6s | %6s |\n" measure caseserv bare "bare -s" "bare -S" "c/b" "s/b" "S/b"
	printf "|%s|%s|%s|%s|%s|%s|%s|%s|\n" "$(printf -- '-%.0s' $(seq 40))" "------------" "------------" "------------" "------------" "--------" "--------" "--------"
	scale_row "short sessions/s, 8 clients" conn_per_s conn "%.0f"
	scale_row "  CPU a short session (loadgen = 1)" cpu_units conn "%.2f"
	scale_row "set-up rate, $HELD sessions (/s)" setup_per_s hold "%.0f"
	scale_row "  CPU a set-up (loadgen = 1)" setup_cpu_units hold "%.2f"
	scale_row "PSS per held session (KiB)" pss_per_session_kib hold "%.1f"
	scale_row "fresh session p50 while held (ms)" fresh_p50_us hold "%.2f" 1000
	scale_row "teardown of $HELD sessions (ms)" teardown_ms hold "%.0f"
	scale_row "throughput, 1 connection (MiB/s)" mib_per_s stream1 "%.0f"
	scale_row "throughput, 4 connections (MiB/s)" mib_per_s stream4 "%.0f"
	echo
	echo "# medians of $SCALE_ROUNDS rounds, the servers taking turns; c/b = caseserv / bare,"
	echo "# s/b = bare -s (a seccomp filter in every session, SPEC section 5) / bare,"
	echo "# S/b = bare -S (everything SPEC sections 5 and 7 ask of each session) / bare"
	echo "# (above 1 is better for the first in rates and throughput, worse in CPU, PSS and times;"
	echo "# CPU: the whole machine's, busy, in units of the load generator's own)"
	echo "# errors: caseserv $(errors_of caseserv), bare $(errors_of bare), bare -s $(errors_of filtered), bare -S $(errors_of spec)"
	if [ -s "$WORK/loadgen.err" ]; then
		echo "# loadgen complained:" >&2
		sort "$WORK/loadgen.err" | uniq -c | head -20 >&2
	fi
}

case $WHAT in
bench) run_bench ;;
callgrind) run_callgrind ;;
scale) run_scale ;;
all) run_bench; run_callgrind ;;
esac
[ $BAD = 0 ] || { echo "run.sh: some server sent wrong bytes" >&2; exit 1; }
exit 0
