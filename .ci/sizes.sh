#!/usr/bin/env bash
# Bare-metal code size of each public path of framewire, on
# thumbv7em-none-eabihf at opt-level "s" (fat LTO, panic = "abort"),
# measured with llvm-size on the probes in examples/firmware/src/bin/size_*.rs.
#
# Each probe keeps one path alive with inputs and outputs the optimizer cannot
# see through; `size_empty` is the same program without the path (runtime,
# buffers, semihosting exit). A path's flash size is
#   text(probe) - text(size_empty)
# (llvm-size's text: code and read-only data; no probe has .data).
#
# Compared with examples/firmware/sizes.baseline: fails if any path grew more
# than 10%. After a deliberate increase:  bash .ci/sizes.sh --update
set -euo pipefail
cd "$(dirname "$0")/.."
FW=examples/firmware
OUT=$FW/target/thumbv7em-none-eabihf/release
BASELINE=$FW/sizes.baseline
SIZE=/usr/lib/llvm-19/bin/llvm-size
LIMIT_PCT=10
update=0
[ "${1:-}" = "--update" ] && update=1

probes=(size_empty size_sac_encode size_sac_decode size_vcbn_encode size_vcbn_decode
        size_quantize size_stream_decoder size_stream_encoders size_link_encode size_link_decode
        size_imgpack_decode size_imgpack_encode)
bins=()
for p in "${probes[@]}"; do bins+=(--bin "$p"); done
(cd "$FW" && RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 /usr/bin/cargo build --release --quiet \
  --target-dir target "${bins[@]}")

declare -A text data bss
for p in "${probes[@]}"; do
  read -r t d b _ < <("$SIZE" "$OUT/$p" | tail -n 1)
  text[$p]=$t data[$p]=$d bss[$p]=$b
done

if [ "$update" = 1 ]; then
  {
    echo "# Code size on thumbv7em-none-eabihf, opt-level \"s\" (llvm-size, bytes)."
    echo "# Written by: bash .ci/sizes.sh --update   Checked by: bash .ci/sizes.sh"
    echo "# name text data bss"
    for p in "${probes[@]}"; do echo "$p ${text[$p]} ${data[$p]} ${bss[$p]}"; done
  } >"$BASELINE"
  echo "updated $BASELINE"
fi

declare -A base
while read -r name t _; do
  case "$name" in ''|'#'*) continue ;; esac
  base[$name]=$t
done <"$BASELINE"
if [ -z "${base[size_empty]:-}" ]; then
  echo "FAIL: $BASELINE has no size_empty line"; exit 1
fi

empty=${text[size_empty]}
fail=0
printf '%-22s %10s %10s %8s\n' "path" "flash (B)" "baseline" "change"
for p in "${probes[@]}"; do
  [ "$p" = size_empty ] && continue
  now=$(( text[$p] - empty ))
  if [ -z "${base[$p]:-}" ]; then
    printf '%-22s %10d %10s %8s\n' "${p#size_}" "$now" "-" "new"
    fail=1
    continue
  fi
  was=$(( base[$p] - base[size_empty] ))
  pct=$(awk -v a="$now" -v b="$was" 'BEGIN { printf "%+.1f%%", b ? 100 * (a - b) / b : 0 }')
  flag=""
  if [ $(( now * 100 )) -gt $(( was * (100 + LIMIT_PCT) )) ]; then flag="  > +${LIMIT_PCT}%"; fail=1; fi
  printf '%-22s %10d %10d %8s%s\n' "${p#size_}" "$now" "$was" "$pct" "$flag"
done
printf '%-22s %10d %10d   (runtime, buffers, exit: text of size_empty)\n' "(baseline program)" "$empty" "${base[size_empty]}"
if [ "$fail" = 1 ]; then
  echo "FAIL: a path grew more than ${LIMIT_PCT}% over $BASELINE (or is missing from it)."
  echo "      If the increase is deliberate: bash .ci/sizes.sh --update, and commit the baseline."
  exit 1
fi
echo "sizes: every path within +${LIMIT_PCT}% of $BASELINE"
