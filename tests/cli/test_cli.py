"""keyturn demo, keys and token through the console script."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import keyturn
from keyturn import _core

Run = Callable[..., subprocess.CompletedProcess[str]]
KEYTURN = Path(sys.executable).with_name("keyturn")


def one_line_error(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    """A failure is one clear stderr line, a non-zero exit, and never a traceback."""
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("keyturn: error: ")
    assert fragment in lines[0]


# --- demo -----------------------------------------------------------------------------------------


def test_demo_from_an_empty_directory(run: Run, tmp_path: Path) -> None:
    result = run("demo")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for expected in (
        "created keyturn-keys.json",
        "refused: ReplayedRefresh (refresh_replayed)",
        "RevokedRefresh (refresh_revoked)",
        "old access token still verifies: sub=alice",
        "the old access token is refused at once: UnknownKey (key_unknown)",
        "logout_all('alice') revoked 2 session(s); sessions left: 0",
    ):
        assert expected in out
    assert "ktr_" not in out + result.stderr  # refresh tokens are never printed
    keyring = tmp_path / "keyturn-keys.json"
    assert stat.S_IMODE(keyring.stat().st_mode) == 0o600
    assert (tmp_path / "keyturn.db").is_file()

    again = run("demo")
    assert again.returncode == 0, again.stderr
    assert "loaded keyturn-keys.json" in again.stdout


def test_python_dash_m_and_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "keyturn", "--version"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("keyturn ")


# --- keys -----------------------------------------------------------------------------------------


def test_key_lifecycle(run: Run, tmp_path: Path) -> None:
    assert run("keys", "init").returncode == 0
    one_line_error(run("keys", "init"), "already exists")

    listed = json.loads(run("keys", "list", "--json").stdout)
    states = {key["state"]: key["kid"] for key in listed}
    assert set(states) == {"current", "next"}

    assert run("keys", "rotate").returncode == 0
    after = {key["kid"]: key["state"] for key in json.loads(run("keys", "list", "--json").stdout)}
    assert after[states["current"]] == "previous"
    assert after[states["next"]] == "current"

    jwks = json.loads(run("keys", "jwks").stdout)
    assert {key["kid"] for key in jwks["keys"]} == set(after)
    assert all("d" not in key for key in jwks["keys"])

    assert run("keys", "revoke", "--", states["current"]).returncode == 0
    jwks = json.loads(run("keys", "jwks").stdout)
    assert states["current"] not in {key["kid"] for key in jwks["keys"]}

    assert run("keys", "maintain").stdout.strip() == "nothing due"
    assert "previous" not in run("keys", "list").stdout
    assert "revoked" in run("keys", "list").stdout


def test_key_errors_are_one_line(run: Run, tmp_path: Path) -> None:
    one_line_error(run("keys", "rotate"), "no keyring at keyturn-keys.json")
    assert run("keys", "init").returncode == 0
    one_line_error(run("keys", "revoke", "no-such-kid"), "no key with kid")
    (tmp_path / "keyturn-keys.json").chmod(0o644)
    one_line_error(run("keys", "list"), "keyturn-keys.json")
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "broken.json").chmod(0o600)
    one_line_error(run("keys", "list", "--keyring", "broken.json"), "")


def test_usage_errors_exit_2(run: Run) -> None:
    result = run("token", "issue")
    assert result.returncode == 2
    assert "--sub" in result.stderr


# --- token ----------------------------------------------------------------------------------------


def test_issue_verify_inspect(run: Run, tmp_path: Path) -> None:
    run("keys", "init")
    token = run("token", "issue", "--sub", "user-1", "--scope", "read").stdout.strip()
    claims = json.loads(run("token", "verify", token).stdout)
    assert claims["sub"] == "user-1"
    assert claims["scope"] == "read"

    from_stdin = run("token", "verify", "-", stdin=token + "\n")
    assert json.loads(from_stdin.stdout)["sub"] == "user-1"

    (tmp_path / "jwks.json").write_text(run("keys", "jwks").stdout)
    assert run("token", "verify", token, "--jwks", "jwks.json").returncode == 0

    inspected = run("token", "inspect", token)
    assert "UNVERIFIED" in inspected.stderr
    parts = json.loads(inspected.stdout)
    assert parts["header"]["alg"] == "EdDSA"
    assert parts["claims"]["sub"] == "user-1"


def test_issue_json_without_a_database(run: Run) -> None:
    run("keys", "init")
    body = json.loads(run("token", "issue", "--sub", "u", "--json").stdout)
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["expires_in"] == 600


def test_issue_pair_with_a_database(run: Run, tmp_path: Path) -> None:
    run("keys", "init")
    result = run("token", "issue", "--sub", "u", "--device", "phone", "--db", "kt.db", "--json")
    body = json.loads(result.stdout)
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["refresh_token"].startswith("ktr_")
    assert body["token_type"] == "Bearer"
    assert 590 <= body["expires_in"] <= 600

    quiet = run("token", "issue", "--sub", "u", "--db", "kt.db")
    assert quiet.returncode == 0
    assert "ktr_" not in quiet.stdout + quiet.stderr
    assert "not shown" in quiet.stderr
    assert len(quiet.stdout.strip().split(".")) == 3


def test_rejected_tokens(run: Run, tmp_path: Path) -> None:
    run("keys", "init")
    token = run("token", "issue", "--sub", "user-1").stdout.strip()
    one_line_error(run("token", "verify", "garbage"), "token rejected: token_malformed")
    head, _, signature = token.split(".")
    forged_claims = keyturn.encode({"sub": "admin"}, keyturn.SigningKey.generate()).split(".")[1]
    one_line_error(
        run("token", "verify", f"{head}.{forged_claims}.{signature}"),
        "token rejected: signature_invalid",
    )
    one_line_error(
        run("token", "verify", token, "--audience", "someone-else"),
        "token rejected: audience_invalid",
    )
    ring = keyturn.Keyring.load(tmp_path / "keyturn-keys.json")
    expired = keyturn.encode(
        {"iss": "http://127.0.0.1:8000", "aud": "keyturn-api", "sub": "u", "exp": 1}, ring.current
    )
    one_line_error(run("token", "verify", expired), "token rejected: token_expired")
    one_line_error(run("token", "inspect", "garbage"), "")
    assert token not in run("token", "verify", token, "--audience", "x").stderr


def test_jwks_file_errors(run: Run, tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{nope")
    one_line_error(run("token", "verify", "a.b.c", "--jwks", "bad.json"), "not JSON")
    one_line_error(run("token", "verify", "a.b.c", "--jwks", "missing.json"), "missing.json")


def test_bench_prints_a_table(run: Run) -> None:
    result = run("bench", "--seconds", "0.01")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["library", "sign", "µs", "verify", "µs"]
    assert any(line.startswith("keyturn ") for line in lines[1:])
    assert lines[-2].startswith("keyturn verify_many (256)")
    assert lines[-1] == f"keyturn Ed25519 backend: {_core.ed25519_backend()}"
    assert "timing" in result.stderr  # progress goes to stderr, the table to stdout


def test_closed_pipe_is_quiet(tmp_path: Path) -> None:
    """``keyturn keys jwks | head -c 1``, made deterministic: the reader is gone before we write."""
    subprocess.run([str(KEYTURN), "keys", "init"], cwd=tmp_path, check=True, capture_output=True)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [str(KEYTURN), "keys", "jwks"],
            cwd=tmp_path,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    finally:
        os.close(write_end)
    assert result.returncode == 1
    assert result.stderr == ""
