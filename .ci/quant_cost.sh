#!/usr/bin/env bash
# Cost per sample of quant::quantize_u16 on each microcontroller target,
# counted in guest instructions under QEMU with -icount shift=0 (1 ns of
# virtual time per instruction; SysTick on Cortex-M, minstret on RISC-V count
# it), calibrated in the same run against a loop
# of known length (examples/firmware/src/bin/quant_cost.rs). Deterministic:
# the same build gives the same count on any host.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
FW=examples/firmware
export RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_TERM_COLOR=never
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() { # target qemu-binary qemu-args...
  local target=$1 qemu=$2; shift 2
  (cd "$FW" && /usr/bin/cargo build --release --quiet --target "$target" \
     --target-dir "$ROOT/$FW/target" --bin quant_cost)
  local line
  line=$(cd "$work" && timeout 120 "$qemu" "$@" -display none -monitor none -serial none \
           -icount shift=0 -semihosting-config enable=on,target=native \
           -kernel "$ROOT/$FW/target/$target/release/quant_cost" 2>&1 </dev/null)
  echo "$target: $line"
  grep -q "instructions_per_sample=" <<<"$line" || { echo "FAIL: no count for $target"; exit 1; }
}
run thumbv7em-none-eabihf qemu-system-arm -cpu cortex-m4 -machine mps2-an386
run thumbv6m-none-eabi qemu-system-arm -cpu cortex-m3 -machine mps2-an385
run riscv32imc-unknown-none-elf qemu-system-riscv32 -machine virt -bios none
