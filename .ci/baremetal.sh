#!/usr/bin/env bash
# A real no_std build of the library for a Cortex-M4F with Debian's Rust,
# which builds `core` from source for any target.
set -euo pipefail
cd "$(dirname "$0")/.."
build() {
  echo "--- thumbv7em-none-eabihf, features: ${1:-none}"
  RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 RUSTFLAGS="-D warnings" /usr/bin/cargo build --release \
    -Zbuild-std=core --target thumbv7em-none-eabihf --no-default-features ${1:+--features "$1"} \
    --target-dir target/debian
}
build ""
build "defmt"
# The other no_std features too (std and cli need an OS).
build "embedded-io,embedded-io-async"
build "defmt,embedded-io,embedded-io-async"
