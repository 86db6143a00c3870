#!/usr/bin/env bash
# Fetch the upstream conformance vectors the tests read (tests/conftest.py, `vectors` fixture)
# into DIR, at pinned commits, and check each file against tests/vectors.sha256.
#
# Usage: scripts/fetch-vectors.sh DIR        then  KEYTURN_VECTORS=DIR KEYTURN_REQUIRE_VECTORS=1 pytest
#
# The same files sit in ../shared/vectors beside a checkout (DESIGN.md); this is for machines
# without that folder (the GitHub workflow). The names are ../shared's; the bytes are upstream's.
set -euo pipefail

dir=${1:?usage: scripts/fetch-vectors.sh DIR}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# C2SP/wycheproof, 2026-08-11 ("eddsa: add vectors for x = 0 with the sign bit set"): the first
# commit at which every file below is byte-identical to ../shared/vectors.
wycheproof=https://raw.githubusercontent.com/C2SP/wycheproof/5722833ca004983abd1a91bcb6c24596d50ac0f9/testvectors_v1
# C2SP/CCTV ("all: strip -vectors suffix (#4)"), the last change to ed25519vectors.json.
cctv=https://raw.githubusercontent.com/C2SP/CCTV/0fb2c3b5dc50437ce3272abcbec7567dde497047/ed25519

mkdir -p "$dir"
fetch() {
    curl --fail --silent --show-error --location --retry 3 --output "$dir/$1" "$2"
}
for name in ed25519 \
    rsa_signature_2048_sha256 rsa_signature_2048_sha384 rsa_signature_2048_sha512 \
    rsa_pss_2048_sha256_mgf1_32 rsa_pss_2048_sha384_mgf1_48 rsa_pss_4096_sha512_mgf1_64 \
    ecdsa_secp256r1_sha256_p1363 ecdsa_secp384r1_sha384_p1363; do
    fetch "wycheproof_${name}_test.json" "$wycheproof/${name}_test.json"
done
fetch cctv_ed25519vectors.json "$cctv/ed25519vectors.json"

# Each file must match its recorded hash, so a wrong pin fails here rather than in a test.
# (macOS has shasum where Linux and Git for Windows have sha256sum; both read the same lines.
# A Windows checkout may end them in CRLF, which neither would take as part of the name.)
if command -v sha256sum >/dev/null; then check=(sha256sum); else check=(shasum -a 256); fi
tr -d '\r' <"$root/tests/vectors.sha256" | (cd "$dir" && "${check[@]}" --check --strict -)
