#!/usr/bin/env bash
# Browser stage: the demo in real headless Chromium (Debian's chromium,
# driven by playwright-core from npm), and framewire.js against the Rust
# decoder.
#
#   1. npm ci in tests/browser (playwright-core, pinned by package-lock.json)
#   2. cargo build --release: the demo server, the framewire CLI and the
#      demo's imgpack_truth example (the Rust side of the imgpack tests)
#   3. start the demo on a free port with a fresh image folder
#   4. node --test: decoders.test.mjs and imgpack.test.mjs (Node),
#      page.test.mjs and imgpack_page.test.mjs (Chromium)
#   5. the screenshot is left at $target/browser/screenshot.png
#
# Needs: chromium (.ci/install.sh), node >= 20, npm.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
chromium_bin="${CHROMIUM:-/usr/bin/chromium}"

[ -x "$chromium_bin" ] || { echo "browser: $chromium_bin not found (run .ci/install.sh)" >&2; exit 1; }
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$node_major" -ge 20 ] || { echo "browser: Node >= 20 is needed, found $(node --version 2>/dev/null || echo none)" >&2; exit 1; }
echo "== $("$chromium_bin" --version 2>/dev/null || echo chromium), node $(node --version)"

echo "== npm ci (tests/browser)"
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)

echo "== building the demo and the CLI (release)"
# Two invocations: the demo (its own package, framewire-demo) links the
# library without the cli feature, as `cargo run --release -p framewire-demo`
# does.
cargo build --quiet --release --features cli --bin framewire
cargo build --quiet --release -p framewire-demo --bin framewire-demo --example imgpack_truth
demo="$target/release/framewire-demo"

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== starting the demo server"
# A fresh temp dir: the demo generates its image folder there.
TMPDIR="$work" "$demo" --port 0 >"$work/server.log" 2>&1 &
server_pid=$!
url=""
for _ in $(seq 1 300); do
  url="$(sed -n 's|^framewire demo: serving \(http://[^ ]*\)/ .*|\1|p' "$work/server.log")"
  [ -n "$url" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; echo "browser: the demo server exited" >&2; exit 1; }
  sleep 0.2
done
[ -n "$url" ] || { cat "$work/server.log" >&2; echo "browser: the demo server did not start" >&2; exit 1; }
echo "   $url (images in $work/framewire-demo-images-v2)"

echo "== node --test (decoders in Node, the page in Chromium)"
mkdir -p "$target/browser"
DEMO_URL="$url" \
IMAGES_DIR="$work/framewire-demo-images-v2" \
FRAMEWIRE_BIN="$target/release/framewire" \
IMGPACK_TRUTH_BIN="$target/release/examples/imgpack_truth" \
CHROMIUM="$chromium_bin" \
SCREENSHOT="$target/browser/screenshot.png" \
  node --test --test-concurrency=1 \
    tests/browser/decoders.test.mjs tests/browser/imgpack.test.mjs \
    tests/browser/page.test.mjs tests/browser/imgpack_page.test.mjs
echo "== screenshot: $target/browser/screenshot.png"

echo "== the port: PORT from the environment, --port over it, a bad PORT refused"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
TMPDIR="$work" PORT="$port" "$demo" >"$work/port.log" 2>&1 &
port_pid=$!
ok=""
for _ in $(seq 1 100); do
  if curl -sf "http://127.0.0.1:$port/framewire.js" -o /dev/null; then ok=1; break; fi
  sleep 0.1
done
kill "$port_pid" 2>/dev/null || true; wait "$port_pid" 2>/dev/null || true
[ -n "$ok" ] || { cat "$work/port.log" >&2; echo "browser: PORT=$port was not served" >&2; exit 1; }
echo "   PORT=$port: served"
# --port wins over a PORT that is not a port number.
TMPDIR="$work" PORT=not-a-port "$demo" --port 0 >"$work/port2.log" 2>&1 &
port_pid=$!
ok=""
for _ in $(seq 1 100); do
  grep -q '^framewire demo: serving http://' "$work/port2.log" && { ok=1; break; }
  sleep 0.1
done
kill "$port_pid" 2>/dev/null || true; wait "$port_pid" 2>/dev/null || true
[ -n "$ok" ] || { cat "$work/port2.log" >&2; echo "browser: --port 0 did not win over PORT" >&2; exit 1; }
echo "   --port 0 over PORT=not-a-port: served"
set +e
PORT=not-a-port "$demo" >"$work/port3.log" 2>&1
rc=$?
set -e
if [ "$rc" != 2 ] || ! grep -q "not-a-port" "$work/port3.log"; then
  cat "$work/port3.log" >&2; echo "browser: PORT=not-a-port gave exit $rc, want 2 naming the value" >&2; exit 1
fi
echo "   PORT=not-a-port alone: exit 2: $(head -n 1 "$work/port3.log")"
