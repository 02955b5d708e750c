#!/usr/bin/env bash
# The Python package (python/): builds it from this checkout with pip (maturin
# from PyPI, the Rust crates from crates.io), installs it into a fresh virtual
# environment, and runs its tests (python/tests: byte identity with the NumPy
# reference, golden and imgpack vectors, errors, streams, leaks, the FastAPI
# demo on loopback) and its benchmark. Needs python3 (>= 3.9) with venv, and
# cargo; nothing but the package registries is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    apt-get update -qq && apt-get install -y -qq python3-venv python3-pip
fi

echo "--- the crate: fmt, clippy (-D warnings)"
cargo fmt --manifest-path python/Cargo.toml -- --check
cargo clippy --manifest-path python/Cargo.toml --all-targets --locked -- -D warnings

venv=target/python-venv
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip

echo "--- pip install ./python (the README's command) into a fresh venv"
"$venv/bin/python" -m pip install -q ./python
"$venv/bin/python" -m pip install -q pytest hypothesis fastapi 'uvicorn[standard]' websockets
"$venv/bin/python" -c 'import framewire, numpy; print("framewire", framewire.__version__, "numpy", numpy.__version__, framewire.__file__)'

echo "--- pytest python/tests"
# The pytest script, not `python -m pytest`: the current directory is not put
# on sys.path, so the tests import the installed package.
"$venv/bin/pytest" -q -c python/pyproject.toml python/tests

echo "--- benchmark (python/bench.py)"
"$venv/bin/python" python/bench.py --repeat 5
