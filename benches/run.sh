#!/usr/bin/env bash
# Reproduces the README's performance tables in one command:
#
#   bash benches/run.sh                  # default build, then -C target-cpu=native
#   bash benches/run.sh --default-only   # the default build only (about half the time)
#
# 1. criterion benchmarks (benches/quant.rs, sac.rs, vcbn.rs, stream.rs) in a default
#    build: no RUSTFLAGS, as a crate that depends on framewire gets it;
# 2. the same with RUSTFLAGS="-C target-cpu=native", in a separate target dir;
# 3. benches/numpy_vs_framewire.py: NumPy's encode and framewire's kernels
#    (examples/quantize_bench.rs, both builds) on the same array;
# 4. benches/report.py: one report of medians and ratios, printed and written
#    to $TARGET/perf_report.md.
#
# Every ratio compares measurements from the same run. Needs cargo, python3
# and numpy. Takes about 12 minutes per build on a 2-core machine (25 in all).
set -euo pipefail
cd "$(dirname "$0")/.."

native=1
case "${1:-}" in
  --default-only) native=0 ;;
  "") ;;
  *) echo "usage: bash benches/run.sh [--default-only]" >&2; exit 2 ;;
esac

target=${CARGO_TARGET_DIR:-target}
native_target="$target/native"
benches=(--bench quant --bench sac --bench vcbn --bench stream)
since=$(date +%s)

echo "== machine"
echo "cpu:   $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1), $(nproc) cores"
echo "rustc: $(rustc -V)"
echo "numpy: $(python3 -c 'import numpy; print(numpy.__version__)')"

echo "== default build: cargo bench ${benches[*]}"
env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS CARGO_TARGET_DIR="$target" \
  cargo bench "${benches[@]}"
env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS CARGO_TARGET_DIR="$target" \
  cargo build --release --example quantize_bench
bins=(--bin "default=$target/release/examples/quantize_bench")
dirs=("default=$target/criterion")

if [ "$native" = 1 ]; then
  echo "== native build: RUSTFLAGS='-C target-cpu=native' cargo bench ${benches[*]}"
  env -u CARGO_ENCODED_RUSTFLAGS RUSTFLAGS="-C target-cpu=native" CARGO_TARGET_DIR="$native_target" \
    cargo bench "${benches[@]}"
  env -u CARGO_ENCODED_RUSTFLAGS RUSTFLAGS="-C target-cpu=native" CARGO_TARGET_DIR="$native_target" \
    cargo build --release --example quantize_bench
  bins+=(--bin "native=$native_target/release/examples/quantize_bench")
  dirs+=("native=$native_target/criterion")
fi

echo "== NumPy vs framewire"
python3 benches/numpy_vs_framewire.py "${bins[@]}" --json "$target/numpy_vs_framewire.json"

echo "== report"
python3 benches/report.py --since "$since" --numpy "$target/numpy_vs_framewire.json" "${dirs[@]}" \
  | tee "$target/perf_report.md"
echo "(written to $target/perf_report.md)"
