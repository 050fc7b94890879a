#!/usr/bin/env bash
# Installs the pinned Python test tools (tools/python/requirements.lock: torch, transformers, PEFT,
# bitsandbytes, tokenizers, ...) into a virtual environment in a cache outside the source tree,
# keyed by the lock file's hash, so clean clones reuse it and a changed lock gets a fresh one.
# Prints the environment's python on stdout. Idempotent; safe when two builds run it at once.
#
#   cache: $LLMCP_CACHE_DIR, else $XDG_CACHE_HOME/llm-mcp, else ~/.cache/llm-mcp
#
# Costs on a fresh machine (2 cores): ~2.9 GB downloaded (PyPI's torch is a CUDA build; see
# tools/python/lock.sh for the wheels left out), ~6 GB on disk, about 3 minutes. Nothing is
# downloaded when the environment exists.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lock=$root/tools/python/requirements.lock
cache=${LLMCP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/llm-mcp}
key=$(sha256sum "$lock" | cut -c1-16)
env=$cache/python-$key

if [ ! -f "$env/.complete" ]; then
  mkdir -p "$cache"
  exec 9>"$cache/.python-$key.lock"
  flock 9
  if [ ! -f "$env/.complete" ]; then
    py=${LLMCP_BASE_PYTHON:-$(command -v python3 || true)}
    [ -n "$py" ] || { echo "install-python-env: python3 (3.10 or newer) is needed" >&2; exit 1; }
    echo "install-python-env: creating $env from tools/python/requirements.lock (first time: ~3 GB, a few minutes)" >&2
    rm -rf "$env"
    # Built where it will live (a venv's scripts hold their own path), marked complete last.
    "$py" -m venv "$env"
    if ! "$env/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir \
        --no-deps --require-hashes --only-binary :all: -r "$lock" >&2; then
      rm -rf "$env"
      echo "install-python-env: pip failed; nothing kept (re-run to retry)" >&2
      exit 1
    fi
    "$env/bin/python" -c "import logging; logging.disable(logging.WARNING); import torch, transformers, peft, bitsandbytes, tokenizers, safetensors" >&2
    touch "$env/.complete"
    # Environments of older locks are left for other checkouts; remove them by hand if unused.
  fi
fi
echo "$env/bin/python"
