#!/bin/sh
# install-deps.sh - install what building and testing caseserv needs on
# Debian 12 (run as root).  The one place the package list lives: the
# README's quick start and .ci/run both call it.
set -e
PKGS="build-essential autoconf automake pkg-config libconfig-dev libcap-ng-dev
libseccomp-dev libcmocka-dev netcat-openbsd mandoc fail2ban
systemd-container rsyslog iproute2 procps gcovr"
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
