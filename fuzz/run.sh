#!/usr/bin/env bash
# Runs fuzz targets one at a time (a single libFuzzer process each), for
# SECONDS each, from corpora seeded by seed.sh, with dict.txt. Stops nothing
# early: every target runs, and the script fails if any target found a crash,
# a timeout or an out-of-memory input (saved under fuzz/artifacts/<target>/).
#
# Usage: fuzz/run.sh SECONDS [TARGET...]   (default: every target)
# FUZZ_SEED=n fixes libFuzzer's random seed (CI sets it).
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
if [ $# -gt 0 ]; then targets=("$@"); else
  targets=(sac_decode vcbn_decode json_reader stream_decoder roundtrip imgpack_decode link_decode)
fi
./seed.sh
mkdir -p logs
seed_opt=()
[ -n "${FUZZ_SEED:-}" ] && seed_opt=(-seed="$FUZZ_SEED")
failed=()
for t in "${targets[@]}"; do
  max_len=4096
  [ "$t" = stream_decoder ] && max_len=8192
  echo "--- $t: ${secs}s, -max_len=$max_len"
  start=$(date +%s)
  set +e
  cargo +nightly fuzz run "$t" "corpus/$t" -- \
    -dict=dict.txt -max_total_time="$secs" -max_len="$max_len" -timeout=10 \
    -print_final_stats=1 "${seed_opt[@]}" > "logs/$t.log" 2>&1
  rc=$?
  set -e
  # The final status line, e.g. "#123456 DONE cov: 1105 ft: 2849 corp: 465/144Kb ...".
  grep -E '^#[0-9]+[[:space:]]+DONE' "logs/$t.log" | tail -1 || true
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "logs/$t.log" || true
  echo "wall time: $(( $(date +%s) - start ))s, corpus files: $(ls "corpus/$t" | wc -l)"
  if [ $rc -ne 0 ]; then
    echo "FAILED: $t (exit $rc); see fuzz/logs/$t.log:"
    grep -E "panicked at|SUMMARY|Test unit written|ERROR: libFuzzer" "logs/$t.log" | head -10 || true
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found problems in: ${failed[*]}"
  exit 1
fi
echo "all fuzz targets ran ${secs}s each without a finding"
