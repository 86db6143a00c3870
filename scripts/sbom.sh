#!/usr/bin/env bash
# Write keyturn's SBOM (CycloneDX 1.5 JSON) for the wheel this checkout builds.
#
#   scripts/sbom.sh [OUT]        default OUT: dist/keyturn.cdx.json
#
# Reads Cargo.lock (cargo metadata --locked: nothing is resolved anew or downloaded) for the
# crates in keyturn._core and pyproject.toml for the Python requirements; see docs/sbom.md.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
out=${1:-dist/keyturn.cdx.json}
py=${KEYTURN_VENV:-$root/.venv}/bin/python
target=$(rustc -vV | sed -n 's/^host: //p')

mkdir -p "$(dirname "$out")"
PYO3_PYTHON="$py" cargo metadata --format-version 1 --locked --features extension-module \
    --filter-platform "$target" | "$py" scripts/sbom.py >"$out.tmp"
mv "$out.tmp" "$out"
"$py" - "$out" <<'PY'
import json
import sys

components = json.load(open(sys.argv[1]))["components"]


def build_only(c):
    return any(p["name"] == "keyturn:build-only" for p in c.get("properties", []))


crates = [c for c in components if c.get("purl", "").startswith("pkg:cargo/")]
linked = [c for c in crates if not build_only(c)]
python = [c for c in components if c not in crates]
required = [c for c in python if c["scope"] == "required"]
print(
    f"{sys.argv[1]}: {len(linked)} crates linked into keyturn._core, "
    f"{len(crates) - len(linked)} build-only crates, {len(required)} required Python packages, "
    f"{len(python) - len(required)} optional (extras)"
)
PY
