#!/usr/bin/env bash
# Reproduces the README's performance tables in one command:
#
#   bash benches/run.sh                  # everything below
#   bash benches/run.sh --default-only   # skip the criterion run with -C target-cpu=native
#   bash benches/run.sh --ratios-only    # only steps 1 and 4 (the README's ratio tables)
#
# 1. benches/ratio.rs, the paired alternating-order ratio harness, in the
#    default build (no features, no RUSTFLAGS: SSE2) and with
#    `--features avx512` (run-time dispatch to AVX2/AVX-512), written to
#    $TARGET/ratio_default.md and $TARGET/ratio_dispatch.md;
# 2. criterion benchmarks (benches/quant.rs, sac.rs, vcbn.rs, stream.rs) in a default
#    build, for absolute throughput;
# 3. the same with RUSTFLAGS="-C target-cpu=native", in a separate target dir;
# 4. benches/numpy_vs_framewire.py: NumPy's encode and framewire's kernels
#    (examples/quantize_bench.rs, default and dispatched builds) on the same array;
# 5. benches/report.py: one report of the criterion medians, printed and
#    written to $TARGET/perf_report.md.
#
# Every ratio compares measurements from the same run. Needs cargo, python3
# and numpy. Takes about 12 minutes per build on a 2-core machine (25 in all).
set -euo pipefail
cd "$(dirname "$0")/.."

native=1
criterion=1
case "${1:-}" in
  --default-only) native=0 ;;
  --ratios-only) native=0; criterion=0 ;;
  "") ;;
  *) echo "usage: bash benches/run.sh [--default-only | --ratios-only]" >&2; exit 2 ;;
esac

target=${CARGO_TARGET_DIR:-target}
native_target="$target/native"
benches=(--bench quant --bench sac --bench vcbn --bench stream)
since=$(date +%s)

echo "== machine"
echo "cpu:   $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1), $(nproc) cores"
echo "rustc: $(rustc -V)"
echo "numpy: $(python3 -c 'import numpy; print(numpy.__version__)')"

plain() { env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS CARGO_TARGET_DIR="$target" "$@"; }
dispatched() { plain "$@"; }

echo "== ratios, default build: cargo bench --bench ratio"
plain cargo bench --bench ratio | tee "$target/ratio_default.md"
echo "== ratios, dispatched build: cargo bench --bench ratio --features avx512"
dispatched cargo bench --bench ratio --features avx512 | tee "$target/ratio_dispatch.md"

# Both builds write target/release/examples/quantize_bench: keep a copy of each.
plain cargo build --release --example quantize_bench
cp "$target/release/examples/quantize_bench" "$target/quantize_bench_default"
dispatched cargo build --release --features avx512 --example quantize_bench
cp "$target/release/examples/quantize_bench" "$target/quantize_bench_dispatch"
bins=(--bin "default=$target/quantize_bench_default"
      --bin "dispatch=$target/quantize_bench_dispatch")
dirs=("default=$target/criterion")
if [ "$criterion" = 1 ]; then
  echo "== default build: cargo bench ${benches[*]}"
  plain cargo bench "${benches[@]}"
fi

if [ "$native" = 1 ]; then
  echo "== native build: RUSTFLAGS='-C target-cpu=native' cargo bench ${benches[*]}"
  env -u CARGO_ENCODED_RUSTFLAGS RUSTFLAGS="-C target-cpu=native" CARGO_TARGET_DIR="$native_target" \
    cargo bench "${benches[@]}"
  dirs+=("native=$native_target/criterion")
fi

echo "== NumPy vs framewire"
python3 benches/numpy_vs_framewire.py "${bins[@]}" --json "$target/numpy_vs_framewire.json"

[ "$criterion" = 1 ] || exit 0
echo "== report"
python3 benches/report.py --since "$since" --numpy "$target/numpy_vs_framewire.json" "${dirs[@]}" \
  | tee "$target/perf_report.md"
echo "(written to $target/perf_report.md)"
