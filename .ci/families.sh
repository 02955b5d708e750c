#!/usr/bin/env bash
# The firmware demo and the no-panic link proof on the other microcontroller
# families (the Cortex-M4F is .ci/firmware.sh and .ci/nopanic.sh):
#
#   thumbv6m-none-eabi (Cortex-M0/M0+: no FPU, no compare-and-swap), run on
#   QEMU's mps2-an385 (a Cortex-M3, which executes ARMv6-M code; same memory
#   map and CMSDK UART as the an386).
#   riscv32imc-unknown-none-elf (RV32IMC: no FPU, no atomics; ESP32-C3-class),
#   run on QEMU's RISC-V virt board (qemu-system-riscv32, machine mode,
#   `-bios none`; the link frames go to its NS16550A UART, semihosting
#   carries the file capture, the console and the exit status).
#
#  1. Builds `firmware` and `nopanic` (the link proof: it only links if no
#     panic path is reachable) for the target.
#  2. Checks the firmware's footprint against examples/firmware/budget.txt
#     (the `<target>:flash`, `:ram`, `:stack` lines). Static RAM is the sum
#     of the .data, .bss and .uninit sections (riscv-rt's .stack and .heap
#     reservations are not static data).
#  3. Runs the firmware under QEMU; both captures (semihosting file, UART
#     link frames) must be exactly the host's encoding (firmware_check,
#     framewire frames --link).
#  4. Runs nopanic over the capture: every frame decoded, every 512 bytes
#     carried through the link layer intact.
#  5. Builds nopanic_full (the link proof over the whole decode and encode
#     surface, as .ci/nopanic.sh does on the M4F) and runs it over the
#     capture: all 60 frames decoded and re-encoded.
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

ram_of() { # elf: bytes of static RAM (.data, .sdata, .bss, .sbss, .uninit)
  "$SIZE" -A "$1" | awk '$1 ~ /^\.(s?data|s?bss|uninit)$/ { s += $2 } END { print s + 0 }'
}

run_family() { # target qemu-binary qemu-args...
  local target=$1 qemu=$2; shift 2
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
  read -r text data _ < <("$SIZE" "$out/firmware" | tail -n 1)
  check "$target:flash" $((text + data)) "$(budget "$target:flash")"
  check "$target:ram" "$(ram_of "$out/firmware")" "$(budget "$target:ram")"
  echo "--- 3. run the firmware"
  mkdir -p "$work/$target"
  local status=0
  (cd "$work/$target" && timeout 300 "$qemu" "$@" -display none -monitor none \
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
  (cd "$work/$target" && timeout 300 "$qemu" "$@" -nographic \
     -semihosting-config enable=on,target=native -kernel "$out/nopanic") 2>&1 | tee "$work/$target.np"
  local pieces=$(( ($(stat -c %s "$work/$target/nopanic.input") + 511) / 512 ))
  grep -q "sac=30 vcbn=30 mismatches=0 errors=0" "$work/$target.np" &&
    grep -q "link_frames=$pieces " "$work/$target.np" || {
    echo "FAIL: $target nopanic did not decode the capture cleanly"; exit 1; }
  echo "--- 5. the full link proof nopanic_full (as .ci/nopanic.sh on the M4F)"
  if ! (cd "$FW" && /usr/bin/cargo build --release --quiet --target "$target" \
        --target-dir "$ROOT/$FW/target" --features full-proof --bin nopanic_full); then
    echo "FAIL: $target: nopanic_full does not link: a panic path is reachable"; exit 1
  fi
  (cd "$work/$target" && timeout 300 "$qemu" "$@" -nographic \
     -semihosting-config enable=on,target=native -kernel "$out/nopanic_full") 2>&1 | tee "$work/$target.full"
  grep -q "sac=60 vcbn=60 mismatches=0 errors=0 strict_frames=60 strict_errors=0 resync_frames=60 resync_errors=0" \
    "$work/$target.full" || { echo "FAIL: $target nopanic_full did not decode and re-encode all 60 frames"; exit 1; }
}

run_family thumbv6m-none-eabi qemu-system-arm -cpu cortex-m3 -machine mps2-an385
run_family riscv32imc-unknown-none-elf qemu-system-riscv32 -machine virt -bios none
if [ "$fail" = 1 ]; then echo "FAIL: over a budget in $FW/budget.txt"; exit 1; fi
echo "families: all checks passed"
