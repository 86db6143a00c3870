"""One authorization server per database keyturn supports (a SQLite file, the running PostgreSQL
and Redis): clients, assertion jtis, refresh families and revocations all in that database."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

import keyturn as kt
from keyturn.authserver import authorization_server
from keyturn.clients import ClientRegistry

from .conftest import API_A, bound_socket, serve
from .test_token import assert_invalid_client, basic

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@pytest.fixture(params=["sqlite", "postgres", "redis"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'keyturn.db'}"
    fixture = "postgres_dsn" if request.param == "postgres" else "redis_url"
    url: str = request.getfixturevalue(fixture)
    return url


def test_the_whole_flow_on_each_database(database: str) -> None:
    sock, url = bound_socket()
    ring = kt.Keyring.generate()
    issuer = kt.Issuer(ring, issuer=url, audience="keyturn-api", ttl=60)
    key = kt.SigningKey.generate()
    with kt.open_backend(database) as backend:
        registry = ClientRegistry(backend.clients)
        _, secret = registry.add("svc", client_id="svc", scopes="a", audiences=[API_A])
        assert secret is not None
        registry.add(
            "signer",
            client_id="signer",
            auth_method="private_key_jwt",
            audiences=[API_A],
            jwks={"keys": [key.public_key.to_jwk()]},
        )
        service = kt.TokenService(issuer, store=backend.tokens)
        revocations = kt.Revocations(backend.revocations)
        app = authorization_server(
            issuer,
            keys=ring,
            clients=registry,
            families=service,
            revocations=revocations,
        )
        pair = service.issue_pair("user-1", "laptop")
        for _ in serve(app, sock):
            grant = {"grant_type": "client_credentials"}
            issued = httpx.post(url + "/oauth/token", data=grant, headers=basic("svc", secret))
            assert issued.status_code == 200
            token = issued.json()["access_token"]

            now = int(time.time())
            claims = {"iss": "signer", "sub": "signer", "aud": url, "jti": "j-1"}
            signed = kt.encode({**claims, "iat": now, "exp": now + 60}, key)
            form = {**grant, "client_assertion_type": ASSERTION_TYPE, "client_assertion": signed}
            assert httpx.post(url + "/oauth/token", data=form).status_code == 200
            assert_invalid_client(httpx.post(url + "/oauth/token", data=form))  # replayed

            revoke = httpx.post(
                url + "/oauth/revoke", data={"token": token}, headers=basic("svc", secret)
            )
            assert revoke.status_code == 200
            verifier = kt.Verifier(keys=ring, issuer=url, audience=API_A, revocations=revocations)
            with pytest.raises(kt.TokenRevoked) as refused:
                verifier.verify(token)
            assert refused.value.code == "token_revoked"

            refresh = {"grant_type": "refresh_token", "refresh_token": pair.refresh}
            assert httpx.post(url + "/oauth/token", data=refresh).status_code == 200
            replay = httpx.post(url + "/oauth/token", data=refresh)
            assert replay.json() == {
                "error": "invalid_grant",
                "error_description": "refresh_replayed",
            }
