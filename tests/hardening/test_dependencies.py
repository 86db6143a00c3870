"""The runtime dependency list is what docs/sbom.md says: nothing beyond the standard library in
Python, and a generated SBOM that names every crate linked into the core."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# Python 3.11+ (the CI interpreter); skipped, saying so, on 3.10.
tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parents[2]


def test_importing_keyturn_loads_only_the_standard_library() -> None:
    script = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import keyturn\n"
        "import keyturn.stores.sqlite, keyturn.stores.postgres, keyturn.stores.redis\n"
        "print('\\n'.join(sorted(set(sys.modules) - before)))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout.split()
    roots = {name.split(".")[0] for name in loaded}
    third_party = sorted(roots - set(sys.stdlib_module_names) - {"keyturn"})
    assert third_party == []


def test_the_package_declares_no_runtime_requirement() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["dependencies"] == []


@pytest.fixture(scope="module")
def sbom(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    if shutil.which("cargo") is None:
        pytest.skip("cargo is not installed: the SBOM is generated from cargo metadata")
    out = tmp_path_factory.mktemp("sbom") / "keyturn.cdx.json"
    env = {**os.environ, "KEYTURN_VENV": str(Path(sys.executable).parents[1])}
    subprocess.run(["bash", "scripts/sbom.sh", str(out)], cwd=ROOT, check=True, env=env)
    document: dict[str, object] = json.loads(out.read_text())
    return document


def _linked_crates(sbom: dict[str, object]) -> dict[str, dict[str, object]]:
    components = sbom["components"]
    assert isinstance(components, list)
    return {
        c["name"]: c
        for c in components
        if c.get("purl", "").startswith("pkg:cargo/")
        and not any(p["name"] == "keyturn:build-only" for p in c.get("properties", []))
    }


def test_the_sbom_names_every_direct_crate_as_linked(sbom: dict[str, object]) -> None:
    cargo = tomllib.loads((ROOT / "Cargo.toml").read_text())
    direct = set(cargo["dependencies"])
    linked = _linked_crates(sbom)
    assert direct <= set(linked)
    assert "syn" not in linked  # a proc-macro dependency: build time only


def test_the_sbom_versions_are_the_lockfiles(sbom: dict[str, object]) -> None:
    locked = {
        (p["name"], p["version"])
        for p in tomllib.loads((ROOT / "Cargo.lock").read_text())["package"]
    }
    for name, component in _linked_crates(sbom).items():
        assert (name, component["version"]) in locked
        assert component["licenses"] != [{"expression": "NOASSERTION"}]


def test_the_sbom_has_no_required_python_package(sbom: dict[str, object]) -> None:
    components = sbom["components"]
    assert isinstance(components, list)
    python = [c for c in components if not c.get("purl", "").startswith("pkg:cargo/")]
    assert [c["name"] for c in python if c["scope"] == "required"] == []
    assert {c["name"] for c in python} >= {"psycopg", "redis"}
