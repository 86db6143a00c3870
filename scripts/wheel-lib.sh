# shellcheck shell=bash
# Helpers sourced by scripts/wheels.sh and scripts/freethreaded.sh: build one wheel the way
# .github/workflows/wheels.yml does, and check it with auditwheel. Needs maturin, ziglang and
# auditwheel on PATH (scripts/wheel-tools.txt); maturin finds zig as `python3 -m ziglang`.
#
# No RUSTFLAGS here: an environment RUSTFLAGS replaces the rustflags of .cargo/config.toml (the
# x86-64 AVX-512 backend cfg), and the wheels must be built the way the repository says.

# build_wheel TARGET COMPATIBILITY OUT_DIR [MATURIN_ARGS...]: a release wheel cross-built with zig,
# bounded by WHEELS_TIMEOUT seconds (default 900); prints the wheel's path last.
build_wheel() {
    local target=$1 compatibility=$2 dir=$3 wheel
    shift 3
    rm -rf "$dir"
    timeout "${WHEELS_TIMEOUT:-900}" maturin build --release --zig --target "$target" \
        --compatibility "$compatibility" --out "$dir" "$@" >&2
    wheel=$(ls "$dir"/keyturn-*.whl)
    case $target in *-musl) fix_musl_libc "$wheel" "${target%%-*}" ;; esac
    echo "$wheel"
}

# fix_musl_libc WHEEL ARCH: zig links a musl extension against "libc.so". musl's loader takes any
# libc.* name for itself, so it loads either way, but the musllinux policy (auditwheel's
# allowlist) names libc as Alpine's musl installs it, libc.musl-ARCH.so.1: rename the entry.
fix_musl_libc() {
    local wheel=$1 arch=$2 dir
    dir=$(mktemp -d)
    python3 -m wheel unpack --dest "$dir" "$wheel" >&2
    find "$dir" -name '*.so' -exec patchelf --replace-needed libc.so "libc.musl-$arch.so.1" {} +
    rm "$wheel"
    python3 -m wheel pack --dest-dir "$(dirname "$wheel")" "$dir"/keyturn-* >&2
    rm -rf "$dir"
    [ -f "$wheel" ] || { echo "error: repacking changed the name of $wheel" >&2; return 1; }
}

# expected_tag TARGET COMPATIBILITY: the platform tag auditwheel must report.
expected_tag() {
    local arch=${1%%-*}
    case $2 in
        manylinux2014) echo "manylinux_2_17_$arch" ;;
        musllinux_1_2) echo "musllinux_1_2_$arch" ;;
        *) echo "error: no expected tag for --compatibility $2" >&2; return 1 ;;
    esac
}

# check_wheel WHEEL TAG: auditwheel must find the wheel consistent with TAG, needing no shared
# library outside that policy's allowlist; prints its report and the wheel's size. The search
# path is empty on purpose: this machine's libraries are not the target's (a cross-built wheel),
# so an allowlisted library passes by name and anything else is reported as external.
check_wheel() {
    local wheel=$1 tag=$2 empty report
    empty=$(mktemp -d)
    report=$(auditwheel show --json --ldpaths "$empty" "$wheel")
    rmdir "$empty"
    python3 - "$tag" "$report" <<'PY'
import json
import sys

tag, report = sys.argv[1], json.loads(sys.argv[2])
print(f"auditwheel: {report['wheel']}: {report['overall_tag']}", end="; ")
print(f"external libraries: {report['external_libs'] or 'none'}")
for lib, versions in sorted(report["versioned_symbols"].items()):
    print(f"  {lib}: {', '.join(sorted(versions))}")
if report["overall_tag"] != tag:
    sys.exit(f"error: auditwheel finds {report['overall_tag']}, not {tag}")
if report["external_libs"]:
    sys.exit(f"error: libraries outside the {tag} allowlist: {sorted(report['external_libs'])}")
PY
    printf 'wheel: %s  %s bytes\n' "$(basename "$wheel")" "$(stat -c %s "$wheel")"
}

# check_backend WHEEL TARGET: where .cargo/config.toml selects curve25519-dalek's AVX-512 backend
# for x86-64, the x86-64 wheel must hold AVX-512 IFMA code (vpmadd52luq): proof that nothing in
# the build replaced the config's rustflags. Other targets, or no such config, check nothing.
check_backend() {
    local wheel=$1 target=$2 dir count
    case $target in x86_64-*) ;; *) return 0 ;; esac
    grep -qs 'curve25519_dalek_backend="avx512"' .cargo/config.toml || return 0
    dir=$(mktemp -d)
    python3 -m zipfile -e "$wheel" "$dir"
    # grep -c reads all of objdump's output (grep -q would cut the pipe short under pipefail).
    count=$(find "$dir" -name '*.so' -exec objdump -d --no-show-raw-insn {} + | grep -c vpmadd52luq) ||
        true
    rm -rf "$dir"
    if [ "${count:-0}" -eq 0 ]; then
        echo "error: $wheel has no AVX-512 IFMA code although .cargo/config.toml selects it" >&2
        return 1
    fi
    echo "backend: $(basename "$wheel") holds curve25519-dalek's AVX-512 IFMA code ($count vpmadd52luq)"
}
