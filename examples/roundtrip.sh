#!/usr/bin/env bash
# A full round trip through the CLI (a CI stage; the main job is the demo
# server, README.md):
#
#   synthetic .npy inputs (examples/make_npy.rs)
#     -> framewire encode vcbn / encode imgpack / encode sac
#     -> framewire inspect
#     -> framewire decode [--dequantize]
#     -> exact comparison with the inputs
#
# Exits 0 only if every round trip is exact: the SAC arrays come back
# identical, the VCBN levels are exactly the library's quantization of the
# input (with the dequantized values within one step of it), and the imgpack
# float32 values are the input's.
#
# Usage: examples/roundtrip.sh [HxW]      (default 480x640)
set -euo pipefail

cd "$(dirname "$0")/.."
size="${1:-480x640}"

echo "== building (release, --features cli)"
cargo build --quiet --release --features cli --bin framewire --example make_npy
target="${CARGO_TARGET_DIR:-target}/release"
fw="$target/framewire"
mk="$target/examples/make_npy"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
trap 'echo "round trip FAILED (line $LINENO)" >&2' ERR

echo "== generating inputs ($size) in $work"
"$mk" gen "$work/in" "$size"

echo "== VCBN, uint16, range from the data (nanmin/nanmax)"
"$fw" encode vcbn --input "$work/in/depth.npy" --out "$work/depth.vcbn"
"$fw" inspect "$work/depth.vcbn"
"$fw" decode "$work/depth.vcbn" --out "$work/vcbn16" --dequantize
"$mk" check-vcbn "$work/in/depth.npy" "$work/vcbn16/data.npy" "$work/vcbn16/values.npy" uint16

echo "== VCBN, uint8, explicit range"
"$fw" encode vcbn --input "$work/in/depth.npy" --vmin=-0.5 --vmax 6.5e+00 --dtype uint8 \
    --out "$work/depth8.vcbn"
"$fw" inspect "$work/depth8.vcbn"
"$fw" decode "$work/depth8.vcbn" --out "$work/vcbn8" --dequantize
"$mk" check-vcbn "$work/in/depth.npy" "$work/vcbn8/data.npy" "$work/vcbn8/values.npy" uint8 -0.5 6.5

echo "== imgpack (latest layout), float32: the values come back as they went in"
"$fw" encode imgpack --input "$work/in/depth.npy" --dtype float32 --out "$work/depth.imgpack"
"$fw" inspect "$work/depth.imgpack"
"$fw" decode "$work/depth.imgpack" --out "$work/imgpack"
cmp "$work/in/depth.npy" "$work/imgpack/data.npy"
echo "  data.npy identical to the input, byte for byte"

echo "== SAC, width/height from the 2-D input"
"$fw" encode sac --a "$work/in/flow_u.npy" --b "$work/in/flow_v.npy" --out "$work/flow.sac"
"$fw" inspect "$work/flow.sac"
"$fw" decode "$work/flow.sac" --out "$work/sac"
"$mk" same "$work/in/flow_u.npy" "$work/sac/a.npy"
"$mk" same "$work/in/flow_v.npy" "$work/sac/b.npy"
cmp "$work/in/flow_u.npy" "$work/sac/a.npy"
cmp "$work/in/flow_v.npy" "$work/sac/b.npy"
echo "  a.npy and b.npy identical to the inputs, byte for byte"

echo "== sizes"
for f in depth.vcbn depth8.vcbn depth.imgpack flow.sac; do
    printf '  %-14s %10d bytes\n' "$f" "$(wc -c < "$work/$f")"
done
echo "round trip OK"
