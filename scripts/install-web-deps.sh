#!/usr/bin/env bash
# Installs the dashboard's front-end libraries from npm (pinned: uPlot, the chart library) into a
# cache outside the source tree, keyed by the pins, so clean clones reuse it; the build compiles
# their files into the binary (src/web/CMakeLists.txt), so nothing is fetched at run time and no
# Node runs then. Prints the folder (its node_modules/ holds the packages). Idempotent; safe when
# two builds run it at once. npm comes from Debian (nodejs, npm) when the machine has none.
#
#   cache: $LLMCP_CACHE_DIR, else $XDG_CACHE_HOME/llm-mcp, else ~/.cache/llm-mcp
set -euo pipefail
packages=(uplot@1.6.32)
cache=${LLMCP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/llm-mcp}
key=$(printf '%s\n' "${packages[@]}" | sha256sum | cut -c1-16)
dir=$cache/web-$key

if [ ! -f "$dir/.complete" ]; then
  mkdir -p "$cache"
  exec 9>"$cache/.web-$key.lock"
  flock 9
  if [ ! -f "$dir/.complete" ]; then
    command -v npm >/dev/null || "$(dirname "$0")/apt-install.sh" install-web-deps nodejs npm
    echo "install-web-deps: installing ${packages[*]} into $dir" >&2
    rm -rf "$dir"
    mkdir -p "$dir"
    echo '{"private": true}' > "$dir/package.json"
    if ! npm install --prefix "$dir" --no-audit --no-fund --silent --ignore-scripts "${packages[@]}" >&2; then
      rm -rf "$dir"
      echo "install-web-deps: npm failed; nothing kept (re-run to retry)" >&2
      exit 1
    fi
    touch "$dir/.complete"
  fi
fi
echo "$dir"
