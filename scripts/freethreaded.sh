#!/usr/bin/env bash
# keyturn on free-threaded CPython 3.14t: build the interpreter from Debian's python3.14 source
# package (./configure --disable-gil; kept in KEYTURN_CI_CACHE, keyed by version), build keyturn's
# cp314t wheel with it (manylinux2014 x86-64, as wheels.yml does), run the concurrency tests with
# the GIL off (tests/wheel/gil_off.py fails the run if `import keyturn` or anything after it turns
# the GIL on), and print verify_many and multi-threaded verify throughput with the GIL off and on.
#
#   scripts/freethreaded.sh OUT_DIR
#
# PyO3 0.30 refuses free-threaded CPython below 3.14, so 3.13's source is no substitute. If the
# python3.14 source cannot be fetched (the mirror has answered 404 for it), the cp314t wheel is
# still built and checked, but not tested: the script says so on its last line and exits 0, and
# README.md lists the cp314t wheels as built, not tested.
#
# Environment: KEYTURN_CI_CACHE (default /var/cache/keyturn-ci), KEYTURN_VENV (build tools,
# default .venv), FT_FETCH_TRIES (default 2). Needs root (apt-get).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
# shellcheck source=scripts/wheel-lib.sh
source scripts/wheel-lib.sh

out=$(mkdir -p "${1:?usage: scripts/freethreaded.sh OUT_DIR}" && cd "$1" && pwd)
cache=${KEYTURN_CI_CACHE:-/var/cache/keyturn-ci}
export PATH="${KEYTURN_VENV:-$root/.venv}/bin:$PATH"
concurrency_tests=(
    tests/core/test_batch_and_cache.py
    tests/tokens/test_verify_many.py
    tests/tokens/test_verifier_cache.py
    tests/jwks/test_single_flight.py
    tests/refresh/test_concurrency.py
)

# A deb-src stanza for the suites that carry python3.14, on the mirror this machine's apt uses.
add_deb_src() {
    local list=/etc/apt/sources.list.d/keyturn-deb-src.sources mirror
    mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
    printf 'Types: deb-src\nURIs: %s\nSuites: forky sid trixie\nComponents: main\nSigned-By: %s\n' \
        "$mirror" /usr/share/keyrings/debian-archive-keyring.gpg >"$list"
    timeout 300 apt-get update -q >/dev/null
}

# fetch_source DIR: download python3.14's newest fetchable source version into DIR, trying every
# listed version FT_FETCH_TRIES times; prints the version.
fetch_source() {
    local dir=$1 try version
    local tries=${FT_FETCH_TRIES:-2}
    for try in $(seq "$tries"); do
        for version in $(apt-cache showsrc python3.14 | awk '/^Version:/ { print $2 }' | sort -rV); do
            if (cd "$dir" && timeout 300 apt-get source -q --download-only "python3.14=$version" >&2); then
                echo "$version"
                return 0
            fi
        done
        echo "python3.14 source: try $try of $tries failed" >&2
        if [ "$try" -lt "$tries" ]; then sleep 10; fi
    done
    return 1
}

# build_python VERSION SRC_DIR PREFIX: configure --disable-gil, make, altinstall.
build_python() {
    local version=$1 src=$2 prefix=$3
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q build-essential pkg-config \
        libssl-dev zlib1g-dev libffi-dev libsqlite3-dev libbz2-dev liblzma-dev >/dev/null
    (cd "$src" && dpkg-source -x python3.14_"$version".dsc tree >/dev/null)
    rm -rf "$prefix"
    (cd "$src/tree" && ./configure -q --disable-gil --prefix="$prefix" &&
        timeout 1200 make -s -j"$(nproc)" && make -s altinstall) >"$src/build.log" 2>&1 ||
        { tail -40 "$src/build.log"; return 1; }
    touch "$prefix/.complete"
}

section "free-threaded: CPython 3.14t from Debian's python3.14 source"
src="$out/cpython-src"
rm -rf "$src"
mkdir -p "$src" "$cache"
add_deb_src
python=""
if version=$(fetch_source "$src"); then
    prefix="$cache/cpython-$version-freethreaded"
    if [ ! -e "$prefix/.complete" ]; then
        build_python "$version" "$src" "$prefix"
    fi
    python="$prefix/bin/python3.14t"
    "$python" -VV
fi

# Without the interpreter maturin builds against its own record of CPython 3.14t's
# configuration: the wheel is built and checked, but nothing can import it here.
section "free-threaded: cp314t wheel (manylinux2014 x86-64)"
wheel=$(build_wheel x86_64-unknown-linux-gnu manylinux2014 "$out/cp314t" \
    --interpreter "${python:-python3.14t}")
check_wheel "$wheel" manylinux_2_17_x86_64
check_backend "$wheel" x86_64-unknown-linux-gnu
case $(basename "$wheel") in *-cp314-cp314t-*) ;; *) echo "error: not a cp314t wheel" >&2; exit 1 ;; esac
if [ -z "$python" ]; then
    echo "free-threaded: Debian's python3.14 source could not be fetched: $(basename "$wheel")" \
        "is built, NOT tested (no free-threaded interpreter here)"
    print_timings
    exit 0
fi

section "free-threaded: install into a 3.14t venv"
venv="$out/venv-3.14t"
rm -rf "$venv"
"$python" -m venv "$venv"
timeout 900 "$venv/bin/pip" install --quiet "${wheel}[wheel-test]" psycopg psycopg-pool redis

section "free-threaded: concurrency tests with the GIL off"
mkdir -p "$out/run"
(cd "$out/run" && PYTHONPATH="$root/tests/wheel" run_pytest "$venv/bin/python" -p gil_off \
    -p no:cacheprovider --rootdir "$root" -c "$root/pyproject.toml" "${concurrency_tests[@]/#/$root/}")

section "free-threaded: throughput, GIL off and on"
timeout 300 "$venv/bin/python" scripts/ft_throughput.py
PYTHON_GIL=1 timeout 300 "$venv/bin/python" scripts/ft_throughput.py

print_timings
