#!/usr/bin/env bash
# Link-time proof that framewire has no reachable panic path on a Cortex-M4F
# (thumbv7em-none-eabihf, release profile: opt-level "s", fat LTO).
#
# The proof binaries in examples/firmware/ have a panic handler that calls
# `framewire_panic_path_is_reachable`, a symbol defined nowhere: if any panic
# path is left in what they call, the link fails. Their input is a host file
# read at run time (semihosting), unknown at compile time.
#
#  1. `nopanic` must link: SAC decode/encode (one-shot and streaming), the
#     quantize/dequantize kernels, `vcbn::Prefix`, `vcbn::Blob`, the JSON
#     reader (tokens, `to_u64`), and the link layer (`link::encode` through
#     `link::blocking::LinkWriter`, `link::Decoder`). It then runs under QEMU
#     over a capture of the firmware demo and must decode all of it, and
#     carry every 512 bytes of it through the link layer and back intact.
#  2. `nopanic_full` must link too: it adds `vcbn::decode`, the stream
#     decoder (strict and resync), `FrameReader`, `Number::to_f64`,
#     `vcbn::encode`/`encode_levels`/`write_vcbn`. (framewire parses floats
#     with its own correctly rounded reader and writes them with Ryū: `core`'s
#     dec2flt and `{:e}` keep bounds checks the optimizer cannot remove.) If
#     it does not link, the stage lists where each panic path starts. Then it
#     runs under QEMU over the capture.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
FW=examples/firmware
OUT=$ROOT/$FW/target/thumbv7em-none-eabihf/release
export RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_TERM_COLOR=never
# (an explicit --target-dir: a CARGO_TARGET_DIR from the environment is for host builds)
build() { (cd "$FW" && /usr/bin/cargo build --release --quiet --target-dir "$ROOT/$FW/target" "$@"); }
qemu() {
  timeout 120 qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic \
    -semihosting-config enable=on,target=native -kernel "$1"
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "--- 1. link proof: nopanic (panic handler calls an undefined symbol)"
if ! build --bin nopanic 2>"$work/link.err"; then
  cat "$work/link.err"
  echo "FAIL: nopanic does not link: a panic path is reachable. Where they start:"
  build --features audit --bin nopanic
  python3 "$FW/tools/panic_paths.py" "$OUT/nopanic" || true
  exit 1
fi
echo "ok: nopanic links: no panic path in SAC decode/encode, the quantization kernels,"
echo "    vcbn::Prefix/Blob, the JSON reader (tokens, to_u64) and the link layer"
echo "    (LinkWriter, Encoder, Decoder)"

echo "--- run it under QEMU over a capture of the firmware demo"
build --bin firmware
(cd "$work" && qemu "$OUT/firmware" >/dev/null 2>&1)
cp "$work/firmware.capture" "$work/nopanic.input"
(cd "$work" && qemu "$OUT/nopanic" 2>&1) | tee "$work/nopanic.out"
grep -q "sac=30 vcbn=30 mismatches=0 errors=0" "$work/nopanic.out" || {
  echo "FAIL: nopanic did not decode the 30 SAC and 30 VCBN frames cleanly"
  exit 1
}
link_frames=$(( ($(stat -c %s "$work/nopanic.input") + 511) / 512 ))
grep -q "link_frames=$link_frames " "$work/nopanic.out" || {
  echo "FAIL: nopanic did not carry all $link_frames 512-byte pieces through the link layer intact"
  exit 1
}

echo "--- 2. full link proof: nopanic_full"
if ! build --features full-proof --bin nopanic_full 2>"$work/full.err"; then
  cat "$work/full.err"
  echo "FAIL: nopanic_full does not link: a panic path is reachable. Where they start:"
  build --features audit --bin nopanic_full
  python3 "$FW/tools/panic_paths.py" "$OUT/nopanic_full" || true
  exit 1
fi
echo "ok: nopanic_full links: no panic path in SAC/VCBN decode and encode, the stream"
echo "    decoder (strict and resync), FrameReader, the JSON reader and float reader,"
echo "    and the streaming writers"
echo "--- run it under QEMU over the same capture"
(cd "$work" && qemu "$OUT/nopanic_full" 2>&1) | tee "$work/full.out"
grep -q "sac=60 vcbn=60 mismatches=0 errors=0 strict_frames=60 strict_errors=0 resync_frames=60 resync_errors=0" \
  "$work/full.out" || {
  echo "FAIL: nopanic_full did not decode and re-encode all 60 frames"
  exit 1
}
echo "nopanic: all checks passed"
