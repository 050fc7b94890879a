#!/usr/bin/env bash
# Installs every system dependency of llm-mcp from Debian packages (apt only).
# Idempotent and quiet when everything is present; when not root and packages are
# missing, prints the exact sudo command to run instead of failing obscurely.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libtorch-dev libgloo-dev libopenblas0-pthread
  nlohmann-json3-dev libcpp-httplib-dev libsentencepiece-dev libyaml-cpp-dev
  libcli11-dev libspdlog-dev libfmt-dev libsqlite3-dev libpcre2-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev zlib1g-dev
  python3-torch python3-numpy python3-jinja2 sentencepiece python3-sentencepiece
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO=sudo
  else
    echo "install-deps: not root; run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done" >&2
