#!/usr/bin/env bash
# clang-tidy (.clang-tidy's checks) on the C++ sources a change touches: the .cpp files under src/,
# tests/, bench/ and tools/ that differ from BASE (default: HEAD~1, the last commit or a merge's
# whole branch), plus the .cpp files beside changed headers. Uses the build's
# compile_commands.json. Exits non-zero on any finding.
#   scripts/lint.sh BUILD_DIR [BASE]
set -euo pipefail
build=${1:?usage: scripts/lint.sh BUILD_DIR [BASE]}
base=${2:-HEAD~1}
cd "$(dirname "$0")/.."
command -v clang-tidy >/dev/null || { echo "lint: clang-tidy is missing (make deps installs it)" >&2; exit 1; }
[ -f "$build/compile_commands.json" ] || { echo "lint: no $build/compile_commands.json; build first" >&2; exit 1; }
if ! git rev-parse --verify -q "$base" >/dev/null; then
  echo "lint: $base is not a commit here (a shallow clone?); nothing to compare with" >&2
  exit 0
fi
mapfile -t changed < <(git diff --name-only --diff-filter=d "$base" -- 'src/*' 'tests/*' 'bench/*' 'tools/*')
files=()
for f in "${changed[@]}"; do
  case "$f" in
    *.cpp) files+=("$f") ;;
    *.h) [ -f "${f%.h}.cpp" ] && files+=("${f%.h}.cpp") ;;
  esac
done
# Only what the build compiles (a .cpp of a disabled option has no compile command).
mapfile -t files < <(printf '%s\n' "${files[@]}" | sort -u | while read -r f; do
  [ -n "$f" ] && grep -q "\"file\": \"$PWD/$f\"" "$build/compile_commands.json" && echo "$f"; done)
if [ ${#files[@]} -eq 0 ]; then
  echo "lint: no C++ source changed since $base"
  exit 0
fi
echo "lint: clang-tidy on ${#files[@]} file(s) changed since $base"
printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -n 1 clang-tidy -p "$build" --quiet 2> >(grep -v "warnings generated" >&2)
echo "lint: clean"
