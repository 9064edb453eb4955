#!/bin/sh
# test_systemd.sh - the user's own path, under a real systemd.
#
# Boots this machine's own root as a container (systemd-nspawn over an
# overlay of / whose upper layer is a tmpfs, with a private network, so
# port 1205 is free and nothing outside the overlay changes), then, inside
# it, does what a new user does from a clean tree:
#
#   ./configure && make && make install; edit /etc/caseserv.conf;
#   systemctl start / reload / stop; a broken edit and a reload;
#   socket activation; a watchdog drop-in; inetd-style Accept=yes;
#   the journal, rsyslog's file, systemd-analyze security; reload onto
#   host names under files/dns, nscd and nss-resolve.
#
# Root only; skips (77) with the reason where systemd-nspawn cannot run.
# Every check prints "ok N - what" or "not ok N - what"; exit 1 if any
# failed.  CASESERV_SYSTEM_KEEP=1 leaves the container up for a look.

set -u
srcdir=${CASESERV_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

skip() { echo "SKIP: $*"; exit 77; }

[ "$(id -u)" -eq 0 ] || skip "needs root (systemd-nspawn, mounts)"
for t in systemd-nspawn nsenter mount nc; do
	command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
done
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
    skip "no overlay file system"

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() {	# check "what" command...: ok when the command succeeds
	what=$1; shift
	if "$@"; then ok "$what"; else nok "$what"; fi
}

work=$(mktemp -d /tmp/cs-systemd.XXXXXX) || exit 99
root=$work/root
mach=cstest$$
nspawn=
leader=

cleanup() {
	if [ -n "${CASESERV_SYSTEM_KEEP:-}" ]; then
		echo "# kept: nsenter -t $leader -a sh; stop: kill $nspawn"
		return
	fi
	if [ -n "$nspawn" ] && kill -0 "$nspawn" 2>/dev/null; then
		# systemd-nspawn turns SIGTERM into an orderly shutdown of the
		# container's systemd; SIGKILL only if that takes too long.
		kill -TERM "$nspawn" 2>/dev/null
		i=0
		while kill -0 "$nspawn" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.2; i=$((i + 1))
		done
	fi
	[ -n "$nspawn" ] && kill -9 "$nspawn" 2>/dev/null
	[ -n "$nspawn" ] && wait "$nspawn" 2>/dev/null
	umount -l "$root" 2>/dev/null
	umount -l "$work/up" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 99' INT TERM

# ---- the container -----------------------------------------------------------
mkdir -p "$work/up" "$root" || exit 99
mount -t tmpfs -o mode=0755 tmpfs "$work/up" || skip "cannot mount a tmpfs"
mkdir -p "$work/up/u" "$work/up/w"
mount -t overlay overlay \
    -o "lowerdir=/,upperdir=$work/up/u,workdir=$work/up/w" "$root" ||
    skip "cannot mount an overlay of /"
# nspawn mounts its own; machine-id: the container makes one of its own.
rm -rf "$root/dev/console" "$root/dev/pts" "$root/dev/shm" \
    "$root/etc/machine-id"
# The user's machine has no caseserv yet, whatever this one has.
rm -f "$root/etc/caseserv.conf" "$root/usr/local/etc/caseserv.conf" \
    "$root/usr/local/sbin/caseserv"
rm -rf "$root/etc/systemd/system/caseserv"* \
    "$root/usr/local/lib/systemd/system/caseserv"*
if chroot "$root" getent passwd caseserv >/dev/null; then
	chroot "$root" userdel caseserv >/dev/null 2>&1
	chroot "$root" groupdel caseserv >/dev/null 2>&1
fi
# Services this machine may carry that the test does not need: boot faster.
for u in postgresql.service docker.service containerd.service \
    nginx.service redis-server.service memcached.service haproxy.service \
    fail2ban.service nscd.service apt-daily.timer apt-daily-upgrade.timer \
    e2scrub_reap.service man-db.timer; do
	ln -sf /dev/null "$root/etc/systemd/system/$u"
done

# The clean tree the user starts from: the tracked files of this checkout,
# else (a release tarball) the source directory as it is.
mkdir -p "$root/root/caseserv"
if [ -e "$srcdir/.git" ]; then
	(cd "$srcdir" && git ls-files -z | xargs -0 tar -cf - --no-recursion) |
	    tar -C "$root/root/caseserv" -xf - || exit 99
else
	(cd "$srcdir" && tar -cf - --exclude=./build-san --exclude=./_build \
	    --exclude=./_inst .) |
	    tar -C "$root/root/caseserv" -xf - || exit 99
fi

systemd-nspawn -q -D "$root" -M "$mach" --private-network -b \
    --register=no --keep-unit </dev/null >"$work/boot.log" 2>&1 &
nspawn=$!
i=0
while [ -z "$leader" ] && [ $i -lt 100 ]; do
	sleep 0.2; i=$((i + 1))
	kill -0 "$nspawn" 2>/dev/null || break
	leader=$(pgrep -P "$nspawn" | head -n 1)
done
if [ -z "$leader" ]; then
	tail -n 20 "$work/boot.log"
	skip "systemd-nspawn could not boot the container"
fi
echo "# container $mach: nspawn pid $nspawn, init pid $leader"

in_ct() {	# a clean environment inside the container
	nsenter -t "$leader" -a env -i PATH="$PATH" HOME=/root LANG=C.UTF-8 \
	    TERM=dumb SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"
}
sh_ct() { in_ct sh -c "$1"; }

# Until systemd answers on its bus, then until start-up is over.
i=0 state=
while [ $i -lt 600 ]; do
	state=$(in_ct timeout 5 systemctl is-system-running 2>/dev/null)
	# offline: what answers before the container's systemd has started.
	case $state in initializing|starting|offline|"") ;; *) break ;; esac
	sleep 0.2; i=$((i + 1))
done
echo "# system state after boot: $state"
case $state in
running|degraded) ;;
*)	tail -n 30 "$work/boot.log"; nok "container booted ($state)"; exit 1 ;;
esac

# A client inside the container's private network.
flip() {	# flip HOST PORT: send a line, print the answer
	printf 'Hello, World\n' |
	    timeout 5 nsenter -t "$leader" -n nc -N "$1" "$2" 2>/dev/null
}
serves() { [ "$(flip "$1" "$2")" = "hELLO, wORLD" ]; }
refuses() { ! flip "$1" "$2" | grep -q .; }
waitfor() {	# waitfor SECONDS command...: poll until it succeeds
	w=$1; shift; i=0
	while [ $i -lt $((w * 5)) ]; do
		"$@" && return 0
		sleep 0.2; i=$((i + 1))
	done
	return 1
}
unit_prop() { in_ct systemctl show -P "$2" "$1"; }
active() { [ "$(in_ct systemctl is-active "$1")" = active ]; }
journal() { in_ct journalctl -q --no-pager -o cat "$@"; }
count_in() {	# count_in PATTERN: lines of the last journal output matching
	grep -c -- "$1" "$work/j" || true
}
exposure() {
	in_ct systemd-analyze security --no-pager "$1" 2>/dev/null |
	    sed -n 's/.*Overall exposure level for [^:]*: *\([0-9.]*\).*/\1/p'
}
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 <= b + 0) }'; }

# ---- 1. ./configure && make && make install, nothing else --------------------
sh_ct 'cd /root/caseserv && autoreconf -fi && ./configure && make -j2 &&
    make install' >"$work/build.log" 2>&1
rc=$?
check "autoreconf -fi && ./configure && make && make install (exit $rc)" \
    [ $rc -eq 0 ]
[ $rc -eq 0 ] || { tail -n 40 "$work/build.log"; exit 1; }
check "make install put the configuration at /etc/caseserv.conf" \
    in_ct test -f /etc/caseserv.conf
check "make install created the caseserv account" \
    in_ct getent passwd caseserv
check "the binary reads /etc/caseserv.conf by default" \
    sh_ct 'caseserv -h | grep -q "default /etc/caseserv.conf"'

# ---- 2. systemctl start: the shipped configuration ----------------------------
in_ct systemctl daemon-reload
check "systemctl start caseserv" in_ct systemctl start caseserv
check "serves 127.0.0.1:1205" waitfor 5 serves 127.0.0.1 1205
check "serves [::1]:1205" serves ::1 1205
pid=$(unit_prop caseserv MainPID)
check "the master runs as caseserv" \
    sh_ct "grep -q \"^Uid:.*\$(id -u caseserv)\" /proc/$pid/status"
check "ps names main" \
    sh_ct "ps -o args= -p $pid | grep -q 'caseserv: main \\[listeners=2\\]'"
apid=$(in_ct pgrep -P "$pid" -x caseserv-acc)
check "ps names the acceptor, main's child" \
    sh_ct "ps -o args= -p ${apid:-0} | grep -q 'caseserv: acceptor \\[listeners=2 sessions=0\\]'"
# (Seccomp_filters counts the unit's own filters too.)
check "the acceptor has no capability and is filtered" \
    sh_ct "grep -q '^CapPrm:.*0000000000000000' /proc/${apid:-0}/status &&
        grep -q '^CapEff:.*0000000000000000' /proc/${apid:-0}/status &&
        grep -q '^Seccomp:.*2' /proc/${apid:-0}/status"

# ---- 3. edit /etc/caseserv.conf, systemctl reload -----------------------------
# As a user would: a second listener next to the shipped one.
sh_ct 'sed -i "s/{ host = \"localhost\"; port = 1205; }/&,\n  { host = \"localhost\"; port = 1206; }/" /etc/caseserv.conf'
check "the edited file passes caseserv -t" sh_ct 'caseserv -t'
check "systemctl reload after an edit" in_ct systemctl reload caseserv
check "the new listener [::1]:1206 serves" waitfor 5 serves ::1 1206
check "the old one still serves" serves 127.0.0.1 1205
check "same master after reload" [ "${pid:-0}" != 0 ] &&
    [ "$(unit_prop caseserv MainPID)" = "$pid" ]

# ---- 4. a broken edit: reload fails visibly, the old configuration serves ------
sh_ct 'cp /etc/caseserv.conf /root/good.conf && echo "max_client = 3;" >> /etc/caseserv.conf'
in_ct systemctl reload caseserv >/dev/null 2>&1
check "systemctl reload fails on a broken file" [ $? -ne 0 ]
check "still active" active caseserv
check "the old configuration still serves :1206" serves 127.0.0.1 1206
journal -u caseserv >"$work/j"
check "the journal names the broken line" \
    grep -q "caseserv.conf:[0-9]*: unknown setting 'max_client'" "$work/j"
sh_ct 'cp /root/good.conf /etc/caseserv.conf'

# ---- 5. a file the run user cannot read: reload would fail, and says so ------
sh_ct 'chmod 0600 /etc/caseserv.conf'
in_ct systemctl reload caseserv >/dev/null 2>&1
check "reload refuses a file caseserv cannot read" [ $? -ne 0 ] && active caseserv
journal -u caseserv >"$work/j"
check "the journal says the run user cannot read it" \
    grep -q "caseserv.conf.*not readable by user caseserv" "$work/j"
sh_ct 'chmod 0644 /etc/caseserv.conf'
check "still serving after it" serves 127.0.0.1 1205

# ---- 6. STATUS= and the journal ------------------------------------------------
flip 127.0.0.1 1205 >/dev/null
check "STATUS= summarises sessions" waitfor 3 sh -c \
    "nsenter -t $leader -a systemctl show -P StatusText caseserv | grep -q 'accepted='"

# ---- 7. rsyslog's file -------------------------------------------------------------
if in_ct test -x /usr/sbin/rsyslogd; then
	in_ct install -m 0644 /root/caseserv/contrib/rsyslog-caseserv.conf \
	    /etc/rsyslog.d/30-caseserv.conf
	in_ct systemctl restart rsyslog
	waitfor 5 active rsyslog
	flip ::1 1205 >/dev/null
	check "rsyslog writes /var/log/caseserv.log" waitfor 5 \
	    sh -c "nsenter -t $leader -a grep -q 'close peer=\[::1\]' /var/log/caseserv.log"
	c=$(in_ct grep -c 'close peer=\[::1\]' /var/log/caseserv.log)
	check "each session logged once in the file ($c)" [ "$c" = 1 ]
else
	nok "rsyslog is installed (install-deps.sh)"
fi

# ---- 8. systemctl stop -----------------------------------------------------------
check "systemctl stop caseserv" in_ct systemctl stop caseserv
check "inactive after stop" [ "$(in_ct systemctl is-active caseserv)" = inactive ]
check "port 1205 closed" refuses 127.0.0.1 1205
journal -u caseserv >"$work/j"
check "exited cleanly" grep -q "exiting" "$work/j"

# ---- 9. a start-up failure reaches the journal once -------------------------------
in_ct systemd-run -q --unit=cs-occupy -p Type=simple nc -l 127.0.0.1 1207
sh_ct 'cp /root/good.conf /etc/caseserv.conf &&
    sed -i "s/port = 1206;/port = 1207;/" /etc/caseserv.conf'
waitfor 5 sh -c "nsenter -t $leader -n ss -ltn | grep -q 127.0.0.1:1207"
in_ct journalctl --rotate >/dev/null 2>&1
since=$(in_ct date +%s)
in_ct systemctl start caseserv >/dev/null 2>&1
check "start fails when the port is taken" [ $? -ne 0 ]
sleep 1
# By identifier, not unit: journald ties a syslog line to its unit through
# the sender's cgroup, which a process that has just exited no longer has;
# a second copy on standard error would carry the same identifier.
journal -t caseserv --since "@$since" >"$work/j"
c=$(count_in 'bind: 127.0.0.1:1207')
check "the bind failure reaches the journal once ($c)" [ "$c" = 1 ]
[ "$c" = 1 ] || sed 's/^/# journal: /' "$work/j"
in_ct systemctl stop cs-occupy >/dev/null 2>&1
in_ct systemctl reset-failed caseserv >/dev/null 2>&1
sh_ct 'cp /root/good.conf /etc/caseserv.conf'

# ---- 10. exposure ------------------------------------------------------------------
e=$(exposure caseserv.service)
check "systemd-analyze security caseserv.service: $e <= 2.1" le "$e" 2.1
e=$(exposure caseserv-activated.service)
check "systemd-analyze security caseserv-activated.service: $e <= 1.0" le "$e" 1.0

# ---- 11. the watchdog ------------------------------------------------------------
sh_ct 'mkdir -p /etc/systemd/system/caseserv.service.d &&
    printf "[Service]\nWatchdogSec=2s\nTimeoutAbortSec=2s\nRestartSec=1s\n" \
        >/etc/systemd/system/caseserv.service.d/watchdog.conf'
in_ct systemctl daemon-reload
in_ct systemctl start caseserv
r0=$(unit_prop caseserv NRestarts)
wpid=$(unit_prop caseserv MainPID)
sleep 5
fed() {	# the same master, never restarted, still active
	[ "$(unit_prop caseserv NRestarts)" = "$r0" ] &&
	    [ "$(unit_prop caseserv MainPID)" = "$wpid" ] && active caseserv
}
check "a healthy loop keeps the watchdog fed (5 s at WatchdogSec=2s)" fed
# The pid is the container's: signalled from inside it.
[ "${wpid:-0}" != 0 ] && in_ct kill -STOP "$wpid"
check "a stuck master is restarted by the watchdog" waitfor 20 sh -c \
    "[ \"\$(nsenter -t $leader -a systemctl show -P NRestarts caseserv)\" -gt $r0 ]"
journal -u caseserv >"$work/j"
check "the journal says why: watchdog timeout" grep -q "[Ww]atchdog timeout" "$work/j"
check "serving again after the watchdog restart" waitfor 20 serves 127.0.0.1 1205
# main sends WATCHDOG=1 only while the acceptor reports: a stuck acceptor
# stops the keep-alive as surely.
r1=$(unit_prop caseserv NRestarts)
wpid=$(unit_prop caseserv MainPID)
apid=$(in_ct pgrep -P "${wpid:-0}" -x caseserv-acc)
[ "${apid:-0}" != 0 ] && in_ct kill -STOP "$apid"
check "a stuck acceptor is restarted by the watchdog" waitfor 20 sh -c \
    "[ \"\$(nsenter -t $leader -a systemctl show -P NRestarts caseserv)\" -gt $r1 ]"
check "serving again after that restart" waitfor 20 serves 127.0.0.1 1205
in_ct systemctl stop caseserv
sh_ct 'rm -rf /etc/systemd/system/caseserv.service.d'
in_ct systemctl daemon-reload

# ---- 12. socket activation: no privilege at all ---------------------------------------
check "systemctl start caseserv.socket" in_ct systemctl start caseserv.socket
check "a connection starts the service (127.0.0.1)" waitfor 5 serves 127.0.0.1 1205
check "and serves [::1]:1205" serves ::1 1205
apid=$(unit_prop caseserv-activated.service MainPID)
st=$(in_ct cat /proc/"$apid"/status 2>/dev/null)
uid=$(in_ct id -u caseserv)
check "the activated master is uid caseserv" \
    sh -c "echo '$st' | grep -q '^Uid:[[:space:]]*$uid[[:space:]]'"
for c in CapEff CapPrm CapBnd CapAmb; do
	check "the activated master has no $c" \
	    sh -c "echo '$st' | grep -q '^$c:[[:space:]]*0*$'"
done
check "reload keeps the handed-over sockets" \
    in_ct systemctl reload caseserv-activated.service
check "still serving after reload" serves 127.0.0.1 1205
journal -u caseserv-activated >"$work/j"
check "the journal says the sockets come from systemd" \
    grep -q "socket activation" "$work/j"
in_ct systemctl stop caseserv.socket caseserv-activated.service

# ---- 13. inetd style: Accept=yes ---------------------------------------------------
check "systemctl start caseserv-inetd.socket" \
    in_ct systemctl start caseserv-inetd.socket
check "an Accept=yes instance serves" waitfor 5 serves 127.0.0.1 1205
in_ct systemctl stop caseserv-inetd.socket

# ---- 14. the sysvinit script, its daemon adopted by a subreaper --------------
# Not PID 1's child, as under a supervisor or in a container: the script
# must still find, reload and stop the master (no pidfile configured).
sh_ct 'sed "s/port = 1205;/port = 1208;/" /root/good.conf > /etc/caseserv-sysv.conf &&
    install -m 0755 /root/caseserv/contrib/caseserv.init /etc/init.d/caseserv &&
    echo CONFIG=/etc/caseserv-sysv.conf > /etc/default/caseserv'
cat >"$root/root/sysv.py" <<'PY'
import ctypes, os, socket, subprocess, sys, time
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)	# PR_SET_CHILD_SUBREAPER
env = dict(os.environ, SYSTEMCTL_SKIP_REDIRECT="1")
def run(arg):
    return subprocess.run(["/etc/init.d/caseserv", arg], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
def flip():
    try:
        with socket.create_connection(("127.0.0.1", 1208), timeout=3) as c:
            c.sendall(b"Hello\n"); c.shutdown(socket.SHUT_WR)
            return c.recv(64) == b"hELLO\n"
    except OSError:
        return False
def ppid(pid):
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])
print("start", run("start"))
pid = int(open("/run/caseserv/caseserv.pid").read())
print("adopted", ppid(pid) == os.getpid())
print("serves", flip())
print("status", run("status"))
print("reload", run("reload"))
print("serves_after_reload", flip())
print("stop", run("stop"))
# Adopted, so ours to reap: a zombie is a stopped master.
try:
    gone = os.waitpid(pid, os.WNOHANG)[0] == pid
except ChildProcessError:
    gone = not os.path.exists("/proc/%d" % pid)
print("gone", gone)
print("status_stopped", run("status"))
PY
in_ct python3 /root/sysv.py >"$work/sysv" 2>&1
sed "s/^/# sysv: /" "$work/sysv"
sysv() { grep -qx "$1" "$work/sysv"; }
check "init script start (parent not PID 1)" sysv "start 0"
check "the master was adopted by the subreaper, not init" sysv "adopted True"
check "it serves" sysv "serves True"
check "init script status finds it" sysv "status 0"
check "init script reload" sysv "reload 0"
check "serves after reload" sysv "serves_after_reload True"
check "init script stop" sysv "stop 0"
check "the master is gone" sysv "gone True"
check "status says stopped (3)" sysv "status_stopped 3"

# ---- 15. host names on reload, under every NSS set-up ---------------------------
# A reload resolves listen hosts in the running master (SPEC 3, 4): with
# plain files/dns, with nscd, and with nss-resolve (systemd-resolved).  The
# packages this machine lacks are fetched here as .debs (into a cache kept
# between runs) and installed in the container only.  The master resolves
# under its allow-list seccomp filter (until the privsep layout moves
# resolution out of it): a system call an NSS module makes that the filter
# does not list kills it, and shows here as a failed reload, a master
# restarted and a SIGSYS in the journal.
debs=${CASESERV_DEB_CACHE:-/var/cache/caseserv-test/debs}
fetch_debs() {	# fetch_debs PKG...: .debs of PKG in $debs (once); their paths
	mkdir -p "$debs" && chmod 0755 "$debs" || return 1
	for p in "$@"; do
		ls "$debs/${p}_"*.deb >/dev/null 2>&1 ||
		    (cd "$debs" && apt-get download -q "$p" >/dev/null 2>&1) ||
		    return 1
		ls "$debs/${p}_"*.deb | tail -n 1
	done
}
nss_conf() {	# nss_conf PORT [NAME]: the good file, listening on host names
	extra=
	[ -n "${2:-}" ] && extra=", { host = \"$2\"; port = $1; }"
	sh_ct "sed '/^listen = (/,/^);/d' /root/good.conf >/etc/caseserv.conf &&
	    echo 'listen = ( { host = \"localhost\"; port = 1205; },
	      { host = \"localhost\"; port = $1; },
	      { host = \"caseserv-nss.test\"; port = $1; }$extra );' \
	    >>/etc/caseserv.conf"
}
nss_reload() {	# nss_reload WHAT PORT [NAME]: reload onto host names, check
	nss=$1 port=$2
	r0=$(unit_prop caseserv NRestarts)
	npid=$(unit_prop caseserv MainPID)
	nss_conf "$port" "${3:-}"
	in_ct journalctl --rotate >/dev/null 2>&1
	since=$(in_ct date +%s)
	in_ct systemctl reload caseserv >/dev/null 2>&1
	rc=$?
	sleep 1
	journal -u caseserv --since "@$since" >"$work/j"
	check "$nss: systemctl reload onto host names (exit $rc)" \
	    [ $rc -eq 0 ]
	check "$nss: reload ok in the journal" grep -q "reload ok" "$work/j"
	check "$nss: serves a name from /etc/hosts (127.0.0.7:$port)" \
	    waitfor 3 serves 127.0.0.7 "$port"
	check "$nss: serves localhost's 127.0.0.1:$port" \
	    serves 127.0.0.1 "$port"
	check "$nss: the same master, not restarted" \
	    [ "$(unit_prop caseserv MainPID)" = "$npid" ] &&
	    [ "$(unit_prop caseserv NRestarts)" = "$r0" ] && active caseserv
	if grep -q "status=31/SYS\|SIGSYS\|Bad system call" "$work/j"; then
		echo "# $nss: the master died of SIGSYS:"
		grep -i "sys" "$work/j" | sed 's/^/#   /' | head -n 5
	fi
}
sh_ct 'echo "127.0.0.7 caseserv-nss.test" >> /etc/hosts &&
    cp /etc/nsswitch.conf /root/nsswitch.conf.orig'
sh_ct 'cp /root/good.conf /etc/caseserv.conf'
in_ct systemctl start caseserv
check "caseserv started for the NSS checks" waitfor 5 serves 127.0.0.1 1205

sh_ct 'sed -i "s/^hosts:.*/hosts: files dns/" /etc/nsswitch.conf'
nss_reload "files dns" 1211

if in_ct test -x /usr/sbin/nscd || { nd=$(fetch_debs nscd) &&
    cp "$nd" "$root/root/" && in_ct dpkg -i "/root/$(basename "$nd")" >/dev/null 2>&1; }; then
	rm -f "$root/etc/systemd/system/nscd.service"
	in_ct systemctl daemon-reload
	in_ct systemctl restart nscd
	check "nscd is running" waitfor 5 active nscd
	in_ct nscd -i hosts 2>/dev/null
	nss_reload "nscd" 1212
	in_ct systemctl stop nscd
else
	nok "nscd: fetch or install the package"
fi

if rd=$(fetch_debs systemd-resolved libnss-resolve); then
	for d in $rd; do cp "$d" "$root/root/"; done
	# Installing it points /etc/resolv.conf at its stub: fine in here.
	sh_ct "dpkg -i $(for d in $rd; do printf '/root/%s ' "$(basename "$d")"; done)" \
	    >"$work/dpkg" 2>&1
	check "systemd-resolved and libnss-resolve install in the container" \
	    in_ct test -e /lib/x86_64-linux-gnu/libnss_resolve.so.2 -o \
	    -e /usr/lib/x86_64-linux-gnu/libnss_resolve.so.2
	in_ct systemctl start systemd-resolved
	check "systemd-resolved is running" waitfor 5 active systemd-resolved
	sh_ct 'sed -i "s/^hosts:.*/hosts: files resolve [!UNAVAIL=return] dns/" /etc/nsswitch.conf'
	# *.localhost is answered by resolved itself (synthesised), never by
	# files: the master's getaddrinfo has to talk to it.
	check "resolved answers caseserv.localhost" \
	    sh_ct 'getent ahosts caseserv.localhost | grep -q 127.0.0.1'
	nss_reload "nss-resolve" 1213 caseserv.localhost
	check "nss-resolve: serves caseserv.localhost's [::1]:1213" \
	    serves ::1 1213
else
	nok "nss-resolve: fetch systemd-resolved and libnss-resolve (.debs)"
fi
sh_ct 'cp /root/nsswitch.conf.orig /etc/nsswitch.conf; cp /root/good.conf /etc/caseserv.conf'
in_ct systemctl stop caseserv

echo "# $n checks, $failed failed"
if [ $failed -ne 0 ]; then
	echo "# ---- journal (caseserv units)"
	journal -u 'caseserv*' | tail -n 60
fi
[ $failed -eq 0 ]
