#!/usr/bin/env bash
# Build the wheels users install and the sdist, the way .github/workflows/wheels.yml builds them:
# manylinux2014 and musllinux_1_2 for x86-64 and aarch64, cross-built with zig (ziglang from
# PyPI) and the release profile; each wheel checked by auditwheel (its platform tag, and no
# shared library outside the policy's allowlist) and its size printed.
#
#   scripts/wheels.sh OUT_DIR [ITEM...]
#
# An ITEM is TARGET:COMPATIBILITY (a wheel, into OUT_DIR/TARGET/) or `sdist` (into OUT_DIR/sdist/,
# then installed with pip into a clean venv, built from source as on a platform without a wheel,
# where it must pass tests/core). Default: the four wheels below and the sdist.
#
# Environment:
#   KEYTURN_VENV     venv that gets the build tools (scripts/wheel-tools.txt); default .venv
#   WHEELS_TIMEOUT   seconds one build may take (default 900)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
# shellcheck source=scripts/wheel-lib.sh
source scripts/wheel-lib.sh

out=${1:?usage: scripts/wheels.sh OUT_DIR [TARGET:COMPATIBILITY | sdist]...}
shift
mkdir -p "$out"
out=$(cd "$out" && pwd)
venv=${KEYTURN_VENV:-$root/.venv}
items=("$@")
if [ ${#items[@]} -eq 0 ]; then
    items=(x86_64-unknown-linux-gnu:manylinux2014 aarch64-unknown-linux-gnu:manylinux2014
        x86_64-unknown-linux-musl:musllinux_1_2 aarch64-unknown-linux-musl:musllinux_1_2 sdist)
fi
# maturin finds zig as `python3 -m ziglang` on PATH, so the venv's python3 comes first.
export PATH="$venv/bin:$PATH"

section "wheels: tools (rustup targets, maturin, ziglang, auditwheel)"
rust_targets=()
for item in "${items[@]}"; do
    case $item in *:*) rust_targets+=("${item%%:*}") ;; esac
done
if [ ${#rust_targets[@]} -gt 0 ]; then timeout 600 rustup target add "${rust_targets[@]}"; fi
timeout 600 "$venv/bin/python" -m pip install --quiet -r scripts/wheel-tools.txt
maturin --version
python3 -m ziglang version

wheel_item() { # TARGET COMPATIBILITY
    local target=$1 compatibility=$2 wheel
    section "wheel: $target $compatibility"
    wheel=$(build_wheel "$target" "$compatibility" "$out/$target")
    check_wheel "$wheel" "$(expected_tag "$target" "$compatibility")"
    check_backend "$wheel" "$target"
}

sdist_item() {
    local sdist sdist_venv
    section "sdist"
    rm -rf "$out/sdist"
    timeout 300 maturin sdist --out "$out/sdist"
    sdist=$(ls "$out"/sdist/keyturn-*.tar.gz)
    ls -l "$sdist"

    section "sdist: pip install in a clean venv (builds the core from source) + tests/core"
    # What a user on a platform without a wheel gets: pip builds the sdist with its own isolated
    # maturin and the local toolchain. Cargo builds into the clone's target/ (where `pip install
    # -e` built the same crates for this machine): crates compile once per source and flags, so
    # the third-party ones are reused and keyturn itself is compiled from the unpacked sdist.
    # Tested from an empty directory so only site-packages is seen.
    sdist_venv="$out/sdist/venv"
    python3 -m venv "$sdist_venv"
    CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target} timeout 900 \
        "$sdist_venv/bin/pip" install --quiet "${sdist}[wheel-test]"
    mkdir -p "$out/sdist/run"
    (cd "$out/sdist/run" && run_pytest "$sdist_venv/bin/python" -p no:cacheprovider \
        --rootdir "$root" -c "$root/pyproject.toml" "$root/tests/core")
}

for item in "${items[@]}"; do
    case $item in
        sdist) sdist_item ;;
        *:*) wheel_item "${item%%:*}" "${item#*:}" ;;
        *) echo "error: unknown item $item" >&2; exit 2 ;;
    esac
done

print_timings
