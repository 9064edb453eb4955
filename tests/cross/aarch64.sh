#!/bin/sh
# tests/cross/aarch64.sh - cross-build caseserv for aarch64 (not part of
# make check; .ci/run calls it).  Needs what `sh install-deps.sh cross`
# installs: gcc-aarch64-linux-gnu and the :arm64 -dev packages, found
# through aarch64-linux-gnu-pkg-config.  Builds out of tree, without the
# tests (cmocka is not cross-installed), and checks that the binary is an
# aarch64 executable.  The policy tables themselves are checked for
# aarch64 on every machine by tests/unit/test_sandbox_arch.
#
# Exit 0 on success, 77 (skip) when the cross tools are missing, 1 else.
set -u
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
host=aarch64-linux-gnu

for t in "$host-gcc" "$host-pkg-config" file; do
	command -v "$t" >/dev/null 2>&1 ||
	    { echo "SKIP: $t missing (sh install-deps.sh cross)"; exit 77; }
done
for m in libconfig libcap-ng libseccomp; do
	"$host-pkg-config" --exists "$m" ||
	    { echo "SKIP: $m:arm64 missing (sh install-deps.sh cross)"; exit 77; }
done
build=$(mktemp -d /tmp/cs-cross-aarch64.XXXXXX) || exit 1
trap 'rm -rf "$build"' EXIT
# A tree configured in place cannot host another build: then a clean copy
# of its tracked files.
if [ -f "$srcdir/config.status" ] && [ -e "$srcdir/.git" ]; then
	mkdir "$build/tree" &&
	    (cd "$srcdir" && git ls-files -z | xargs -0 tar -cf - --no-recursion) |
	    tar -C "$build/tree" -xf - || exit 1
	srcdir=$build/tree
fi
[ -x "$srcdir/configure" ] ||
    (cd "$srcdir" && autoreconf -fi >/dev/null 2>&1) || exit 1
mkdir "$build/obj" && cd "$build/obj" || exit 1
echo "# building in $build/obj"
PKG_CONFIG=$host-pkg-config "$srcdir/configure" -q --host=$host \
    --disable-tests --enable-werror >configure.log 2>&1 ||
    { tail -n 30 configure.log config.log; echo "not ok - configure --host=$host"; exit 1; }
make -j2 >make.log 2>&1 ||
    { tail -n 30 make.log; echo "not ok - make"; exit 1; }
what=$(file -b src/caseserv)
echo "# src/caseserv: $what"
case $what in
*ELF\ 64-bit*ARM\ aarch64*) echo "ok - cross-built an aarch64 caseserv" ;;
*) echo "not ok - src/caseserv is not an aarch64 executable"; exit 1 ;;
esac
