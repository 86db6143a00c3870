#!/usr/bin/env bash
# Run the core and token tests (the Ed25519 vectors of ../shared included) on an aarch64 wheel,
# in an arm64 Debian root made with debootstrap, under qemu-user: the wheel an arm64 user installs,
# on an arm64 CPython, with nothing of the x86-64 build on the path.
#
#   scripts/qemu-arm64.sh WHEEL
#
# Environment:
#   KEYTURN_CI_CACHE   where the arm64 root is kept between runs (default /var/cache/keyturn-ci);
#                      a missing root is made (a few minutes), a present one reused
#   KEYTURN_VENV       venv whose pip fetches the arm64 test dependencies (default .venv)
#   QEMU_TEST_TIMEOUT  seconds the tests may take (default 1200)
#   KEYTURN_VECTORS    the conformance vectors (default ../shared/vectors); required here
# Needs root (apt-get, debootstrap, binfmt_misc, chroot).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

wheel=$(realpath "${1:?usage: scripts/qemu-arm64.sh WHEEL}")
venv=${KEYTURN_VENV:-$root/.venv}
cache=${KEYTURN_CI_CACHE:-/var/cache/keyturn-ci}
suite=bookworm # its python3 is 3.11: the pip tags below follow it
python_version=3.11
rootfs="$cache/arm64-$suite-python3"
tests=(tests/core tests/tokens)

section "arm64: qemu-user-static, debootstrap"
if ! command -v qemu-aarch64-static >/dev/null || ! command -v debootstrap >/dev/null; then
    timeout 600 apt-get update -q
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q qemu-user-static debootstrap
fi
# The kernel runs arm64 binaries through qemu once binfmt_misc is mounted and the handler enabled.
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
update-binfmts --enable qemu-aarch64 2>/dev/null || true
grep -q enabled /proc/sys/fs/binfmt_misc/qemu-aarch64

section "arm64: Debian $suite root ($rootfs)"
if [ ! -x "$rootfs/usr/bin/python3" ]; then
    # The mirror this machine's apt already uses (no host named here).
    mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
    rm -rf "$rootfs.partial"
    mkdir -p "$cache"
    timeout 1200 debootstrap --arch=arm64 --variant=minbase --include=python3 \
        "$suite" "$rootfs.partial" "$mirror"
    mv "$rootfs.partial" "$rootfs"
fi

vectors=${KEYTURN_VECTORS:-$(cd .. && pwd)/shared/vectors}
[ -d "$vectors" ] || { echo "error: vector folder $vectors is absent" >&2; exit 1; }

# A scratch tree inside the root: the wheel and its test dependencies (arm64 wheels fetched by
# the host's pip, so no pip runs under emulation), the tests, pyproject.toml (pytest's
# configuration), docs/ (a test reads it) and the vectors, required (tests/conftest.py): they
# are the point of this run.
kt="$rootfs/kt"
rm -rf "$kt"
mkdir -p "$kt/repo" "$kt/run"
trap 'rm -rf "$kt"' EXIT

section "arm64: install the wheel and the test dependencies"
# pip takes these tags literally (no older glibc implied): every manylinux level up to bookworm's
# glibc 2.36 that arm64 wheels on PyPI use.
platforms=()
for glibc in 2_17 2_24 2_26 2_28 2_31 2_34 2_35 2_36; do
    platforms+=(--platform "manylinux_${glibc}_aarch64")
done
timeout 600 "$venv/bin/python" -m pip install --quiet --target "$kt/site" "${platforms[@]}" \
    --python-version "$python_version" --implementation cp --only-binary=:all: "${wheel}[wheel-test]"
cp -r tests docs pyproject.toml "$kt/repo/"
cp -r "$vectors" "$kt/vectors"

# An arm64 python3 in the root: /proc, /dev and the host's /tmp (pytest's report) are mounted in
# a private mount namespace, so they go away with it.
arm64_python="$kt/python"
cat >"$arm64_python" <<EOF
#!/bin/sh
exec unshare --mount --propagation private -- sh -c '
    mount --rbind /dev "\$0/dev" && mount -t proc proc "\$0/proc" && mount --bind /tmp "\$0/tmp" &&
    exec chroot "\$0" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/tmp LANG=C.UTF-8 \
        PYTHONPATH=/kt/site:/kt/repo/tests/wheel PYTHONDONTWRITEBYTECODE=1 KEYTURN_VECTORS=/kt/vectors \
        KEYTURN_REQUIRE_VECTORS=1 /usr/bin/python3 "\$@"' "$rootfs" "\$@"
EOF
chmod +x "$arm64_python"

section "arm64: pytest ${tests[*]} (qemu-user)"
"$arm64_python" - <<'PY'
import platform
import keyturn._core

backend = getattr(keyturn._core, "ed25519_backend", lambda: "(not reported)")()
print("machine:", platform.machine(), "| python:", platform.python_version(), "| ed25519:", backend)
print("keyturn._core from:", keyturn._core.__file__)
if platform.machine() != "aarch64" or not keyturn._core.__file__.startswith("/kt/site/"):
    raise SystemExit("error: not the aarch64 wheel on an aarch64 python")
PY
test_paths=()
for path in "${tests[@]}"; do test_paths+=("/kt/repo/$path"); done
TMPDIR=/tmp timeout "${QEMU_TEST_TIMEOUT:-1200}" bash -c "$(declare -f run_pytest); run_pytest \"\$@\"" _ \
    "$arm64_python" -p emulated -p no:cacheprovider --rootdir /kt/repo -c /kt/repo/pyproject.toml "${test_paths[@]}"

print_timings
