#!/usr/bin/env bash
# The whole test suite: README.md's second set-up command ends here, and .ci/run runs that command.
# Needs the package installed with the test and bench extras in $KEYTURN_VENV (default: .venv).
# PostgreSQL/Redis tests run when KEYTURN_TEST_POSTGRES_DSN / KEYTURN_TEST_REDIS_URL are set
# (`source scripts/test-services.sh` starts both on loopback).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

venv=${KEYTURN_VENV:-$root/.venv}
py="$venv/bin/python"
# PyO3's build script (the `python` feature only) must see the interpreter the package is
# installed into.
export PYO3_PYTHON="$py"

section "cargo fmt --check"
cargo fmt --check

section "cargo clippy (the core alone, then with the Python edge)"
cargo clippy --all-targets -- -D warnings
cargo clippy --all-targets --features python -- -D warnings

section "cargo test"
# The core without the `python` feature: no pyo3 in the build, so no interpreter is involved
# (PYO3_PYTHON is dropped to show it).
env -u PYO3_PYTHON cargo test
# The run above uses .cargo/config.toml's AVX-512 IFMA build; RUSTFLAGS replaces that to rerun the
# tests (Ed25519 conformance included) on the AVX2 and serial backends, each in its own target dir.
if [ "$(uname -m)" = x86_64 ]; then
    for pair in simd:avx2 serial:serial; do
        section "cargo test (curve25519-dalek backend ${pair%:*})"
        RUSTFLAGS="--cfg curve25519_dalek_backend=\"${pair%:*}\"" CARGO_TARGET_DIR="target/dalek-${pair%:*}" \
            KEYTURN_EXPECT_ED25519_BACKEND="${pair#*:}" env -u PYO3_PYTHON cargo test
    done
fi

section "ruff"
"$py" -m ruff check .
"$py" -m ruff format --check .

section "mypy --strict"
"$py" -m mypy

section "stubtest keyturn._core"
"$py" -m mypy.stubtest keyturn._core

section "actionlint + shellcheck"
# actionlint also runs shellcheck over every workflow `run:` block.
"$venv/bin/actionlint" -shellcheck "$venv/bin/shellcheck" .github/workflows/*.yml
"$venv/bin/shellcheck" -x .ci/run scripts/test.sh scripts/lib.sh scripts/fetch-vectors.sh \
    scripts/wheels.sh scripts/wheel-lib.sh scripts/qemu-arm64.sh scripts/freethreaded.sh

section "pytest tests/"
run_pytest "$py" tests

section "PyJWT's own test suite against keyturn.pyjwt"
# Fails on any failure outside scripts/pyjwt_expected_failures.txt (docs/migrating-from-pyjwt.md).
"$py" scripts/pyjwt_suite.py

section "benches (smoke: each benchmark once, untimed)"
run_pytest "$py" benches -o 'python_files=bench_*.py' --benchmark-disable

print_timings
