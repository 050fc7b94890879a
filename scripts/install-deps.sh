#!/usr/bin/env bash
# Installs every dependency of llm-mcp: Debian packages (apt), then the pinned Python environment
# whose torch wheel carries the engine's libtorch and the CUDA compiler (scripts/install-python-env.sh,
# a cache outside the source tree shared by clones) and the dashboard's chart library from npm
# (scripts/install-web-deps.sh, the same kind of cache). Idempotent and quiet when everything is
# present; when not root and packages are missing, prints the exact sudo command to run instead
# of failing obscurely.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  nlohmann-json3-dev libcpp-httplib-dev libsentencepiece-dev libyaml-cpp-dev libcurl4-openssl-dev libssl-dev
  libcli11-dev libspdlog-dev libfmt-dev libsqlite3-dev libpcre2-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev clang clang-tidy libclang-rt-14-dev zlib1g-dev
  python3-torch python3-numpy python3-jinja2 sentencepiece python3-sentencepiece python3-venv
  iproute2 libgloo-dev  # iproute2: `ip netns` for the two-node test; the Gloo headers c10d's ProcessGroupGloo.hpp includes (its code is inside libtorch_cpu)
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

here=$(cd "$(dirname "$0")" && pwd)
if [ ${#missing[@]} -eq 0 ]; then
  "$here/install-python-env.sh" >/dev/null
  "$here/install-web-deps.sh" >/dev/null
  exit 0
fi

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
"$here/install-python-env.sh" >/dev/null
"$here/install-web-deps.sh" >/dev/null
