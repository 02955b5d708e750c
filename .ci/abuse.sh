#!/usr/bin/env bash
# The demo server under attack on loopback (tests/abuse/abuse.py): large and
# unfinished WebSocket messages, 32 MiB JSON bodies, ETags of a 512 MiB file,
# FIFOs and links out of the folder, /stream in bulk, 2,000 idle
# connections, cross-site requests. Each attack checks the server's resident
# memory, the status codes and that /api/state still answers within 1 s.
# About 30 s; needs python3 (standard library only).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
echo "== building the demo (release)"
cargo build --quiet --release -p framewire-demo
echo "== python3 tests/abuse/abuse.py"
python3 tests/abuse/abuse.py "$target/release/framewire-demo"
