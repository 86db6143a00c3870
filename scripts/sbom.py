"""Writes keyturn's SBOM (CycloneDX 1.5 JSON) from what the build actually resolves.

Rust: ``cargo metadata`` for the wheel's build (``--locked``, the ``extension-module`` feature,
the target platform): every crate linked into ``keyturn._core`` (scope ``required``) and every
crate that only runs at build time (build scripts, proc macros: property ``keyturn:build-only``),
with its exact version, checksum-bearing source and license. Python: the runtime requirements of
``pyproject.toml`` (none: the standard library only) and its optional extras (scope
``optional``), with the version installed here when there is one.

    cargo metadata --format-version 1 --locked ... | python scripts/sbom.py > keyturn.cdx.json

scripts/sbom.sh runs exactly that; docs/sbom.md explains the result.
"""

from __future__ import annotations

import json
import re
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import tomllib  # Python 3.11+, like the rest of the build tooling

ROOT = Path(__file__).resolve().parents[1]


def _is_macro(package: dict[str, Any]) -> bool:
    return any("proc-macro" in target["kind"] for target in package["targets"])


def _walk(cargo: dict[str, Any]) -> Iterator[tuple[str, bool]]:
    """Every package the root needs, and whether only at build time: reached only through a
    build-dependency edge or a proc macro (which runs in the compiler, never in the module)."""
    packages = {p["id"]: p for p in cargo["packages"]}
    nodes = {n["id"]: n for n in cargo["resolve"]["nodes"]}
    seen: dict[str, bool] = {}
    stack = [(cargo["resolve"]["root"], False)]
    while stack:
        package_id, build = stack.pop()
        if package_id in seen and (build or not seen[package_id]):
            continue
        seen[package_id] = build
        for dep in nodes[package_id]["deps"]:
            kinds = {k["kind"] for k in dep["dep_kinds"]}
            if kinds == {"dev"}:
                continue
            via_build = build or kinds == {"build"} or _is_macro(packages[dep["pkg"]])
            stack.append((dep["pkg"], via_build))
    yield from seen.items()


def rust_components(cargo: dict[str, Any]) -> list[dict[str, Any]]:
    packages = {p["id"]: p for p in cargo["packages"]}
    root = cargo["resolve"]["root"]
    components = []
    for package_id, build in sorted(_walk(cargo)):
        if package_id == root:
            continue
        package = packages[package_id]
        component: dict[str, Any] = {
            "type": "library",
            "name": package["name"],
            "version": package["version"],
            "purl": f"pkg:cargo/{package['name']}@{package['version']}",
            "scope": "required",
            "licenses": [{"expression": package.get("license") or "NOASSERTION"}],
        }
        if build:
            component["properties"] = [{"name": "keyturn:build-only", "value": "true"}]
        components.append(component)
    return components


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match is not None, requirement
    return match.group(0)


def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def python_components(pyproject: dict[str, Any]) -> list[dict[str, Any]]:
    project = pyproject["project"]
    wanted = [(r, "required", None) for r in project.get("dependencies", [])]
    for extra in ("postgres", "redis", "server"):
        wanted += [(r, "optional", extra) for r in project["optional-dependencies"].get(extra, [])]
    components = []
    for requirement, scope, extra in wanted:
        name = _name(requirement)
        version = _installed(name)
        component: dict[str, Any] = {
            "type": "library",
            "name": name,
            "version": version or "unresolved",
            "scope": scope,
            "properties": [{"name": "keyturn:requirement", "value": requirement}],
        }
        if version:
            component["purl"] = f"pkg:pypi/{name.lower()}@{version}"
        if extra:
            component["properties"].append({"name": "keyturn:extra", "value": extra})
        components.append(component)
    return components


def sbom(cargo: dict[str, Any], pyproject: dict[str, Any]) -> dict[str, Any]:
    project = pyproject["project"]
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {
            "timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "component": {
                "type": "library",
                "name": project["name"],
                "version": project["version"],
                "purl": f"pkg:pypi/{project['name']}@{project['version']}",
                "licenses": [{"expression": project["license"]["text"]}],
            },
        },
        "components": rust_components(cargo) + python_components(pyproject),
    }


def main() -> int:
    cargo = json.load(sys.stdin)
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    json.dump(sbom(cargo, pyproject), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
