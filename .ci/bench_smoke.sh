#!/usr/bin/env bash
# Smoke test of the performance tooling (not a measurement: CI machines are
# shared, and the README's figures come from `bash benches/run.sh`).
#
#  1. every criterion benchmark in benches/quant.rs, sac.rs and vcbn.rs runs
#     once (criterion's --test mode), so none of them panics or rots;
#  2. benches/numpy_vs_framewire.py runs end to end on a 512x512 array: it
#     exits non-zero unless framewire's levels equal NumPy's bit for bit;
#     (and benches/ratio.rs once at 64x64 in both builds);
#  3. the 64x64 benchmarks are measured for real (about 20 s) and
#     benches/report.py turns them into the README's tables.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}

if ! python3 -c 'import numpy' 2>/dev/null; then
  python3 -m pip install --quiet numpy
fi

echo "--- every benchmark once (cargo bench -- --test)"
cargo bench --bench quant --bench sac --bench vcbn --bench stream -- --test

echo "--- the paired ratio harness once, 64x64, default and dispatched builds"
FW_RATIO_QUICK=1 FW_RATIO_SIZES=64 cargo bench --bench ratio
FW_RATIO_QUICK=1 FW_RATIO_SIZES=64 cargo bench --bench ratio --features avx512

echo "--- NumPy vs framewire on 512x512 (levels must match NumPy's)"
cargo build --release --example quantize_bench
python3 benches/numpy_vs_framewire.py --side 512 --rounds 1 --runs 1 \
  --bin "default=$target/release/examples/quantize_bench" --json "$target/numpy_smoke.json"

echo "--- the 64x64 benchmarks, measured, and report.py over them"
since=$(date +%s)
cargo bench --bench quant --bench sac --bench vcbn -- 64x64
python3 benches/report.py --since "$since" --numpy "$target/numpy_smoke.json" "default=$target/criterion"
echo "bench smoke: ok"
