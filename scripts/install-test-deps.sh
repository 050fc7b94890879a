#!/usr/bin/env bash
# Installs the npm test tools (reference implementations we compare against) into a local
# folder with its own package.json. Idempotent: does nothing when the pinned versions are there.
# Node.js itself comes from Debian (nodejs, npm) when the machine has none.
set -euo pipefail
dir=${1:-build/npm}
pkg=@huggingface/tokenizers
version=0.2.0
mkdir -p "$dir"
abs=$(cd "$dir" && pwd)
installed=$(node -p "require('$abs/node_modules/$pkg/package.json').version" 2>/dev/null || true)
[ "$installed" = "$version" ] && exit 0

if ! command -v npm >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=sudo
  else
    echo "install-test-deps: npm is missing; run: sudo apt-get update && sudo apt-get install -y nodejs npm" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
echo "install-test-deps: installing $pkg@$version into $dir" >&2
[ -f "$dir/package.json" ] || echo '{"private": true}' > "$dir/package.json"
npm install --prefix "$dir" --no-audit --no-fund --silent "$pkg@$version" >/dev/null
