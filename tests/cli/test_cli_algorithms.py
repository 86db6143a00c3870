"""``keyturn keys init --alg``: keyrings of ES256 and RS256 keys, end to end through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import Run


@pytest.mark.parametrize(("alg", "kty"), [("ES256", "EC"), ("RS256", "RSA"), ("EdDSA", "OKP")])
def test_init_issue_verify_with_an_algorithm(run: Run, tmp_path: Path, alg: str, kty: str) -> None:
    assert run("keys", "init", "--alg", alg).returncode == 0
    jwks = json.loads(run("keys", "jwks").stdout)
    assert {(key["kty"], key["alg"], key["use"]) for key in jwks["keys"]} == {(kty, alg, "sig")}
    token = run("token", "issue", "--sub", "user-1").stdout.strip()
    assert json.loads(run("token", "inspect", token).stdout)["header"]["alg"] == alg
    assert json.loads(run("token", "verify", token).stdout)["sub"] == "user-1"
    (tmp_path / "jwks.json").write_text(json.dumps(jwks))
    from_file = run("token", "verify", token, "--jwks", "jwks.json", "--alg", alg)
    assert json.loads(from_file.stdout)["sub"] == "user-1"
    # A JWKS file alone does not say which algorithms to accept: EdDSA unless told.
    if alg != "EdDSA":
        refused = run("token", "verify", token, "--jwks", "jwks.json")
        assert refused.returncode == 1
        assert "algorithm_not_allowed" in refused.stderr


def test_init_refuses_an_unknown_algorithm(run: Run) -> None:
    result = run("keys", "init", "--alg", "HS256")
    assert result.returncode == 2
    assert "invalid choice: 'HS256'" in result.stderr
