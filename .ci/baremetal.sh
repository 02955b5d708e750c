#!/usr/bin/env bash
# A real no_std build of the library for three microcontroller families with
# Debian's Rust, which builds `core` from source for any target:
#   thumbv7em-none-eabihf        Cortex-M4F/M7 (FPU)
#   thumbv6m-none-eabi           Cortex-M0/M0+ (no FPU, no compare-and-swap; RP2040-class)
#   riscv32imc-unknown-none-elf  RV32IMC (no atomics; ESP32-C3-class)
# Every combination of the no_std features defmt, embedded-io and
# embedded-io-async on each, and all of them with unstable-json (std, alloc
# and cli need an OS or an allocator).
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(${BAREMETAL_TARGETS:-thumbv7em-none-eabihf thumbv6m-none-eabi riscv32imc-unknown-none-elf})
build() { # target features
  echo "--- $1, features: ${2:-none}"
  RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 RUSTFLAGS="-D warnings" /usr/bin/cargo build --release \
    -Zbuild-std=core --target "$1" --no-default-features ${2:+--features "$2"} \
    --target-dir target/debian
}
for t in "${targets[@]}"; do
  build "$t" ""
  build "$t" "defmt"
  build "$t" "embedded-io"
  build "$t" "embedded-io-async"
  build "$t" "embedded-io,embedded-io-async"
  build "$t" "defmt,embedded-io"
  build "$t" "defmt,embedded-io-async"
  build "$t" "defmt,embedded-io,embedded-io-async"
  build "$t" "defmt,embedded-io,embedded-io-async,unstable-json"
done
echo "baremetal: every no_std feature combination builds for ${targets[*]}"
