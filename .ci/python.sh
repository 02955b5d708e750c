#!/usr/bin/env bash
# The Python package (python/): checks its crate (fmt, clippy, and the Rust
# test of its part queue, python/rust-tests/par.rs), builds it from this
# checkout with pip (maturin from PyPI, the Rust crates from crates.io),
# installs it into a fresh virtual environment, and runs its tests
# (python/tests: byte identity with the NumPy reference, golden and imgpack
# vectors, imgpack's latest layout, errors, streams, leaks, the FastAPI demo
# on loopback) and its benchmark. The wheel
# is built once and tested with NumPy 2.x and, in a second venv, NumPy 1.x.
# Needs python3 (>= 3.9) with venv, and cargo; nothing but the package
# registries is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    apt-get update -qq && apt-get install -y -qq python3-venv python3-pip
fi

echo "--- the crate: fmt, clippy (-D warnings)"
cargo fmt --manifest-path python/Cargo.toml -- --check
cargo clippy --manifest-path python/Cargo.toml --all-targets --locked -- -D warnings

echo "--- the crate's Rust test: the part queue that splits large results across threads"
cargo test --manifest-path python/Cargo.toml --test par --locked

venv=target/python-venv
venv1=target/python-venv-numpy1
wheels=target/python-wheels
rm -rf "$venv" "$venv1" "$wheels"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip

echo "--- pip wheel ./python: the wheel, built once (maturin from PyPI; cargo --locked)"
# What `pip install ./python` (the README's command) builds, kept as a file
# so that both virtual environments install the same wheel.
MATURIN_PEP517_ARGS="--locked" "$venv/bin/python" -m pip wheel -q --no-deps -w "$wheels" ./python
wheel=$(ls "$wheels"/framewire-*.whl)

echo "--- NumPy 2.x: the wheel, and the test and demo dependencies, into a fresh venv"
"$venv/bin/python" -m pip install -q "$wheel" pytest hypothesis fastapi 'uvicorn[standard]' websockets
"$venv/bin/python" -c 'import framewire, numpy; print("framewire", framewire.__version__, "numpy", numpy.__version__, framewire.__file__)'

echo "--- pytest python/tests (NumPy 2.x)"
# The pytest script, not `python -m pytest`: the current directory is not put
# on sys.path, so the tests import the installed package.
"$venv/bin/pytest" -q -c python/pyproject.toml python/tests

echo "--- NumPy 1.x: the same wheel into a second venv with numpy<2"
python3 -m venv "$venv1"
"$venv1/bin/python" -m pip install -q --upgrade pip
"$venv1/bin/python" -m pip install -q "$wheel" 'numpy<2' pytest hypothesis
"$venv1/bin/python" -c 'import framewire, numpy; assert numpy.__version__ < "2", numpy.__version__; print("framewire", framewire.__version__, "numpy", numpy.__version__)'

echo "--- pytest python/tests (NumPy 1.x; without the demo and the million-call leak test, run above)"
"$venv1/bin/pytest" -q -c python/pyproject.toml python/tests \
    --ignore=python/tests/test_demo.py --ignore=python/tests/test_leaks.py

echo "--- benchmark (python/bench.py, NumPy 2.x)"
"$venv/bin/python" python/bench.py --rounds 9
