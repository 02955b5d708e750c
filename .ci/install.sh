#!/usr/bin/env bash
# Debian packages for the bare-metal builds (Debian's Rust with its std
# sources), linking (lld), emulation (QEMU), code size (llvm-size) and the
# browser tests (chromium).
set -euo pipefail
pkgs=(rustc-web cargo-web rust-web-src lld-19 llvm-19 qemu-system-arm qemu-system-misc chromium curl)
# Node.js (>= 20) and npm for the browser tests come with the machine; if
# they are missing, Debian's are the fallback (Debian 12's Node is 18, too
# old for .ci/browser.sh, which says so; Debian 13's is 20).
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
/usr/bin/rustc --version
node --version
# NumPy, for the NumPy side of the benchmark smoke test (.ci/bench_smoke.sh).
python3 -c 'import numpy' 2>/dev/null || python3 -m pip install --quiet numpy
python3 -c 'import numpy; print("numpy", numpy.__version__)'
