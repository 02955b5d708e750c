#!/usr/bin/env bash
# MSRV check: the library builds with Rust 1.85, the `rust-version` that
# Cargo.toml declares.
#
# rustup is not used. Debian 12 (bookworm) ships Rust 1.85 in its main archive
# as rustc-web/cargo-web 1.85.0+dfsg3-1~deb12u3 (bookworm-security has a newer
# one under the same package names). This script downloads the 1.85 packages
# with `apt-get download` into target/msrv/debs/, unpacks them with `dpkg -x`
# into a private prefix, target/msrv/toolchain/, and runs that cargo and
# rustc from there. Nothing is installed system-wide from them, so a
# rustc-web/cargo-web of another version that is installed stays as it is.
# (Shared libraries those 1.85 binaries need and the system lacks, such as
# libllvm19, are unpacked into the same prefix and found through
# LD_LIBRARY_PATH. A C compiler and linker, which build scripts and proc
# macros need, is installed with apt-get if there is none.)
#
# What is checked: `cargo check --lib --locked` of the framewire package
# (the dependency versions of Cargo.lock), in its own target directory
# (target/msrv/), with each of these feature sets:
#
#   (none)                                  the no_std core
#   defmt,embedded-io,embedded-io-async     every no_std integration
#   std,defmt,embedded-io,embedded-io-async,unstable-json
#                                           every feature but cli and avx512
#   alloc, and alloc with the sets above    when Cargo.toml declares `alloc`
#
# Not checked: the `cli` feature and the tests, examples and benchmarks. They
# need crates (clap, tempfile, axum, criterion, ...) whose current versions
# may ask for a newer Rust than 1.85; the MSRV promise is for the library.
# Nor `avx512`, which needs Rust 1.89 (its AVX-512 intrinsics) by design.
#
# Works as root or as a user with sudo, on a fresh Debian 12 machine; needs
# network access to the Debian archive and to crates.io (or a filled cargo
# cache). Usage: bash .ci/msrv.sh
set -euo pipefail
cd "$(dirname "$0")/.."

MSRV=1.85
DEB_VERSION=1.85.0+dfsg3-1~deb12u3
TOOLCHAIN_PKGS=(rustc-web cargo-web libstd-rust-web-dev "libstd-rust-web-$MSRV")
root=$PWD/target/msrv
debs=$root/debs
prefix=$root/toolchain

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

echo "== MSRV check: Rust $MSRV (Debian $DEB_VERSION)"

# A C compiler and linker for build scripts and proc macros.
if ! command -v cc >/dev/null 2>&1; then
  echo "-- no cc: installing gcc"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends gcc libc6-dev >/dev/null
fi

# The package lists must know the 1.85 packages.
if ! apt-cache show "rustc-web=$DEB_VERSION" >/dev/null 2>&1; then
  echo "-- apt-get update"
  $SUDO apt-get update -qq
fi

if [ ! -x "$prefix/usr/bin/cargo" ] || [ ! -x "$prefix/usr/bin/rustc" ] \
   || [ "$(cat "$prefix/.deb-version" 2>/dev/null)" != "$DEB_VERSION" ]; then
  # What installing the 1.85 packages would bring in on this machine (a
  # simulation: nothing is installed): the toolchain packages themselves and
  # the libraries the system lacks, each with its exact version.
  pins=()
  for p in "${TOOLCHAIN_PKGS[@]}"; do pins+=("$p=$DEB_VERSION"); done
  mapfile -t wanted < <(
    apt-get -s -qq install --no-install-recommends --allow-downgrades "${pins[@]}" 2>/dev/null \
      | sed -n 's/^Inst \([^ ]*\) \(\[[^]]*\] \)\?(\([^ ]*\) .*/\1=\3/p'
  )
  if [ ${#wanted[@]} -eq 0 ]; then
    echo "apt-get cannot resolve ${pins[*]}" >&2
    exit 1
  fi
  mkdir -p "$debs"
  rm -rf "$prefix"
  mkdir -p "$prefix"
  for pv in "${wanted[@]}"; do
    name=${pv%%=*}
    version=${pv#*=}
    # apt-get download names the file NAME_VERSION_ARCH.deb, with ':' in the
    # version written as %3a.
    file=$(ls "$debs/${name}_${version/:/%3a}_"*.deb 2>/dev/null | head -n1 || true)
    if [ -z "$file" ]; then
      echo "-- apt-get download $pv"
      (cd "$debs" && apt-get download -qq "$pv" 2>&1 | grep -v "unsandboxed as root" || true)
      file=$(ls "$debs/${name}_${version/:/%3a}_"*.deb 2>/dev/null | head -n1 || true)
      if [ -z "$file" ]; then
        echo "download of $pv failed" >&2
        exit 1
      fi
    fi
    echo "-- dpkg -x $(basename "$file")"
    dpkg -x "$file" "$prefix"
  done
  echo "$DEB_VERSION" >"$prefix/.deb-version"
fi

# The prefix's libraries first (librustc_driver, and any the system lacks;
# Debian 12 packages put libraries under both /lib and /usr/lib).
triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo "$(uname -m)-linux-gnu")
libdirs=$prefix/usr/lib/$triplet:$prefix/lib/$triplet:$prefix/usr/lib
export LD_LIBRARY_PATH=$libdirs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export RUSTC=$prefix/usr/bin/rustc
export RUSTDOC=$prefix/usr/bin/rustdoc
unset RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER RUSTFLAGS RUSTC_BOOTSTRAP CARGO_BUILD_TARGET
cargo=$prefix/usr/bin/cargo

rustc_version=$("$RUSTC" --version)
cargo_version=$("$cargo" --version)
echo "-- $rustc_version"
echo "-- $cargo_version"
case "$rustc_version" in
  "rustc $MSRV."*) ;;
  *) echo "the unpacked rustc is not $MSRV" >&2; exit 1 ;;
esac

sets=("" "defmt,embedded-io,embedded-io-async" "std,defmt,embedded-io,embedded-io-async,unstable-json")
if grep -Eq '^[[:space:]]*alloc[[:space:]]*=' Cargo.toml; then
  sets+=("alloc" "alloc,defmt,embedded-io,embedded-io-async" "alloc,std,defmt,embedded-io,embedded-io-async,unstable-json")
fi

checked=()
for features in "${sets[@]}"; do
  echo "-- cargo check --lib --locked -p framewire --no-default-features ${features:+--features $features}"
  "$cargo" check --lib --locked -p framewire --no-default-features ${features:+--features "$features"} \
    --target-dir "$root" --quiet
  checked+=("${features:-(no features)}")
done

echo "== MSRV $MSRV: the library builds (cargo check --lib) with:"
for c in "${checked[@]}"; do echo "   $c"; done
