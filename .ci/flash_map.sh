#!/usr/bin/env bash
# Where the firmware's flash goes: every symbol of the firmware demo's
# release build (thumbv7em-none-eabihf unless TARGET is set), by size, and the
# totals per crate (llvm-nm --size-sort, demangled). Build it first
# (.ci/firmware.sh or .ci/families.sh). Usage: bash .ci/flash_map.sh [TOP]
set -euo pipefail
cd "$(dirname "$0")/.."
target=${TARGET:-thumbv7em-none-eabihf}
bin=examples/firmware/target/$target/release/firmware
top=${1:-25}
[ -f "$bin" ] || { echo "build the firmware first: $bin"; exit 1; }
nm=/usr/lib/llvm-19/bin/llvm-nm
syms=$("$nm" --size-sort -S --radix=d -C "$bin" | awk '$3 ~ /^[tTrR]$/')
echo "--- the $top largest symbols of $bin (bytes)"
echo "$syms" | tail -n "$top" | sort -k2,2nr | awk '{ s=$2; $1=$2=$3=""; sub(/^ +/, ""); printf "%7d  %s\n", s, $0 }'
echo "--- per crate (code and read-only data in named symbols)"
echo "$syms" | awk '{
  s=$2; $1=$2=$3=""; sub(/^ +/, ""); name=$0
  gsub(/^<+(&mut |&)?/, "", name)
  crate=name; sub(/::.*/, "", crate); sub(/[<> ].*/, "", crate)
  if (crate ~ /^\.L/) crate="(anonymous constants)"
  if (s > 0) { tot[crate]+=s; all+=s }
} END { for (c in tot) printf "%7d  %s\n", tot[c], c; printf "%7d  (total)\n", all }' | sort -nr
