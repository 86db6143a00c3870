"""``keyturn clients ...``: the secret printed once (add, rotate-secret), never by list/show; every
refusal one line on stderr and exit 1."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import keyturn as kt
from keyturn import cli
from keyturn.clients import SECRET_PREFIX, ClientRegistry
from keyturn.errors import ClientAuthError
from keyturn.stores import open_backend
from support import marked

BASIC = "client_secret_basic"


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "keyturn.db")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def authenticate(db: str, client_id: str, secret: str) -> kt.clients.Client:
    with open_backend(db) as backend:
        return ClientRegistry(backend.clients).authenticate(client_id, secret, method=BASIC)


def test_add_prints_the_secret_once_and_list_show_never(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    code, out, err = run(
        capsys, "clients", "add", "billing", "--db", db, "--client-id", "billing",
        "--scope", "invoices:read", "--scope", "invoices:write", "--audience", "api.internal",
    )  # fmt: skip
    assert code == 0
    assert out.splitlines()[0] == "client_id: billing"
    secret = out.splitlines()[1].removeprefix("client_secret: ")
    assert secret.startswith(SECRET_PREFIX)
    assert "shown this once" in err
    assert authenticate(db, "billing", secret).scopes == ("invoices:read", "invoices:write")

    digest = hashlib.sha256(secret.encode()).hexdigest()
    for argv in (("list",), ("list", "--json"), ("show", "billing")):
        code, out, err = run(capsys, "clients", *argv, "--db", db)
        assert code == 0
        assert "billing" in out
        assert secret not in out + err
        assert secret[len(SECRET_PREFIX) :] not in out + err
        assert digest not in out + err
    shown = json.loads(run(capsys, "clients", "show", "billing", "--db", db)[1])
    assert shown["scopes"] == ["invoices:read", "invoices:write"]
    assert shown["audiences"] == ["api.internal"]
    assert shown["enabled"] is True
    assert shown["auth_method"] == BASIC


def test_add_json_carries_the_secret(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, out, _ = run(capsys, "clients", "add", "svc", "--db", db, "--audience", "api", "--json")
    assert code == 0
    document = json.loads(out)
    assert authenticate(db, document["client_id"], document["client_secret"]).name == "svc"


def test_disable_enable_and_rotate(capsys: pytest.CaptureFixture[str], db: str) -> None:
    out = run(capsys, "clients", "add", "svc", "--db", db, "--client-id", "svc", "--audience", "a")[
        1
    ]
    old = out.splitlines()[1].removeprefix("client_secret: ")

    assert run(capsys, "clients", "disable", "svc", "--db", db)[0] == 0
    assert json.loads(run(capsys, "clients", "show", "svc", "--db", db)[1])["enabled"] is False
    with pytest.raises(ClientAuthError):
        authenticate(db, "svc", old)
    assert run(capsys, "clients", "enable", "svc", "--db", db)[0] == 0

    code, out, err = run(capsys, "clients", "rotate-secret", "svc", "--db", db, "--overlap", "600")
    assert code == 0
    new = out.strip().removeprefix("client_secret: ")
    assert new.startswith(SECRET_PREFIX)
    assert "600 more seconds" in err
    assert authenticate(db, "svc", old).client_id == "svc"  # within the overlap
    assert authenticate(db, "svc", new).client_id == "svc"

    code, out, _ = run(capsys, "clients", "rotate-secret", "svc", "--db", db, "--json")
    newest = json.loads(out)["client_secret"]
    assert authenticate(db, "svc", newest).client_id == "svc"
    with pytest.raises(ClientAuthError):
        authenticate(db, "svc", new)  # overlap 0: the previous secret stopped at once


def test_a_key_client_gets_no_secret(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    jwks = tmp_path / "client-jwks.json"
    jwks.write_text(json.dumps({"keys": [kt.SigningKey.generate().public_key.to_jwk()]}))
    code, out, err = run(
        capsys, "clients", "add", "signer", "--db", db, "--client-id", "signer",
        "--auth-method", "private_key_jwt", "--jwks", str(jwks), "--audience", "api",
    )  # fmt: skip
    assert code == 0
    assert out == "client_id: signer\n"
    assert err == ""
    code, _, err = run(capsys, "clients", "rotate-secret", "signer", "--db", db)
    assert code == 1
    assert "has no secret" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("show", "nobody"), "no client has the id 'nobody'"),
        (("disable", "nobody"), "no client has the id 'nobody'"),
        (("rotate-secret", "nobody"), "no client has the id 'nobody'"),
        (("rotate-secret", "svc", "--overlap", "-1"), "--overlap must be 0 or more"),
        (("add", "x", "--client-id", "svc", "--audience", "a"), "exists"),
        (("add", "x", "--scope", 'bad"scope', "--audience", "a"), "scope-token"),
        (("add", "x", "--audience", "a", "--jwks-uri", "https://k.example/j"), "private_key_jwt"),
        (("add", "x", "--audience", "a", "--auth-method", "private_key_jwt"), "jwks or jwks_uri"),
        (("add", "x", "--audience", "a", "--jwks", "/nonexistent/jwks.json",
          "--auth-method", "private_key_jwt"), "--jwks /nonexistent/jwks.json"),
    ],
)  # fmt: skip
def test_refusals_are_one_line(
    capsys: pytest.CaptureFixture[str], db: str, argv: tuple[str, ...], message: str
) -> None:
    run(capsys, "clients", "add", "svc", "--db", db, "--client-id", "svc", "--audience", "a")
    code, out, err = run(capsys, "clients", *argv, "--db", db)
    assert code == 1
    assert out == ""
    assert err.startswith("keyturn: error: ")
    assert message in err
    assert err.count("\n") == 1


def test_the_audience_is_required(capsys: pytest.CaptureFixture[str], db: str) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["clients", "add", "svc", "--db", db])
    assert caught.value.code == 2
    assert "--audience" in capsys.readouterr().err


@pytest.mark.parametrize("kind", marked("postgres", "redis"))
def test_the_server_databases(
    capsys: pytest.CaptureFixture[str], kind: str, request: pytest.FixtureRequest
) -> None:
    url = str(request.getfixturevalue("postgres_dsn" if kind == "postgres" else "redis_url"))
    out = run(
        capsys, "clients", "add", "svc", "--db", url, "--client-id", "svc", "--audience", "a"
    )[1]
    secret = out.splitlines()[1].removeprefix("client_secret: ")
    assert authenticate(url, "svc", secret).client_id == "svc"
    assert "svc" in run(capsys, "clients", "list", "--db", url)[1]


def test_the_installed_command(db: str) -> None:
    """The real entry point, in its own process: the secret on stdout, the warning on stderr."""
    add = [sys.executable, "-m", "keyturn", "clients", "add", "svc", "--db", db, "--audience", "a"]
    done = subprocess.run(add, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "client_secret: ktc_" in done.stdout
    assert "shown this once" in done.stderr
    listed = subprocess.run(
        [sys.executable, "-m", "keyturn", "clients", "list", "--db", db],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert listed.returncode == 0
    assert "ktc_" not in listed.stdout + listed.stderr
