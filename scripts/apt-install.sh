#!/usr/bin/env bash
# Installs Debian packages the scripts need beyond install-deps.sh's (npm for the npm installs,
# Chromium for the browser test) when they are missing: as root, or with sudo when it needs no
# password; otherwise prints the exact command to run and fails. Usage: apt-install.sh WHO PKG...
set -euo pipefail
who=$1
shift
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then SUDO=
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=sudo
else
  echo "$who: ${missing[*]} missing; run: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "$who: installing Debian's ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
