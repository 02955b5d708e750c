#!/usr/bin/env bash
# The firmware demo and the no-panic link proof on the other microcontroller
# families (the Cortex-M4F is .ci/firmware.sh and .ci/nopanic.sh):
#
#   thumbv6m-none-eabi (Cortex-M0/M0+: no FPU, no compare-and-swap), run on
#   QEMU's mps2-an385 (a Cortex-M3, which executes ARMv6-M code; same memory
#   map and CMSDK UART as the an386).
#
#  1. Builds `firmware` and `nopanic` (the link proof: it only links if no
#     panic path is reachable) for the target.
#  2. Checks the firmware's footprint against examples/firmware/budget.txt
#     (the `<target>:flash`, `:ram`, `:stack` lines).
#  3. Runs the firmware under QEMU; both captures (semihosting file, UART
#     link frames) must be exactly the host's encoding (firmware_check,
#     framewire frames --link).
#  4. Runs nopanic over the capture: every frame decoded, every 512 bytes
#     carried through the link layer intact.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
FW=examples/firmware
SIZE=/usr/lib/llvm-19/bin/llvm-size
export RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_TERM_COLOR=never
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
budget() { awk -v k="$1" '$1 == k { print $2 }' "$FW/budget.txt"; }
fail=0
check() { # name measured budget
  local verdict=ok
  if [ -z "$3" ]; then verdict="NO BUDGET"; fail=1;
  elif [ "$2" -gt "$3" ]; then verdict="OVER BUDGET"; fail=1; fi
  printf '%-28s %8d bytes  (budget %8s)  %s\n' "$1" "$2" "$3" "$verdict"
}

run_family() { # target qemu-args...
  local target=$1; shift
  local out=$ROOT/$FW/target/$target/release
  echo "=== $target (QEMU: $*)"
  echo "--- 1. build firmware and the link proof nopanic"
  if ! (cd "$FW" && /usr/bin/cargo build --release --quiet --target "$target" \
        --target-dir "$ROOT/$FW/target" --bin firmware --bin nopanic); then
    echo "FAIL: $target: the build or the no-panic link proof failed"; exit 1
  fi
  echo "ok: nopanic links for $target: no panic path reachable"
  echo "--- 2. footprint"
  "$SIZE" "$out/firmware"
  read -r text data bss _ < <("$SIZE" "$out/firmware" | tail -n 1)
  check "$target:flash" $((text + data)) "$(budget "$target:flash")"
  check "$target:ram" $((data + bss)) "$(budget "$target:ram")"
  echo "--- 3. run the firmware"
  mkdir -p "$work/$target"
  local status=0
  (cd "$work/$target" && timeout 300 qemu-system-arm "$@" -display none -monitor none \
     -serial file:uart.capture -semihosting-config enable=on,target=native \
     -kernel "$out/firmware") >"$work/$target.out" 2>&1 || status=$?
  cat "$work/$target.out"
  [ "$status" = 0 ] || { echo "FAIL: $target firmware exited with $status"; exit 1; }
  cargo run --quiet --all-features --example firmware_check -- "$work/$target/firmware.capture"
  cargo run --quiet --all-features --example firmware_check -- --link "$work/$target/uart.capture"
  peak=$(sed -n 's/.*stack_peak=\([0-9]*\).*/\1/p' "$work/$target.out")
  check "$target:stack" "$peak" "$(budget "$target:stack")"
  echo "--- 4. run nopanic over the capture"
  cp "$work/$target/firmware.capture" "$work/$target/nopanic.input"
  (cd "$work/$target" && timeout 300 qemu-system-arm "$@" -nographic \
     -semihosting-config enable=on,target=native -kernel "$out/nopanic") 2>&1 | tee "$work/$target.np"
  local pieces=$(( ($(stat -c %s "$work/$target/nopanic.input") + 511) / 512 ))
  grep -q "sac=30 vcbn=30 mismatches=0 errors=0" "$work/$target.np" &&
    grep -q "link_frames=$pieces " "$work/$target.np" || {
    echo "FAIL: $target nopanic did not decode the capture cleanly"; exit 1; }
}

run_family thumbv6m-none-eabi -cpu cortex-m3 -machine mps2-an385
if [ "$fail" = 1 ]; then echo "FAIL: over a budget in $FW/budget.txt"; exit 1; fi
echo "families: all checks passed"
