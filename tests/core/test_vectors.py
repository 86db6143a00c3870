"""Ed25519 conformance: Wycheproof through JWK import, CCTV edge cases under DESIGN.md's policy;
and the rule every vector test follows (tests/conftest.py): skip without the folder, fail when
CI requires it."""

from __future__ import annotations

import collections
import hashlib
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import keyturn as kt


def _verifies(key: kt.VerifyingKey, sig: bytes, msg: bytes) -> bool:
    try:
        key.verify(sig, msg)
    except kt.InvalidSignature as err:
        assert err.code == "signature_invalid"
        return False
    return True


def test_wycheproof_every_vector_through_jwk_import(wycheproof: Any) -> None:
    outcomes: collections.Counter[tuple[str, bool]] = collections.Counter()
    for group in wycheproof["testGroups"]:
        key = kt.VerifyingKey.from_jwk(group["publicKeyJwk"])
        assert key.to_bytes().hex() == group["publicKey"]["pk"]
        for case in group["tests"]:
            got = _verifies(key, bytes.fromhex(case["sig"]), bytes.fromhex(case["msg"]))
            assert got == (case["result"] == "valid"), case["tcId"]
            outcomes[(case["result"], got)] += 1
    assert outcomes == {("valid", True): 88, ("invalid", False): 63}


def test_wycheproof_pem_and_der_forms_agree(wycheproof: Any) -> None:
    for group in wycheproof["testGroups"]:
        from_pem = kt.VerifyingKey.from_pem(group["publicKeyPem"])
        assert from_pem == kt.VerifyingKey.from_jwk(group["publicKeyJwk"]).with_kid(from_pem.kid)


def test_cctv_only_the_flagless_vector_verifies(cctv: list[dict[str, Any]]) -> None:
    """DESIGN.md: verify_strict alone accepts 43 CCTV vectors (no flags; low_order_component_A;
    low_order_component_A + low_order_component_R). Refusing public keys with a torsion component
    at import removes every one with a mixed-order A, so exactly the flagless vector is left."""
    refused_at_import: collections.Counter[str] = collections.Counter()
    verified = []
    for vector in cctv:
        try:
            key = kt.VerifyingKey.from_bytes(bytes.fromhex(vector["key"]))
        except kt.InvalidKey as err:
            assert err.code == "key_invalid"
            refused_at_import[str(err)] += 1
            continue
        if _verifies(key, bytes.fromhex(vector["sig"]), vector["msg"].encode()):
            verified.append(vector)
    assert [v["flags"] for v in verified] == [None]
    assert refused_at_import == {
        "public key has a torsion component": 360,
        "public key has small order": 300,
        "public key encoding is not canonical": 226,
    }
    assert sum(refused_at_import.values()) + 1 + 27 == len(cctv) == 914


@pytest.mark.parametrize("flag", ["low_order_A", "non_canonical_A", "low_order_component_A"])
def test_cctv_bad_public_keys_refused_at_import(cctv: list[dict[str, Any]], flag: str) -> None:
    for vector in cctv:
        if vector["flags"] and flag in vector["flags"]:
            with pytest.raises(kt.InvalidKey) as info:
                kt.VerifyingKey.from_bytes(bytes.fromhex(vector["key"]))
            assert info.value.code == "key_invalid"


# --- the vector folder itself ----------------------------------------------------------------


def test_vector_files_are_the_pinned_upstream_bytes(
    vector_path: Callable[[str], Path], vector_manifest: dict[str, str]
) -> None:
    # The same hashes scripts/fetch-vectors.sh checks: ../shared and a fetched folder agree.
    assert len(vector_manifest) == 10
    for name, digest in vector_manifest.items():
        assert hashlib.sha256(vector_path(name).read_bytes()).hexdigest() == digest, name


def _pytest(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """This file's CCTV test in a child pytest, with the given vector settings."""
    child_env = {**os.environ, **env}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-rs",
            f"{__file__}::test_cctv_bad_public_keys_refused_at_import",
        ],
        env=child_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_missing_vector_folder_skips_unless_required(tmp_path: Path) -> None:
    absent = str(tmp_path / "no-vectors")
    skipped = _pytest(tmp_path, KEYTURN_VECTORS=absent, KEYTURN_REQUIRE_VECTORS="0")
    assert skipped.returncode == 0, skipped.stdout
    assert "3 skipped" in skipped.stdout
    assert f"vector file {Path(absent, 'cctv_ed25519vectors.json')} is absent" in skipped.stdout

    required = _pytest(tmp_path, KEYTURN_VECTORS=absent, KEYTURN_REQUIRE_VECTORS="1")
    assert required.returncode == pytest.ExitCode.USAGE_ERROR, required.stdout
    assert f"KEYTURN_REQUIRE_VECTORS=1 but the vector folder {absent} is absent" in (
        required.stderr
    )


def test_a_missing_vector_file_fails_when_required(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    run = _pytest(tmp_path, KEYTURN_VECTORS=str(empty), KEYTURN_REQUIRE_VECTORS="1")
    assert run.returncode == pytest.ExitCode.TESTS_FAILED, run.stdout
    assert "3 errors" in run.stdout  # fixture failures: pytest reports them as errors
    assert "3 skipped" not in run.stdout


def test_require_vectors_takes_only_0_or_1(tmp_path: Path) -> None:
    run = _pytest(tmp_path, KEYTURN_REQUIRE_VECTORS="true")
    assert run.returncode == pytest.ExitCode.USAGE_ERROR
    assert "KEYTURN_REQUIRE_VECTORS must be 0 or 1, not 'true'" in run.stderr
