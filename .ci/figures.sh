#!/usr/bin/env bash
# The performance figures of the machine CI ran on, printed last so that
# they end the log. A report, not a gate: the README's figures come from
# `bash benches/run.sh` on an idle machine, and a CI machine's neighbours
# can move a ratio by a third. What it shows is how the kernels fare on
# whichever CPU this run got (the figures differ between AMD and Intel).
#
#   benches/ratio.rs at 4096x4096, the default build (SSE2) and the
#   dispatched one (--features avx512); python/bench.py at 4096x4096.
#
# Needs the Python stage's venv (target/python-venv) for the last part.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
out="$target/ci-figures.md"

{
  echo "cpu: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  FW_RATIO_SIZES=4096 cargo bench --quiet --bench ratio 2>/dev/null
  echo
  FW_RATIO_SIZES=4096 cargo bench --quiet --bench ratio --features avx512 2>/dev/null
  echo
  if [ -x "$target/python-venv/bin/python" ]; then
    "$target/python-venv/bin/python" python/bench.py --sizes 4096 --rounds 21
  else
    echo "python/bench.py: skipped (no $target/python-venv; the Python stage makes it)"
  fi
} | tee "$out"
