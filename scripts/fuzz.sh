#!/usr/bin/env bash
# Fuzz every target for a bounded time: the cargo-fuzz targets of the Rust core (fuzz/) and the
# atheris targets of the Python entry points (tests/fuzz/). Exits non-zero on any crash, hang
# (a single input over FUZZ_TIMEOUT seconds), sanitizer report or harness assertion; the failing
# input is left in fuzz/artifacts/ (turn it into a regression test in tests/fuzz/).
#
#   scripts/fuzz.sh                     every target, FUZZ_SECONDS each, FUZZ_JOBS at a time
#
# Environment:
#   FUZZ_SECONDS    per target (default 60); FUZZ_JOBS targets at once (default 2)
#   FUZZ_TIMEOUT    seconds one input may take before it counts as a hang (default 10)
#   FUZZ_SANITIZER  for the Rust targets (default address; "none" turns it off)
#   FUZZ_TARGETS    default: every target, rust:verify rust:jwk rust:der rust:json rust:claims rust:b64
#                   py:verify py:jwk py:jwks py:pyjwt py:refresh
#   KEYTURN_VENV    the venv with keyturn and its test extra installed (default .venv)
#
# cargo-fuzz needs nightly flags: stable rustc accepts them with RUSTC_BOOTSTRAP=1, set here. The
# Rust targets link the core without its `python` feature, so they build no pyo3.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

venv=${KEYTURN_VENV:-$root/.venv}
py="$venv/bin/python"
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-2}
timeout=${FUZZ_TIMEOUT:-10}
sanitizer=${FUZZ_SANITIZER:-address}
targets=${FUZZ_TARGETS:-rust:verify rust:jwk rust:der rust:json rust:claims rust:b64 py:verify py:jwk py:jwks py:pyjwt py:refresh}
cargo_fuzz_version=0.13.2

export RUSTC_BOOTSTRAP=1
logs="$root/fuzz/artifacts/logs"
mkdir -p "$logs"

section "fuzz: tools"
if ! cargo fuzz --version 2>/dev/null | grep -q "$cargo_fuzz_version"; then
    cargo install --locked cargo-fuzz --version "$cargo_fuzz_version"
fi
"$py" -c 'import atheris' 2>/dev/null || "$venv/bin/pip" install --quiet 'atheris>=2.3'

section "fuzz: seed corpus"
"$py" fuzz/build_corpus.py

section "fuzz: build (sanitizer: $sanitizer)"
(cd fuzz && cargo fuzz build -O -s "$sanitizer")

# run_target KIND:NAME: one bounded run; its log goes to fuzz/artifacts/logs/.
run_target() {
    local kind=${1%%:*} name=${1#*:}
    local options=(-max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=2048 -print_final_stats=1)
    if [ "$kind" = rust ]; then
        mkdir -p "fuzz/artifacts/$name"
        (cd fuzz && cargo fuzz run -O -s "$sanitizer" "$name" -- "${options[@]}" \
            -artifact_prefix="$root/fuzz/artifacts/$name/")
    else
        local seeds
        seeds=$("$py" -c "import sys; sys.path.insert(0, 'tests/fuzz'); import harnesses; print(harnesses.SEEDS['$name'])")
        mkdir -p "fuzz/corpus/py-$name" "fuzz/artifacts/py-$name"
        "$py" tests/fuzz/run_atheris.py "$name" "fuzz/corpus/py-$name" "fuzz/corpus/$seeds" \
            "${options[@]}" -artifact_prefix="$root/fuzz/artifacts/py-$name/"
    fi
}

section "fuzz: run (${seconds}s per target, $jobs at a time)"
declare -A pids=()
failed=()
wait_one() {
    local pid target
    wait -n "${!pids[@]}" 2>/dev/null || true
    for pid in "${!pids[@]}"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            target=${pids[$pid]}
            unset "pids[$pid]"
            if wait "$pid"; then
                echo "ok    $target ($(grep -m1 -Eo 'Done [0-9]+ runs' "$logs/${target/:/-}.log" || echo '?'))"
            else
                echo "FAIL  $target: log follows"
                tail -n 40 "$logs/${target/:/-}.log"
                failed+=("$target")
            fi
        fi
    done
}
for target in $targets; do
    while [ "${#pids[@]}" -ge "$jobs" ]; do wait_one; done
    run_target "$target" >"$logs/${target/:/-}.log" 2>&1 &
    pids[$!]=$target
done
while [ "${#pids[@]}" -gt 0 ]; do wait_one; done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzzing found problems in: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
echo "fuzzing: no finding in $(wc -w <<<"$targets") targets"
print_timings
