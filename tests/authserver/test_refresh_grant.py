"""The refresh_token grant at /oauth/token: the existing refresh families, rotation with reuse
detection, and the holder rules for registered clients."""

from __future__ import annotations

import httpx

import keyturn as kt
from keyturn.authserver import authorization_server
from keyturn.clients import ClientRegistry
from keyturn.stores.memory.clients import MemoryClientStore

from .conftest import Running, bound_socket, serve
from .test_token import assert_invalid_client, basic, rfc_error


def refresh(auth: Running, token: str, **options: object) -> httpx.Response:
    data = {"grant_type": "refresh_token", "refresh_token": token}
    extra = options.pop("data", {})
    return httpx.post(auth.token_url, data={**data, **extra}, **options)  # type: ignore[arg-type,dict-item]


def test_a_users_refresh_token_rotates_and_a_replay_ends_the_family(auth: Running) -> None:
    pair = auth.service.issue_pair("user-1", "laptop", claims={"scope": "profile"})
    answer = refresh(auth, pair.refresh)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["token_type"] == "Bearer"
    assert 0 < body["expires_in"] <= 300
    claims = auth.issuer.verifier().verify(body["access_token"])
    assert claims["sub"] == "user-1"
    assert claims["scope"] == "profile"
    replay = refresh(auth, pair.refresh)
    rfc_error(replay, 400, "invalid_grant")
    assert replay.json()["error_description"] == "refresh_replayed"
    # Reuse detection revoked the family: the successor is dead too.
    rfc_error(refresh(auth, body["refresh_token"]), 400, "invalid_grant")


def test_unknown_and_malformed_refresh_tokens_are_invalid_grant(auth: Running) -> None:
    for token in ("junk", "ktr_" + "A" * 70):
        rfc_error(refresh(auth, token), 400, "invalid_grant")
    missing = httpx.post(auth.token_url, data={"grant_type": "refresh_token"})
    rfc_error(missing, 400, "invalid_request")


def test_a_registered_client_never_held_a_users_family(auth: Running) -> None:
    pair = auth.service.issue_pair("user-1", "laptop")
    secret = auth.secrets["client_secret_basic"]
    answer = refresh(auth, pair.refresh, headers=basic("client_secret_basic", secret))
    rfc_error(answer, 400, "invalid_grant")
    # Nothing was spent: the user can still rotate it.
    assert refresh(auth, pair.refresh).status_code == 200


def test_a_family_issued_to_a_client_rotates_only_for_that_client(auth: Running) -> None:
    pair = auth.service.issue_pair("svc", "svc", claims={"client_id": "client_secret_basic"})
    assert_invalid_client(refresh(auth, pair.refresh))  # §6: the client must authenticate
    other = {"client_id": "client_secret_post", "client_secret": auth.secrets["client_secret_post"]}
    rfc_error(refresh(auth, pair.refresh, data=other), 400, "invalid_grant")
    wrong = refresh(auth, pair.refresh, headers=basic("client_secret_basic", "wrong"))
    assert_invalid_client(wrong)
    secret = auth.secrets["client_secret_basic"]
    assert (
        refresh(auth, pair.refresh, headers=basic("client_secret_basic", secret)).status_code == 200
    )


def test_a_refresh_cannot_change_the_scope(auth: Running) -> None:
    pair = auth.service.issue_pair("user-1", "laptop", claims={"scope": "profile email"})
    rfc_error(refresh(auth, pair.refresh, data={"scope": "profile"}), 400, "invalid_scope")
    rfc_error(refresh(auth, pair.refresh, data={"scope": "admin"}), 400, "invalid_scope")
    assert refresh(auth, pair.refresh, data={"scope": "email profile"}).status_code == 200


def test_without_a_token_service_the_grant_is_neither_offered_nor_published() -> None:
    sock, url = bound_socket()
    ring = kt.Keyring.generate()
    issuer = kt.Issuer(ring, issuer=url, audience="api", ttl=60)
    app = authorization_server(issuer, keys=ring, clients=ClientRegistry(MemoryClientStore()))
    for _ in serve(app, sock):
        document = httpx.get(url + "/.well-known/oauth-authorization-server").json()
        assert document["grant_types_supported"] == ["client_credentials"]
        answer = httpx.post(url + "/oauth/token", data={"grant_type": "refresh_token"})
        rfc_error(answer, 400, "unsupported_grant_type")
