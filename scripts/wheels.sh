#!/usr/bin/env bash
# Build the wheels users install and the sdist, the way .github/workflows/wheels.yml builds them:
# manylinux2014 and musllinux_1_2 for x86-64 and aarch64, cross-built with zig (ziglang from
# PyPI) and the release profile; each wheel checked by auditwheel (its platform tag, and no
# shared library outside the policy's allowlist) and its size printed.
#
#   scripts/wheels.sh OUT_DIR      wheels land in OUT_DIR/<target>/, the sdist in OUT_DIR/sdist/
#
# The sdist is then installed with pip into a clean venv (built from source, as on a platform
# without a wheel) and passes tests/core.
#
# Environment:
#   KEYTURN_VENV     venv that gets the build tools (maturin, ziglang, auditwheel); default .venv
#   WHEELS_TARGETS   space-separated TARGET:COMPATIBILITY pairs (default: the four below)
#   WHEELS_TIMEOUT   seconds one build may take (default 900)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
# shellcheck source=scripts/wheel-lib.sh
source scripts/wheel-lib.sh

out=${1:?usage: scripts/wheels.sh OUT_DIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
venv=${KEYTURN_VENV:-$root/.venv}
targets=${WHEELS_TARGETS:-x86_64-unknown-linux-gnu:manylinux2014 aarch64-unknown-linux-gnu:manylinux2014 x86_64-unknown-linux-musl:musllinux_1_2 aarch64-unknown-linux-musl:musllinux_1_2}
# maturin finds zig as `python3 -m ziglang` on PATH, so the venv's python3 comes first.
export PATH="$venv/bin:$PATH"

section "wheels: tools (rustup targets, maturin, ziglang, auditwheel)"
rust_targets=()
for pair in $targets; do rust_targets+=("${pair%%:*}"); done
timeout 600 rustup target add "${rust_targets[@]}"
timeout 600 "$venv/bin/python" -m pip install --quiet -r scripts/wheel-tools.txt
maturin --version
python3 -m ziglang version

for pair in $targets; do
    target=${pair%%:*}
    compatibility=${pair#*:}
    section "wheel: $target $compatibility"
    wheel=$(build_wheel "$target" "$compatibility" "$out/$target")
    check_wheel "$wheel" "$(expected_tag "$target" "$compatibility")"
    check_backend "$wheel" "$target"
done

section "sdist"
rm -rf "$out/sdist"
timeout 300 maturin sdist --out "$out/sdist"
sdist=$(ls "$out"/sdist/keyturn-*.tar.gz)
ls -l "$sdist"

section "sdist: pip install in a clean venv (builds the core from source) + tests/core"
# What a user on a platform without a wheel gets: pip builds the sdist with its own isolated
# maturin and the local toolchain. Cargo builds into the clone's target/ (where `pip install -e`
# built the same crates for this machine): crates compile once per source and flags, so the
# third-party ones are reused and keyturn itself is compiled from the unpacked sdist. Tested from
# an empty directory so only site-packages is seen.
sdist_venv="$out/sdist/venv"
rm -rf "$sdist_venv"
python3 -m venv "$sdist_venv"
CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target} timeout 900 \
    "$sdist_venv/bin/pip" install --quiet "${sdist}[wheel-test]"
mkdir -p "$out/sdist/run"
(cd "$out/sdist/run" && run_pytest "$sdist_venv/bin/python" -p no:cacheprovider \
    --rootdir "$root" -c "$root/pyproject.toml" "$root/tests/core")

print_timings
