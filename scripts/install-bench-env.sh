#!/usr/bin/env bash
# Installs the benchmark's llama.cpp peer (tools/python/bench-requirements.lock: llama-cpp-python,
# which builds llama.cpp from source for this CPU, its OpenAI-compatible server, and its converter
# convert_hf_to_gguf.py) beside
# the test tools' environment (scripts/install-python-env.sh), in a cache keyed by both locks.
# Prints the folder: site/ goes on PYTHONPATH with the test tools' python; src/ holds llama.cpp's
# sources with the converter. Idempotent; safe when two runs start at once. The first time it
# downloads ~77 MB and compiles llama.cpp (several minutes on 2 cores).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
py=$("$root/scripts/install-python-env.sh")
lock=$root/tools/python/bench-requirements.lock
cache=${LLMCP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/llm-mcp}
key=$(cat "$lock" "$root/tools/python/requirements.lock" | sha256sum | cut -c1-16)
dir=$cache/bench-$key

if [ ! -f "$dir/.complete" ]; then
  mkdir -p "$cache"
  exec 9>"$cache/.bench-$key.lock"
  flock 9
  if [ ! -f "$dir/.complete" ]; then
    echo "install-bench-env: building llama.cpp into $dir (first time: several minutes)" >&2
    rm -rf "$dir" && mkdir -p "$dir"
    tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
    grep -E '^(scikit-build-core|pathspec)==' "$lock" > "$tmp/build.txt"
    grep -E '^(llama-cpp-python|diskcache|sentencepiece)==' "$lock" > "$tmp/peer.txt"
    grep -E '^llama-cpp-python==' "$lock" > "$tmp/sdist.txt"
    grep -vE '^(#|scikit-build-core|pathspec|llama-cpp-python|diskcache|sentencepiece)' "$lock" > "$tmp/server.txt"
    pip=("$py" -m pip --disable-pip-version-check --quiet --no-cache-dir)
    # The build back end, then llama.cpp built against the test tools' numpy without isolation (so
    # nothing unpinned is fetched); GGML_NATIVE: the instructions of this CPU, as llama.cpp builds.
    "${pip[@]}" install --no-deps --require-hashes --only-binary :all: --target "$dir/build-deps" -r "$tmp/build.txt" >&2
    if ! PYTHONPATH=$dir/build-deps CMAKE_ARGS="-DGGML_NATIVE=ON -DLLAMA_CURL=OFF" \
         "${pip[@]}" install --no-deps --require-hashes --no-build-isolation --target "$dir/site" -r "$tmp/peer.txt" >&2; then
      rm -rf "$dir"
      echo "install-bench-env: building llama-cpp-python failed; nothing kept (re-run to retry)" >&2
      exit 1
    fi
    # Its OpenAI-compatible server's wheels (llama_cpp.server, for bench/serve.sh).
    "${pip[@]}" install --no-deps --require-hashes --only-binary :all: --target "$dir/site" -r "$tmp/server.txt" >&2
    "${pip[@]}" download --no-deps --require-hashes --no-binary :all: -d "$tmp" -r "$tmp/sdist.txt" >&2
    mkdir -p "$dir/src" && tar xzf "$tmp"/llama_cpp_python-*.tar.gz -C "$dir/src" --strip-components=1
    PYTHONPATH=$dir/site "$py" -c "import llama_cpp, llama_cpp.server.app" >&2
    touch "$dir/.complete"
  fi
fi
echo "$dir"
