#!/usr/bin/env bash
# framewire on a microcontroller: the firmware demo (examples/firmware/, its
# own Cargo package) on an emulated Cortex-M4 (QEMU mps2-an386).
#
#  1. Builds the firmware, and its defmt variant, for thumbv7em-none-eabihf.
#  2. Checks the footprint (flash, static RAM) against examples/firmware/budget.txt.
#  3. Runs it under QEMU: it streams 30 VCBN depth and 30 SAC flow frames
#     through framewire's streaming writers over an embedded_io::Write that
#     sends them to a semihosting host file and, through the link layer
#     (link::blocking::LinkWriter), to the board's UART (QEMU -serial file:),
#     and exits with status 0.
#  4. Checks both captures: `framewire frames` (and `frames --link` on the
#     UART's) lists every frame with no error, and `firmware_check` (and
#     `firmware_check --link`) requires each frame to equal, byte for byte,
#     the host's encoding of the same synthetic input. Then the fault test
#     (`link_faults`): both captures replayed with seeded faults, with and
#     without the link layer (the README's table).
#  5. Checks the peak stack (painted stack, measured in QEMU) against the budget.
#  6. Runs the defmt variant: same exit status, same capture.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
FW=examples/firmware
OUT=$ROOT/$FW/target/thumbv7em-none-eabihf/release
SIZE=/usr/lib/llvm-19/bin/llvm-size
export RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_TERM_COLOR=never
# (an explicit --target-dir: a CARGO_TARGET_DIR from the environment is for host builds)
build() { (cd "$FW" && /usr/bin/cargo build --release --quiet --target-dir "$ROOT/$FW/target" "$@"); }
qemu() {
  timeout 120 qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -display none -monitor none \
    -serial file:uart.capture -semihosting-config enable=on,target=native -kernel "$1"
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
budget() { awk -v k="$1" '$1 == k { print $2 }' "$FW/budget.txt"; }

echo "--- 1. build (thumbv7em-none-eabihf, opt-level \"s\"): the defmt variant, then the plain one"
build --bin firmware --features defmt
cp "$OUT/firmware" "$work/firmware-defmt"
build --bin firmware
"$SIZE" "$OUT/firmware" "$work/firmware-defmt"

echo "--- 2. footprint against $FW/budget.txt"
read -r text data bss _ < <("$SIZE" "$OUT/firmware" | tail -n 1)
flash=$((text + data)) ram=$((data + bss))
fail=0
check() { # name measured budget
  local verdict=ok
  if [ "$2" -gt "$3" ]; then verdict="OVER BUDGET"; fail=1; fi
  printf '%-6s %8d bytes  (budget %8d)  %s\n' "$1" "$2" "$3" "$verdict"
}
check flash "$flash" "$(budget flash)"
check ram "$ram" "$(budget ram)"

echo "--- 3. run under QEMU (mps2-an386, Cortex-M4)"
status=0
(cd "$work" && qemu "$OUT/firmware") >"$work/qemu.out" 2>&1 || status=$?
cat "$work/qemu.out"
if [ "$status" != 0 ]; then
  echo "FAIL: the firmware exited with status $status (124: timed out)"; exit 1
fi
echo "exit status 0; capture: $(stat -c %s "$work/firmware.capture") bytes"

echo "--- 4. check the capture"
cargo run --quiet --all-features --bin framewire -- frames "$work/firmware.capture" >"$work/frames.jsonl"
frames=$(grep -c '"format"' "$work/frames.jsonl" || true)
errors=$(grep -c '"error"' "$work/frames.jsonl" || true)
vcbn=$(grep -c '"format":"vcbn"' "$work/frames.jsonl" || true)
sac=$(grep -c '"format":"sac"' "$work/frames.jsonl" || true)
echo "framewire frames: $frames frames ($vcbn VCBN, $sac SAC), $errors errors"
head -n 2 "$work/frames.jsonl"
if [ "$frames" != 60 ] || [ "$vcbn" != 30 ] || [ "$sac" != 30 ] || [ "$errors" != 0 ]; then
  echo "FAIL: expected 60 frames (30 VCBN, 30 SAC) and no error"; exit 1
fi
cargo run --quiet --all-features --example firmware_check -- "$work/firmware.capture"
echo "UART capture: $(stat -c %s "$work/uart.capture") bytes"
cargo run --quiet --all-features --bin framewire -- frames --link "$work/uart.capture" >"$work/link.jsonl"
linked=$(grep -c '"seq"' "$work/link.jsonl" || true)
echo "framewire frames --link: $linked link frames, all intact and in sequence"
[ "$linked" = 60 ] || { echo "FAIL: expected 60 link frames"; exit 1; }
cargo run --quiet --all-features --example firmware_check -- --link "$work/uart.capture"
echo "--- 4b. fault test: seeded faults, with and without the link layer"
cargo run --quiet --all-features --example link_faults -- \
  "$work/uart.capture" "$work/firmware.capture" "${FAULT_TRIALS:-100}" 1

echo "--- 5. peak stack against the budget"
peak=$(sed -n 's/.*stack_peak=\([0-9]*\).*/\1/p' "$work/qemu.out")
[ -n "$peak" ] || { echo "FAIL: no stack_peak in the firmware's output"; exit 1; }
check stack "$peak" "$(budget stack)"
if [ "$fail" = 1 ]; then
  echo "FAIL: over the budget in $FW/budget.txt"; exit 1
fi

echo "--- 6. the defmt variant"
mkdir "$work/defmt"
status=0
(cd "$work/defmt" && qemu "$work/firmware-defmt") >"$work/defmt.out" 2>&1 || status=$?
if [ "$status" != 0 ]; then
  echo "FAIL: the defmt firmware exited with status $status"; exit 1
fi
cmp "$work/defmt/firmware.capture" "$work/firmware.capture"
cmp "$work/defmt/uart.capture" "$work/uart.capture"
echo "exit status 0, $(stat -c %s "$work/defmt.out") bytes of defmt log frames, the same captures"
echo "firmware: all checks passed"
