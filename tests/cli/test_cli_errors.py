"""Issue 17's first-time-user errors, through the real command: one line, exit 1, what to do."""

from __future__ import annotations

import select
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]
KEYTURN = Path(sys.executable).with_name("keyturn")


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


def dead_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.usefixtures("keyring")
@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://127.0.0.1:{port}/0", "redis://127.0.0.1:{port}/0"),
        (
            "postgresql://app:hunter2@127.0.0.1:{port}/db",
            "postgresql://app:***@127.0.0.1:{port}/db",
        ),
    ],
)
def test_dead_database_server_is_one_line_without_the_password(
    run: Run, url: str, shown: str
) -> None:
    port = dead_port()
    line = error_line(run("token", "issue", "--sub", "u", "--db", url.format(port=port)))
    assert line == (
        f"keyturn: error: --db {shown.format(port=port)}: cannot connect to 127.0.0.1:{port} "
        "(Connection refused); is the server running, and is the URL right?"
    )
    assert "hunter2" not in line


@pytest.mark.usefixtures("keyring")
def test_unreachable_jwks_url_is_said_once(run: Run) -> None:
    token = run("token", "issue", "--sub", "u").stdout.strip()
    url = f"http://127.0.0.1:{dead_port()}/jwks.json"
    line = error_line(run("token", "verify", token, "--jwks-url", url))
    assert line.startswith(f"keyturn: error: --jwks-url: no usable JWKS: {url}: ")
    assert line.endswith("(check the URL and that the issuer is up)")


@pytest.mark.usefixtures("keyring")
@pytest.mark.parametrize(
    ("option", "code", "what"),
    [("--audience", "audience_invalid", "audience"), ("--issuer", "issuer_invalid", "issuer")],
)
def test_claim_errors_say_what_was_expected(run: Run, option: str, code: str, what: str) -> None:
    token = run("token", "issue", "--sub", "u").stdout.strip()
    assert error_line(run("token", "verify", token, option, "other")) == (
        f"keyturn: error: token rejected: {code}: {what} does not match "
        f"(expected 'other'; set it with {option})"
    )


@pytest.mark.usefixtures("keyring")
def test_serve_on_a_busy_port_fails_before_serving(run: Run) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("serve", "--port", str(port))
    assert "serving" not in result.stdout
    assert error_line(result) == (
        f"keyturn: error: cannot listen on 127.0.0.1:{port}: Address already in use; "
        "stop what uses it or pick another --port"
    )


def test_serve_help_shows_defaults(run: Run) -> None:
    text = " ".join(run("serve", "--help").stdout.split())
    for expected in (
        "--db DB token store: SQLite path or postgresql:// / redis:// URL (default ./keyturn.db)",
        "--host HOST address to listen on (default 127.0.0.1)",
        "--port PORT port (default 8000)",
        "uvicorn's log level (default info)",
    ):
        assert expected in text


@pytest.mark.usefixtures("keyring")
def test_serve_startup_line_names_keyring_and_database(tmp_path: Path) -> None:
    port = dead_port()
    process = subprocess.Popen(
        [str(KEYTURN), "serve", "--port", str(port), "--db", "sessions.db"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        readable, _, _ = select.select([process.stdout], [], [], 60)
        assert readable, "keyturn serve printed nothing"
        assert process.stdout.readline().strip() == (
            f"keyturn serving on http://127.0.0.1:{port} (JWKS, /auth/refresh, /auth/logout); "
            "keyring keyturn-keys.json, database sessions.db"
        )
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_keyring_errors_name_the_file(run: Run, tmp_path: Path) -> None:
    (tmp_path / "odd.json").write_text('{"format": 9}')
    (tmp_path / "odd.json").chmod(0o600)
    assert error_line(run("keys", "list", "--keyring", "odd.json")) == (
        "keyturn: error: odd.json: not a keyring file of format 1"
    )


def test_serve_given_a_jwks_says_so(run: Run, tmp_path: Path) -> None:
    (tmp_path / "jwks.json").write_text('{"keys": []}')
    assert error_line(run("serve", "--keyring", "jwks.json", "--port", str(dead_port()))) == (
        "keyturn: error: jwks.json is a JWKS (public keys), not a keyring: verify with "
        "'keyturn token verify TOKEN --jwks jwks.json'"
    )
