#!/usr/bin/env bash
# Mutation testing of what a change touches, to run before stopping:
#
#   bash .ci/mutants.sh [BASE]       # default BASE: the merge base with origin/main, else HEAD~1
#   bash .ci/mutants.sh --file src/sac/encode.rs ...   # whole files instead of a diff
#
# cargo-mutants (installed if missing) mutates the library code changed since
# BASE (`--in-diff`) and runs the test suite against each mutant. A "missed"
# mutant is code no test checks: add a test, or, if the mutant is equivalent
# (behaves identically for every input), add it to `exclude_re` in
# .cargo/mutants.toml with the reason. The run fails on any missed mutant.
# Results: mutants.out/ (missed.txt, caught.txt, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-mutants >/dev/null 2>&1 || cargo install --locked cargo-mutants
args=()
if [ "${1:-}" = "--file" ]; then
  shift
  for f in "$@"; do args+=(--file "$f"); done
else
  base="${1:-$(git merge-base HEAD origin/main 2>/dev/null || git rev-parse HEAD~1)}"
  mkdir -p target
  git diff "$base" -- src/ ':!src/bin' >target/mutants.diff
  if [ ! -s target/mutants.diff ]; then
    echo "mutants: no library change since $base"
    exit 0
  fi
  echo "mutants: library changes since $base ($(grep -c '^+' target/mutants.diff) added lines)"
  args+=(--in-diff target/mutants.diff)
fi
# The CLI is tested through its own integration tests; the library's
# mutants are what this checks.
exec cargo mutants --package framewire --exclude 'src/bin/**' "${args[@]}" --jobs 1
