#!/usr/bin/env bash
# Installs the npm test tools (reference implementations we compare against) into a local
# folder. Idempotent: does nothing when the pinned versions are already there.
set -euo pipefail
dir=${1:-build/npm}
mkdir -p "$dir"
want='@huggingface/tokenizers@0.2.0'
if [ -f "$dir/node_modules/@huggingface/tokenizers/package.json" ]; then exit 0; fi
if ! command -v npm >/dev/null; then
  # Debian's nodejs + npm when the machine has no Node.js of its own.
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-test-deps: npm is missing; run: sudo apt-get install -y nodejs npm" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
echo "install-test-deps: installing $want into $dir" >&2
(cd "$dir" && npm install --no-audit --no-fund --silent "$want" >/dev/null)
