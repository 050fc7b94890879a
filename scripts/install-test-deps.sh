#!/usr/bin/env bash
# Installs the npm test tools (reference implementations we compare against) into a local
# folder. Idempotent: does nothing when the pinned versions are already there.
set -euo pipefail
dir=${1:-build/npm}
mkdir -p "$dir"
want='@huggingface/tokenizers@0.2.0'
if [ -f "$dir/node_modules/@huggingface/tokenizers/package.json" ]; then exit 0; fi
command -v npm >/dev/null || { echo "install-test-deps: npm is missing; install Debian's nodejs and npm" >&2; exit 1; }
echo "install-test-deps: installing $want into $dir" >&2
(cd "$dir" && npm install --no-audit --no-fund --silent "$want" >/dev/null)
