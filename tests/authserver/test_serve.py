"""``keyturn serve`` as the platform's authorization server: a subprocess of the installed console
script, with a client registered in its SQLite database, called by Authlib and by keyturn's own
discovery, and refusing a wrong secret."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client

import keyturn as kt
from keyturn.clients import ClientRegistry
from support.keyturn_serve import KEYTURN, serving
from support.providers import free_port

from .test_token import assert_invalid_client, basic

AUDIENCE = "https://orders.internal"


def keyturn(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(KEYTURN), *args], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def secret(tmp_path: Path) -> str:
    """A client registered in the database keyturn serve will use: its secret."""
    with kt.open_backend(f"sqlite:///{tmp_path / 'keyturn.db'}") as backend:
        _, secret = ClientRegistry(backend.clients).add(
            "billing", client_id="billing", scopes="orders:read", audiences=[AUDIENCE]
        )
    assert secret is not None
    return secret


@pytest.fixture
def served(tmp_path: Path, secret: str) -> Iterator[str]:
    assert keyturn(tmp_path, "keys", "init").returncode == 0
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with serving(tmp_path, "--db", "keyturn.db", "--issuer", url, port=port) as served:
        yield served


def test_keyturn_serve_issues_client_credentials_tokens_found_by_discovery(
    served: str, secret: str
) -> None:
    with OAuth2Client("billing", secret) as client:  # client_secret_basic, Authlib's default
        token = client.fetch_token(
            served + "/oauth/token", grant_type="client_credentials", resource=AUDIENCE
        )
    verifier = kt.Verifier(
        keys=kt.RemoteJWKS.from_issuer(served), issuer=served, audience=AUDIENCE, typ="at+jwt"
    )
    claims = verifier.verify(token["access_token"])
    assert claims["client_id"] == claims["sub"] == "billing"
    assert claims["scope"] == "orders:read"
    assert kt.discover(served).revocation_endpoint == served + "/oauth/revoke"


def test_keyturn_serve_refuses_a_wrong_secret_and_revokes(served: str, secret: str) -> None:
    refused = httpx.post(
        served + "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=basic("billing", secret + "x"),
    )
    assert_invalid_client(refused)
    issued = httpx.post(
        served + "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=basic("billing", secret),
    ).json()["access_token"]
    revoke = httpx.post(
        served + "/oauth/revoke", data={"token": issued}, headers=basic("billing", secret)
    )
    assert revoke.status_code == 200
    answer = httpx.post(
        served + "/oauth/introspect", data={"token": issued}, headers=basic("billing", secret)
    )
    assert answer.json() == {"active": False}
