#!/usr/bin/env bash
# Runs one interop test file under pytest in the pinned Python environment ($LLMCP_PYTHON, set by
# `make test`). Without it the test fails and says how to get it: a live check is never skipped.
set -euo pipefail
if [ -z "${LLMCP_PYTHON:-}" ] || [ ! -x "$LLMCP_PYTHON" ]; then
  echo "LLMCP_PYTHON is not set: run through 'make test', or set LLMCP_PYTHON=\$(scripts/install-python-env.sh)" >&2
  exit 1
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 TOKENIZERS_PARALLELISM=false
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
cd "$(dirname "$1")"
exec "$LLMCP_PYTHON" -m pytest -q -p no:cacheprovider -o console_output_style=classic "$@"
