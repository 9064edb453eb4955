#!/bin/sh
# test_install.sh - make install DESTDIR=... from the build tree (SPEC 8):
# every file lands where configure said (/etc/caseserv.conf and
# /usr/local/sbin/caseserv for a plain ./configure), units, sysusers.d and
# tmpfiles.d entries; generated scripts are executable; nothing outside
# DESTDIR changes (no account is created even with INSTALL_ACCOUNT=yes);
# make uninstall keeps an edited configuration and removes a pristine one.
set -u
: "${CASESERV_SRCDIR:?}" "${CASESERV_BUILDDIR:?}"
# Our own make, not the parent's jobserver.
unset MAKEFLAGS MFLAGS
MAKE=${CS_MAKE:-make}
status=0
fail() { echo "FAIL: $*"; status=1; }
tmp=$(mktemp -d /tmp/cs-install.XXXXXX) || exit 99
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root
conf=$CS_SYSCONFDIR/caseserv.conf

# What the real system looks like where make install would write.
real_state() {
	getent passwd caseserv
	for f in "$conf" "$CS_SBINDIR/caseserv" "$CS_SYSUSERSDIR/caseserv.conf" \
	    "$CS_TMPFILESDIR/caseserv.conf" "$CS_UNITDIR/caseserv.service" \
	    "$CS_MANDIR/man8/caseserv.8"; do
		ls -l --time-style=full-iso "$f" 2>&1
	done
}
real_state > "$tmp/before"

# A plain ./configure: /etc and /usr/local, as users are told.
args=$("$CASESERV_BUILDDIR/config.status" --config)
case $args in *--sysconfdir*) ;; *)
	[ "$CS_SYSCONFDIR" = /etc ] || fail "sysconfdir is $CS_SYSCONFDIR, not /etc" ;;
esac
case $args in *--prefix*|*--sbindir*|*--exec-prefix*) ;; *)
	[ "$CS_SBINDIR" = /usr/local/sbin ] || fail "sbindir is $CS_SBINDIR" ;;
esac

inst() {
	$MAKE -C "$CASESERV_BUILDDIR" "$@" DESTDIR="$dest" INSTALL_ACCOUNT=yes \
	    > "$tmp/make.log" 2>&1 || { cat "$tmp/make.log"; fail "make $*"; }
}

inst install
[ -x "$dest$CS_SBINDIR/caseserv" ] || fail "no $CS_SBINDIR/caseserv"
cmp -s "$CASESERV_SRCDIR/etc/caseserv.conf" "$dest$conf" || fail "no $conf"
for m in man8/caseserv.8 man5/caseserv.conf.5; do
	[ -f "$dest$CS_MANDIR/$m" ] || fail "no $CS_MANDIR/$m"
done
if [ "$CS_UNITDIR" != no ]; then
	for u in caseserv.service caseserv.socket caseserv-activated.service \
	    caseserv-inetd.socket caseserv-inetd@.service; do
		[ -f "$dest$CS_UNITDIR/$u" ] || fail "no $CS_UNITDIR/$u"
	done
	grep -q "^ExecStart=$CS_SBINDIR/caseserv -f -c $conf\$" \
	    "$dest$CS_UNITDIR/caseserv.service" || fail "unit names other paths"
fi
if [ "$CS_SYSUSERSDIR" != no ]; then
	grep -q '^u caseserv - "caseserv daemon" - -$' \
	    "$dest$CS_SYSUSERSDIR/caseserv.conf" || fail "no sysusers.d entry"
fi
if [ "$CS_TMPFILESDIR" != no ]; then
	grep -q '^d /.*/caseserv 0755 caseserv caseserv -$' \
	    "$dest$CS_TMPFILESDIR/caseserv.conf" || fail "no tmpfiles.d entry"
fi
for s in caseserv.init caseserv.openrc; do
	f=$CASESERV_BUILDDIR/contrib/$s
	[ -x "$f" ] || fail "contrib/$s is not executable"
	sh -n "$f" || fail "contrib/$s: syntax"
done

real_state > "$tmp/after"
diff "$tmp/before" "$tmp/after" || fail "make install DESTDIR changed the system"

# An edited configuration survives uninstall and reinstall ...
echo "# edited" >> "$dest$conf"
inst uninstall
grep -q '^# edited$' "$dest$conf" 2>/dev/null || fail "uninstall removed an edited $conf"
left=$(find "$dest" -type f ! -path "$dest$conf")
[ -z "$left" ] || fail "uninstall left: $left"
inst install
grep -q '^# edited$' "$dest$conf" || fail "install overwrote an edited $conf"
# ... a pristine one is removed.
cp "$CASESERV_SRCDIR/etc/caseserv.conf" "$dest$conf"
inst uninstall
left=$(find "$dest" -type f)
[ -z "$left" ] || fail "uninstall left: $left"

real_state > "$tmp/after"
diff "$tmp/before" "$tmp/after" || fail "make uninstall DESTDIR changed the system"
exit $status
