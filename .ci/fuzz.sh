#!/usr/bin/env bash
# CI stage: build every fuzz target and run each for 60 seconds, one at a
# time, from corpora seeded with the golden vectors (fuzz/seed.sh). Fails on
# any crash, timeout or out-of-memory input. See fuzz/README.md.
#
# Needs rustup's nightly toolchain (cargo-fuzz builds with -Zsanitizer=address)
# and cargo-fuzz, installed here if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
# A fixed libFuzzer seed, so a run is repeatable (up to where time stops it).
export FUZZ_SEED=${FUZZ_SEED:-1}

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz: the nightly toolchain is required (rustup toolchain install nightly)" >&2
  exit 1
fi
cargo +nightly --version
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz"
  cargo install cargo-fuzz --version 0.13.2 --locked
fi
cargo fuzz --version

echo "fuzz: building every target"
(cd fuzz && cargo +nightly fuzz build)
echo "fuzz: targets: $(cd fuzz && cargo +nightly fuzz list | tr '\n' ' ')"

echo "fuzz: running each target for ${secs}s"
bash fuzz/run.sh "$secs"
