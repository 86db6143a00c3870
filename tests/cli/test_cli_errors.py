"""Issue 17's first-time-user errors, through the real command: one line, exit 1, what to do."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def keyring(run: Run) -> None:
    assert run("keys", "init").returncode == 0


def test_jwks_given_as_keyring_says_so_before_any_mode_check(run: Run, tmp_path: Path) -> None:
    (tmp_path / "jwks.json").write_text('{"keys": []}')
    (tmp_path / "jwks.json").chmod(0o644)
    assert error_line(run("keys", "list", "--keyring", "jwks.json")) == (
        "keyturn: error: jwks.json is a JWKS (public keys), not a keyring: verify with "
        "'keyturn token verify TOKEN --jwks jwks.json'"
    )


def test_pem_given_as_keyring_names_the_file(run: Run, tmp_path: Path) -> None:
    (tmp_path / "ed.pem").write_text("-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n")
    (tmp_path / "ed.pem").chmod(0o600)
    assert error_line(run("keys", "list", "--keyring", "ed.pem")) == (
        "keyturn: error: ed.pem is a PEM key, not a keyring: create a keyring with "
        "'keyturn keys init --keyring FILE' (keyturn keeps its keys in a JSON keyring)"
    )


@pytest.mark.usefixtures("keyring")
def test_unknown_db_scheme_is_named(run: Run) -> None:
    assert error_line(run("token", "issue", "--sub", "u", "--db", "mysql://x/y")) == (
        "keyturn: error: --db: unsupported scheme 'mysql'; use a SQLite file path, "
        "sqlite:///PATH, postgresql://, redis://, rediss:// or unix://"
    )


@pytest.mark.usefixtures("keyring")
def test_db_in_a_missing_directory(run: Run) -> None:
    assert error_line(run("token", "issue", "--sub", "u", "--db", "/nonexistent/dir/x.db")) == (
        "keyturn: error: --db: directory /nonexistent/dir does not exist (create it first)"
    )


def test_keys_init_in_a_missing_directory(run: Run) -> None:
    line = error_line(run("keys", "init", "--keyring", "/nonexistent/dir/k.json"))
    assert line == (
        "keyturn: error: --keyring: directory /nonexistent/dir does not exist (create it first)"
    )


@pytest.mark.usefixtures("keyring")
def test_long_ttl_names_the_cli_option(run: Run) -> None:
    assert error_line(run("token", "issue", "--sub", "u", "--ttl", "999999")) == (
        "keyturn: error: --ttl 999999 is over 86400 seconds (one day); access tokens should live "
        "minutes: use a shorter --ttl and a refresh token (--db) for long sessions"
    )


@pytest.mark.usefixtures("keyring")
def test_keyring_option_before_the_action(run: Run) -> None:
    result = run("keys", "--keyring", "keyturn-keys.json", "list", "--json")
    assert result.returncode == 0, result.stderr
    assert "current" in result.stdout


@pytest.mark.usefixtures("keyring")
def test_empty_stdin_token(run: Run) -> None:
    assert error_line(run("token", "verify", "-", stdin="")) == (
        "keyturn: error: no token on stdin: pass the token, or pipe it into 'token ... -'"
    )
