"""Fixtures shared by every test directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

#: The reference material beside the checkout (DESIGN.md: it is never copied into the repository).
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def load_vectors(name: str) -> Any:
    path = SHARED / "vectors" / name
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared reference folder sits beside the checkout in CI")
    return json.loads(path.read_text())


@pytest.fixture(scope="session")
def wycheproof() -> Any:
    return load_vectors("wycheproof_ed25519_test.json")


@pytest.fixture(scope="session")
def cctv() -> list[dict[str, Any]]:
    vectors: list[dict[str, Any]] = load_vectors("cctv_ed25519vectors.json")
    return vectors
