#!/bin/sh
# test_haproxy.sh - caseserv behind a real HAProxy (issue 14).
#
# HAProxy on two free loopback ports in front of two caseserv instances:
# frontend fa -> caseserv A with send-proxy (v1), frontend fb -> caseserv
# B with send-proxy-v2.  HAProxy connects to the backends from 127.0.0.1
# (the trusted proxy); the test's clients connect to HAProxy from
# 127.0.0.2 (and 127.0.0.3), so caseserv's log must name those, with
# via= the proxy.  Then: deny for a client's address refuses it through
# the proxy, max_clients_per_host = 1 counts the real client, a direct
# connection from an address outside trusted_proxies is refused, and a
# malformed or slow header ends with proxy_error.
#
# Needs haproxy (Debian package haproxy) and nc (netcat-openbsd); skips
# (77) without haproxy.  Runs as any user; as root caseserv drops to nobody.
set -u

CASESERV=${CASESERV:-src/caseserv}
HAPROXY=$(command -v haproxy || ls /usr/sbin/haproxy 2>/dev/null || true)
if [ -z "$HAPROXY" ] || [ ! -x "$HAPROXY" ]; then
	echo "test_haproxy: SKIP: haproxy not installed (Debian package haproxy; sh install-deps.sh)"
	exit 77
fi
command -v nc >/dev/null || { echo "test_haproxy: nc (netcat-openbsd) missing"; exit 99; }

DIR=$(mktemp -d /tmp/caseserv-haproxy.XXXXXX) || exit 99
chmod 755 "$DIR"
PIDS=
fails=0

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	if [ "$fails" -ne 0 ]; then
		for f in "$DIR"/*.log; do echo "--- $f"; tail -n 40 "$f"; done
	fi
	rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# A port nothing listens on, on any address (ss), from a pseudo-random start.
used_ports=
free_port() {
	p=$(( ($$ * 7 + $(date +%N | sed 's/^0*//;s/^$/1/')) % 30000 + 20000 ))
	while ss -Htan | awk '{print $4}' | grep -q ":$p\$" ||
	    echo " $used_ports " | grep -q " $p "; do
		p=$((p + 1))
	done
	used_ports="$used_ports $p"
	echo "$p"
}

# wait_log FILE TEXT: up to 10 s for TEXT (fixed string) in FILE.
wait_count() {	# wait_count FILE TEXT N: N lines with TEXT, or 1 after 10 s
	i=0
	while [ "$(grep -cF -- "$2" "$1" 2>/dev/null)" -lt "$3" ]; do
		i=$((i + 1))
		[ $i -ge 100 ] && return 1
		sleep 0.05
	done
}

wait_log() {
	i=0
	while ! grep -qF -- "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -ge 100 ] && return 1
		sleep 0.1
	done
}

count_log() { grep -cF -- "$2" "$1" 2>/dev/null; }

# send SRC PORT TEXT: one client from SRC to 127.0.0.1:PORT; prints the answer.
send() {
	printf '%s' "$3" | nc -N -w 5 -s "$1" 127.0.0.1 "$2" 2>/dev/null
}

PA=$(free_port); PB=$(free_port); HA=$(free_port); HB=$(free_port)

for n in a b; do
	port=$PA; [ $n = b ] && port=$PB
	cat >"$DIR/$n.conf" <<EOF
listen = ( { host = "127.0.0.1"; port = $port; proxy_protocol = true; } );
user = "nobody";
trusted_proxies = ( "127.0.0.1", "::1" );
proxy_timeout = 1;
max_clients_per_host = 1;
deny = ( "127.0.0.3" );
EOF
	"$CASESERV" -f -e -c "$DIR/$n.conf" >"$DIR/caseserv-$n.log" 2>&1 &
	PIDS="$PIDS $!"
done
wait_log "$DIR/caseserv-a.log" "listening on 127.0.0.1:$PA" &&
    wait_log "$DIR/caseserv-b.log" "listening on 127.0.0.1:$PB" ||
    { fail "caseserv did not start"; exit 1; }

cat >"$DIR/haproxy.cfg" <<EOF
global
	maxconn 200
	pidfile $DIR/haproxy.pid
defaults
	mode tcp
	timeout connect 5s
	timeout client 10s
	timeout server 10s
frontend fa
	bind 127.0.0.1:$HA
	default_backend ba
frontend fb
	bind 127.0.0.1:$HB
	default_backend bb
backend ba
	server a 127.0.0.1:$PA send-proxy source 127.0.0.1
backend bb
	server b 127.0.0.1:$PB send-proxy-v2 source 127.0.0.1
EOF
"$HAPROXY" -c -q -f "$DIR/haproxy.cfg" >"$DIR/haproxy-check.log" 2>&1 ||
    { fail "haproxy -c: $(cat "$DIR/haproxy-check.log")"; exit 1; }
"$HAPROXY" -db -f "$DIR/haproxy.cfg" >"$DIR/haproxy.log" 2>&1 &
HPID=$!
PIDS="$HPID $PIDS"
i=0
until ss -Htln | awk '{print $4}' | grep -q ":$HB\$"; do
	i=$((i + 1)); [ $i -ge 100 ] && { fail "haproxy did not listen"; exit 1; }
	sleep 0.1
done

# 1. Through each backend: toggled, logged with the client and via=.
for n in a b; do
	hp=$HA; [ $n = b ] && hp=$HB
	log="$DIR/caseserv-$n.log"
	got=$(send 127.0.0.2 "$hp" "Hello, HAProxy $n")
	want=$(printf 'Hello, HAProxy %s' "$n" | tr 'a-zA-Z' 'A-Za-z')
	[ "$got" = "$want" ] && ok "$n: toggled through haproxy" ||
	    fail "$n: got '$got', want '$want'"
	wait_log "$log" "close peer=127.0.0.2:" ||
	    fail "$n: no close line naming the client"
	line=$(grep -F "open peer=127.0.0.2:" "$log" | head -n 1)
	case $line in
	*"via=127.0.0.1:"*) ok "$n: $line" ;;
	*) fail "$n: open line '$line'" ;;
	esac
done

# 2. Figures: 50 sessions through each backend, one after another.  With
# max_clients_per_host = 1 the next one starts once the daemon has seen
# the last one end (its close line): a client that reconnects before the
# session is reaped is refused, rightly.
for n in a b; do
	hp=$HA; [ $n = b ] && hp=$HB
	log="$DIR/caseserv-$n.log"
	t0=$(date +%s%N); good=0
	base=$(grep -cF "close peer=127.0.0.2:" "$log")
	for k in $(seq 1 50); do
		[ "$(send 127.0.0.2 "$hp" "round $k")" = "ROUND $k" ] && good=$((good + 1))
		# max_clients_per_host is 1: the next one waits for this one's
		# end to be reaped (slow where sessions write gcov counters).
		wait_count "$log" "close peer=127.0.0.2:" $((base + good))
	done
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	echo "figures: $n: $good/50 sessions toggled through haproxy in $ms ms"
	[ $good -eq 50 ] || fail "$n: only $good of 50"
done

# 3. deny names the client (127.0.0.3): refused through the proxy.
for n in a b; do
	hp=$HA; [ $n = b ] && hp=$HB
	got=$(send 127.0.0.3 "$hp" "denied")
	[ -z "$got" ] && ok "$n: denied client got nothing" || fail "$n: denied client got '$got'"
	wait_log "$DIR/caseserv-$n.log" "refused peer=127.0.0.3:" &&
	    grep -F "refused peer=127.0.0.3:" "$DIR/caseserv-$n.log" |
	    grep -q "via=127.0.0.1:[0-9]* reason=acl" && ok "$n: refused reason=acl via the proxy" ||
	    fail "$n: no refused line for 127.0.0.3"
done

# 4. max_clients_per_host = 1 counts the client: one held from 127.0.0.2,
# a second from 127.0.0.2 refused, one from 127.0.0.4 served.
for n in a b; do
	hp=$HA; [ $n = b ] && hp=$HB
	log="$DIR/caseserv-$n.log"
	before=$(count_log "$log" "open peer=127.0.0.2:")
	(printf 'held'; sleep 3) | nc -N -w 5 -s 127.0.0.2 127.0.0.1 "$hp" >"$DIR/held-$n" 2>&1 &
	held=$!
	i=0
	while [ "$(count_log "$log" "open peer=127.0.0.2:")" -le "$before" ]; do
		i=$((i + 1)); [ $i -ge 100 ] && break; sleep 0.1
	done
	got=$(send 127.0.0.2 "$hp" "second")
	[ -z "$got" ] && ok "$n: second session of 127.0.0.2 got nothing" ||
	    fail "$n: second session of 127.0.0.2 got '$got'"
	wait_log "$log" "reason=max_clients_per_host" &&
	    grep -F "reason=max_clients_per_host" "$log" | grep -q "refused peer=127.0.0.2:[0-9]* via=127.0.0.1:" &&
	    ok "$n: refused peer=127.0.0.2 via the proxy reason=max_clients_per_host" ||
	    fail "$n: no max_clients_per_host refusal for 127.0.0.2"
	got=$(send 127.0.0.4 "$hp" "other host")
	[ "$got" = "OTHER HOST" ] && ok "$n: another client served meanwhile" ||
	    fail "$n: 127.0.0.4 got '$got'"
	wait "$held"
	[ "$(cat "$DIR/held-$n")" = "HELD" ] || fail "$n: held session got '$(cat "$DIR/held-$n")'"
done

# 5. Direct, from an address outside trusted_proxies: refused.
got=$(send 127.0.0.2 "$PA" "PROXY TCP4 192.0.2.7 127.0.0.1 1 2
forged")
[ -z "$got" ] && ok "untrusted peer got nothing" || fail "untrusted peer got '$got'"
wait_log "$DIR/caseserv-a.log" "refused peer=127.0.0.2:" &&
    grep -F "refused peer=127.0.0.2:" "$DIR/caseserv-a.log" | grep -q "reason=untrusted_proxy" &&
    ok "refused reason=untrusted_proxy" || fail "no untrusted_proxy refusal"

# 6. From the trusted address but no valid header: malformed, then slow.
got=$(send 127.0.0.1 "$PB" "GET / HTTP/1.0

")
[ -z "$got" ] && ok "malformed header: nothing served" || fail "malformed header got '$got'"
got=$( (sleep 3) | nc -w 5 -s 127.0.0.1 127.0.0.1 "$PB" 2>/dev/null)
[ -z "$got" ] && ok "slow header: nothing served" || fail "slow header got '$got'"
i=0
while [ "$(count_log "$DIR/caseserv-b.log" "reason=proxy_error")" -lt 2 ]; do
	i=$((i + 1)); [ $i -ge 100 ] && break; sleep 0.1
done
n=$(count_log "$DIR/caseserv-b.log" "reason=proxy_error")
[ "$n" -eq 2 ] && ok "two proxy_error close lines" || fail "$n proxy_error lines, want 2"
# The slow one ended at proxy_timeout (1 s), not when the client left.
ms=$(grep -F "reason=proxy_error" "$DIR/caseserv-b.log" | tail -n 1 |
    sed -n 's/.* ms=\([0-9]*\) .*/\1/p')
echo "figures: slow header closed after ${ms:-?} ms (proxy_timeout = 1)"
[ "${ms:-0}" -ge 900 ] && [ "${ms:-0}" -lt 2500 ] ||
    fail "slow header: ms=${ms:-?}, want about 1000"

# Nothing logged a violation, and everyone is still up.
for n in a b; do
	if grep -qE "killed|report:" "$DIR/caseserv-$n.log"; then
		fail "$n: $(grep -E 'killed|report:' "$DIR/caseserv-$n.log" | head -n 1)"
	fi
done
kill -0 "$HPID" 2>/dev/null || fail "haproxy died"
echo "test_haproxy: $fails failure(s)"
[ "$fails" -eq 0 ]
