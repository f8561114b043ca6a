#!/usr/bin/env bash
# The Debian packages the real-system tests use, in one list. Run before every
# `npm test` (pretest) and by .ci/run: a no-op when all are installed; as root
# with apt, installs what is missing; otherwise names the missing packages.
set -euo pipefail

# gcc/make/libc6-dev: the NSS module and the C test programs; openssl: test
# certificates; libnss-wrapper: id/initgroups; openssh: the sshd e2e test;
# nscd: the outage/negative-cache e2e test; util-linux: unshare, nsenter,
# setpriv; procps: process checks; strace: proves the module execs its helper
# without a shell.
packages=(gcc make libc6-dev openssl libnss-wrapper openssh-server openssh-client nscd util-linux procps strace)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "test dependencies missing: ${missing[*]} (Debian: apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "installing test dependencies: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
