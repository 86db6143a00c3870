"""The command line against nanoidp: ``keyturn login device`` for a terminal user, and
``keyturn serve --oidc-*`` signing a user in end to end."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest

from keyturn.login_state import state_key
from support.keyturn_serve import KEYTURN, serving

from .conftest import NANO_BASIC, NANO_PASSWORD, NANO_USER, Provider, nanoidp_sign_in


def keyturn(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(KEYTURN), *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "client-secret"
    path.write_text(NANO_BASIC[1] + "\n")
    return path


def test_login_device_for_a_terminal_user(
    nanoidp: Provider, secret_file: Path, tmp_path: Path
) -> None:
    process = keyturn(
        "login",
        "device",
        "--issuer",
        nanoidp.issuer,
        "--client-id",
        NANO_BASIC[0],
        "--client-secret-file",
        str(secret_file),
        cwd=tmp_path,
    )
    assert process.stderr is not None
    prompt = process.stderr.readline() + process.stderr.readline()
    assert "To sign in, open" in prompt, prompt
    user_code = prompt.rsplit("enter the code: ", 1)[1].strip()
    approval = {
        "user_code": user_code,
        "username": NANO_USER,
        "password": NANO_PASSWORD,
        "action": "authorize",
    }
    with httpx.Client() as browser:
        assert browser.post(f"{nanoidp.issuer}/device", data=approval).status_code == 200
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert out.count(".") == 2  # one access token (a JWT), nothing else
    assert NANO_BASIC[1] not in out + err + prompt


def test_login_device_with_an_unreadable_secret_file(nanoidp: Provider, tmp_path: Path) -> None:
    process = keyturn(
        "login",
        "device",
        "--issuer",
        nanoidp.issuer,
        "--client-id",
        "x",
        "--client-secret-file",
        str(tmp_path / "missing"),
        cwd=tmp_path,
    )
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "client secret file" in err
    assert out == ""


PUBLIC_CALLBACK = "https://app.example/auth/callback"


@pytest.fixture(params=["default", "behind-a-proxy"])
def served(
    request: pytest.FixtureRequest, nanoidp: Provider, secret_file: Path, tmp_path: Path
) -> Iterator[str]:
    subprocess.run([str(KEYTURN), "keys", "init"], cwd=tmp_path, check=True, timeout=60)
    proxy = ["--oidc-redirect-uri", PUBLIC_CALLBACK] if request.param == "behind-a-proxy" else []
    provider = ["--oidc-issuer", nanoidp.issuer, "--oidc-client-id", NANO_BASIC[0]]
    secret = ["--oidc-client-secret-file", str(secret_file)]
    with serving(tmp_path, *provider, *secret, *proxy) as url:
        yield url


def test_serve_signs_users_in_at_the_provider(served: str) -> None:
    start = httpx.get(f"{served}/auth/login?next=/")
    assert start.status_code == 302
    cookie = start.headers["set-cookie"].split(";", 1)[0]
    query = dict(parse_qsl(urlsplit(start.headers["location"]).query))
    callback = query["redirect_uri"]
    assert callback in (f"{served}/auth/callback", PUBLIC_CALLBACK)
    with httpx.Client() as browser:
        params = nanoidp_sign_in(browser, start.headers["location"], callback)
    done = httpx.get(f"{served}/auth/callback?{urlencode(params)}", headers={"cookie": cookie})
    assert done.status_code == 303, done.text
    assert any(c.startswith("__Host-keyturn_refresh=") for c in done.headers.get_list("set-cookie"))


def test_serve_keeps_pending_logins_in_its_database(served: str, tmp_path: Path) -> None:
    """The login state waits in --db (here the default SQLite file), hashed, and is gone once
    the callback took it: any process serving that database can finish the login."""
    start = httpx.get(f"{served}/auth/login?next=/")
    cookie = start.headers["set-cookie"].split(";", 1)[0]
    query = dict(parse_qsl(urlsplit(start.headers["location"]).query))
    with sqlite3.connect(tmp_path / "keyturn.db") as db:
        (stored,) = db.execute("SELECT state_hash FROM keyturn_login_states").fetchall()
    assert stored == (state_key(query["state"]),)
    with httpx.Client() as browser:
        params = nanoidp_sign_in(browser, start.headers["location"], query["redirect_uri"])
    done = httpx.get(f"{served}/auth/callback?{urlencode(params)}", headers={"cookie": cookie})
    assert done.status_code == 303, done.text
    with sqlite3.connect(tmp_path / "keyturn.db") as db:
        assert db.execute("SELECT count(*) FROM keyturn_login_states").fetchone() == (0,)


def test_serve_sign_in_starts_a_session_that_buys_tokens(served: str) -> None:
    start = httpx.get(f"{served}/auth/login?next=/")
    login_cookie = start.headers["set-cookie"].split(";", 1)[0]
    callback = dict(parse_qsl(urlsplit(start.headers["location"]).query))["redirect_uri"]
    with httpx.Client() as browser:
        params = nanoidp_sign_in(browser, start.headers["location"], callback)
    query = urlencode(params)
    done = httpx.get(f"{served}/auth/callback?{query}", headers={"cookie": login_cookie})
    assert done.status_code == 303, done.text
    session = next(
        c.split(";", 1)[0]
        for c in done.headers.get_list("set-cookie")
        if c.startswith("__Host-keyturn_session=")
    )
    same_origin = {"cookie": session, "origin": served}
    exchanged = httpx.post(f"{served}/auth/token", headers=same_origin)
    assert exchanged.status_code == 200, exchanged.text
    access = exchanged.json()["access_token"]

    assert httpx.post(f"{served}/auth/session/logout", headers=same_origin).status_code == 200
    # The server's own verifier now refuses the token minted from the ended session (its sid).
    refused = httpx.post(f"{served}/auth/logout-all", headers={"authorization": f"Bearer {access}"})
    assert refused.status_code == 401
    assert refused.json() == {"error": "invalid_token", "error_description": "token_revoked"}
    again = httpx.post(f"{served}/auth/token", headers=same_origin)
    assert again.status_code == 401
    assert again.json() == {"error": "invalid_grant", "error_description": "session_invalid"}
