"""The same endpoints in front of the asyncio services: AsyncClientRegistry and AsyncTokenService
(their store calls awaited or run in worker threads, never on the event loop's thread)."""

from __future__ import annotations

import asyncio

import httpx

import keyturn as kt
from keyturn.authserver import authorization_server
from keyturn.clients import AsyncClientRegistry
from keyturn.stores.memory.clients import MemoryClientStore

from .conftest import API_A, bound_socket, serve
from .test_token import assert_invalid_client, basic


def test_client_credentials_refresh_and_introspection_on_async_services() -> None:
    sock, url = bound_socket()
    ring = kt.Keyring.generate()
    issuer = kt.Issuer(ring, issuer=url, audience="keyturn-api", ttl=60)
    registry = AsyncClientRegistry(MemoryClientStore())
    _, secret = asyncio.run(
        registry.add("svc", client_id="svc", scopes="a", audiences=[API_A, "keyturn-api"])
    )
    assert secret is not None
    service = kt.AsyncTokenService(issuer, store=kt.MemoryStore())
    pair = asyncio.run(service.issue_pair("user-1", "laptop"))
    app = authorization_server(issuer, keys=ring, clients=registry, families=service)
    credentials = basic("svc", secret)
    for _ in serve(app, sock):
        issued = httpx.post(
            url + "/oauth/token", data={"grant_type": "client_credentials"}, headers=credentials
        )
        assert issued.status_code == 200
        assert issued.json()["scope"] == "a"
        wrong = httpx.post(
            url + "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers=basic("svc", "ktc_wrong"),
        )
        assert_invalid_client(wrong)
        token = issued.json()["access_token"]
        answer = httpx.post(url + "/oauth/introspect", data={"token": token}, headers=credentials)
        assert answer.json()["client_id"] == "svc"
        seen = httpx.post(
            url + "/oauth/introspect", data={"token": pair.refresh}, headers=credentials
        )
        assert seen.json()["sub"] == "user-1"
        rotated = httpx.post(
            url + "/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": pair.refresh},
        )
        assert rotated.status_code == 200
        assert rotated.json()["refresh_token"] != pair.refresh
