#!/bin/sh
# install-deps.sh - install what building and testing caseserv needs on
# Debian 12 (run as root).  The one place the package list lives: the
# README's quick start and .ci/run both call it.
#
#   sh install-deps.sh         build and make check
#   sh install-deps.sh cross   the aarch64 cross build (tests/cross/aarch64.sh):
#                              the arm64 architecture, its compiler and the
#                              :arm64 -dev packages (Multi-Arch: same, so
#                              they sit beside the amd64 ones)
set -e
# haproxy is for tests/integration/test_haproxy.sh.  The last line is for
# make fuzz and make analyze: clang with its sanitizer and libFuzzer runtimes (libclang-rt-14-dev is only recommended
# by clang-14), llvm-symbolizer (llvm) for readable stack traces,
# scan-build (clang-tools-14) and cppcheck; gcc brings -fanalyzer.
PKGS="build-essential autoconf automake pkg-config libconfig-dev libcap-ng-dev
libseccomp-dev libcmocka-dev netcat-openbsd mandoc fail2ban
systemd-container rsyslog iproute2 procps haproxy gcovr
clang libclang-rt-14-dev llvm clang-tools-14 cppcheck"
if [ "${1:-}" = cross ]; then
	PKGS="gcc-aarch64-linux-gnu libc6-dev-arm64-cross file
libconfig-dev:arm64 libcap-ng-dev:arm64 libseccomp-dev:arm64"
	dpkg --print-foreign-architectures | grep -qx arm64 ||
		{ dpkg --add-architecture arm64 && apt-get update -q; }
fi
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing </dev/null
