#!/usr/bin/env bash
# Debian packages for the bare-metal builds (Debian's Rust with its std
# sources), linking (lld), emulation (QEMU), code size (llvm-size) and the
# browser tests (chromium).
set -euo pipefail
pkgs=(rustc-web cargo-web rust-web-src lld-19 llvm-19 qemu-system-arm chromium)
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
