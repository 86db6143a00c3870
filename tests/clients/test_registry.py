"""The registry on every store kind, sync and async: registering, listing, enabling, secrets
(shown once, rotated with an overlap) and the one refusal every failed authentication gets."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest

from keyturn.clients import SECRET_PREFIX, Client
from keyturn.errors import ClientAuthError, ClientError, ConfigurationError
from support import Clock

from .conftest import Backend

BASIC = "client_secret_basic"


def add(registry: Any, **options: Any) -> tuple[Client, str]:
    options.setdefault("audiences", ["api.internal"])
    client, secret = registry.add("billing", **options)
    assert secret is not None
    return client, secret


def refused(call: Any, *args: Any, **kwargs: Any) -> ClientAuthError:
    with pytest.raises(ClientAuthError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == "invalid_client"
    return caught.value


def test_add_shows_a_256_bit_secret_once_and_stores_the_client(registry: Any) -> None:
    client, secret = add(registry, scopes="invoices:read invoices:write", client_id="billing-1")

    assert secret.startswith(SECRET_PREFIX)
    assert len(base64.urlsafe_b64decode(secret[len(SECRET_PREFIX) :] + "=")) == 32
    assert client.client_id == "billing-1"
    assert client.scopes == ("invoices:read", "invoices:write")
    assert client.audiences == ("api.internal",)
    assert client.auth_method == BASIC
    assert client.enabled
    assert registry.get("billing-1") == client
    assert registry.list() == [client]
    assert registry.authenticate("billing-1", secret, method=BASIC) == client
    # No secret, nor its hash, on the record anyone can read.
    assert secret not in repr(client)
    assert hashlib.sha256(secret.encode()).hexdigest() not in repr(client)


def test_generated_ids_and_secrets_differ_and_list_is_ordered(registry: Any) -> None:
    made = [add(registry) for _ in range(3)]
    assert len({client.client_id for client, _ in made}) == 3
    assert len({secret for _, secret in made}) == 3
    assert registry.list() == sorted((c for c, _ in made), key=lambda c: c.client_id)


def test_an_id_can_be_registered_once(registry: Any) -> None:
    first, secret = add(registry, client_id="svc")
    with pytest.raises(ClientError) as caught:
        add(registry, client_id="svc", scopes="admin")
    assert caught.value.code == "client_exists"
    assert registry.get("svc") == first
    assert registry.authenticate("svc", secret, method=BASIC) == first


def test_every_failed_authentication_is_one_error_with_one_message(registry: Any) -> None:
    client, secret = add(registry, client_id="svc")
    post, post_secret = add(registry, client_id="poster", auth_method="client_secret_post")
    jwt_client, _ = registry.add(
        "signer", auth_method="private_key_jwt", audiences="api", jwks={"keys": [_jwk()]}
    )
    attempts = [
        ("nobody", secret, BASIC),  # unknown client
        ("svc", secret + "x", BASIC),  # wrong secret
        ("svc", post_secret, BASIC),  # another client's secret
        ("svc", secret, "client_secret_post"),  # not the method it registered
        ("poster", post_secret, BASIC),
        (jwt_client.client_id, secret, BASIC),  # a private_key_jwt client has no secret
        ("svc", "", BASIC),
        ("svc", secret + "x" * 1000, BASIC),  # oversized
        ("", secret, BASIC),
        ("svc\n", secret, BASIC),
    ]
    messages = {str(refused(registry.authenticate, *a[:2], method=a[2])) for a in attempts}
    assert messages == {"client authentication failed"}
    registry.disable("svc")
    assert str(refused(registry.authenticate, "svc", secret, method=BASIC)) in messages
    # The right pairs still work.
    assert registry.authenticate("poster", post_secret, method="client_secret_post") == post
    registry.enable("svc")
    assert registry.authenticate("svc", secret, method=BASIC).client_id == client.client_id


def test_disable_and_enable(registry: Any) -> None:
    client, secret = add(registry, client_id="svc")
    registry.disable("svc")
    assert registry.get("svc").enabled is False
    refused(registry.authenticate, "svc", secret, method=BASIC)
    registry.enable("svc")
    assert registry.get("svc") == client
    assert registry.authenticate("svc", secret, method=BASIC) == client


@pytest.mark.parametrize("action", ["disable", "enable", "rotate_secret"])
def test_admin_operations_on_an_unknown_client(registry: Any, action: str) -> None:
    with pytest.raises(ClientError) as caught:
        getattr(registry, action)("nobody")
    assert caught.value.code == "client_unknown"
    assert registry.list() == []


def test_rotation_overlap_ends_with_the_clock(registry: Any, clock: Clock) -> None:
    _, old = add(registry, client_id="svc")
    new = registry.rotate_secret("svc", overlap=60)

    assert new != old
    assert new.startswith(SECRET_PREFIX)
    assert registry.authenticate("svc", old, method=BASIC).client_id == "svc"
    assert registry.authenticate("svc", new, method=BASIC).client_id == "svc"
    clock.advance(59.9)
    assert registry.authenticate("svc", old, method=BASIC).client_id == "svc"
    clock.advance(0.1)
    refused(registry.authenticate, "svc", old, method=BASIC)
    assert registry.authenticate("svc", new, method=BASIC).client_id == "svc"


def test_rotation_without_overlap_ends_the_old_secret_at_once(registry: Any) -> None:
    _, old = add(registry, client_id="svc")
    new = registry.rotate_secret("svc")
    refused(registry.authenticate, "svc", old, method=BASIC)
    assert registry.authenticate("svc", new, method=BASIC).client_id == "svc"


def test_rotating_again_during_an_overlap_ends_the_oldest_secret(registry: Any) -> None:
    _, first = add(registry, client_id="svc")
    second = registry.rotate_secret("svc", overlap=600)
    third = registry.rotate_secret("svc", overlap=600)
    refused(registry.authenticate, "svc", first, method=BASIC)
    for secret in (second, third):
        assert registry.authenticate("svc", secret, method=BASIC).client_id == "svc"


def test_a_disabled_client_keeps_its_secrets_refused_through_rotation(registry: Any) -> None:
    add(registry, client_id="svc")
    registry.disable("svc")
    new = registry.rotate_secret("svc", overlap=60)
    refused(registry.authenticate, "svc", new, method=BASIC)


def test_a_key_client_has_no_secret_to_rotate(registry: Any) -> None:
    client, secret = registry.add(
        "signer", auth_method="private_key_jwt", audiences="api", jwks={"keys": [_jwk()]}
    )
    assert secret is None
    with pytest.raises(ClientError) as caught:
        registry.rotate_secret(client.client_id)
    assert caught.value.code == "client_has_no_secret"


def test_negative_overlap_is_a_configuration_error(registry: Any) -> None:
    add(registry, client_id="svc")
    with pytest.raises(ConfigurationError) as caught:
        registry.rotate_secret("svc", overlap=-1)
    assert caught.value.code == "configuration_invalid"


def test_client_records_survive_a_new_store(make_registry: Any, backend: Backend) -> None:
    first = make_registry()
    client, secret = add(first, client_id="svc", scopes="a b")
    key_client, _ = first.add(
        "signer",
        client_id="signer",
        auth_method="private_key_jwt",
        audiences=["api", "other"],
        jwks={"keys": [_jwk()]},
    )
    uri_client, _ = first.add(
        "remote",
        client_id="remote",
        auth_method="private_key_jwt",
        audiences="api",
        jwks_uri="https://keys.example/jwks.json",
    )
    second = make_registry()
    assert second.get("svc") == client
    assert second.get("signer") == key_client
    assert second.get("signer").jwks == key_client.jwks
    assert second.get("remote").jwks_uri == "https://keys.example/jwks.json"
    assert second.list() == [uri_client, key_client, client]  # ordered by id
    assert second.authenticate("svc", secret, method=BASIC) == client


def test_no_client_secret_is_kept_in_plaintext(registry: Any, backend: Backend) -> None:
    _, secret = add(registry, client_id="svc")
    rotated = registry.rotate_secret("svc", overlap=60)
    registry.close()

    stored = backend.at_rest()
    for value in (secret, rotated):
        assert value.encode() not in stored
        assert value[len(SECRET_PREFIX) :].encode() not in stored
        # What is kept is the hash (raw or hex): proof the dump did hold the record.
        digest = hashlib.sha256(value.encode()).digest()
        assert digest in stored or digest.hex().encode() in stored


def _jwk() -> dict[str, Any]:
    import keyturn as kt

    return dict(kt.SigningKey.generate().public_key.to_jwk())


def test_what_a_client_may_ask_for(registry: Any) -> None:
    client, _ = add(registry, scopes="read write", audiences=["api.a", "api.b"])
    assert client.allows_scopes([])
    assert client.allows_scopes(["read"])
    assert client.allows_scopes({"read", "write"})
    assert not client.allows_scopes(["read", "admin"])
    assert client.allows_audience("api.b")
    assert not client.allows_audience("api.")  # exact, never a prefix
    assert not client.allows_audience("api.c")


def test_registry_configuration_mistakes() -> None:
    from keyturn.clients import AsyncClientRegistry, ClientRegistry
    from keyturn.stores.memory.clients import MemoryClientStore
    from keyturn.stores.redis.clients import AsyncRedisClientStore

    mistakes: list[Any] = [
        lambda: ClientRegistry(MemoryClientStore(), leeway=301),  # over MAX_LEEWAY
        lambda: ClientRegistry(MemoryClientStore(), leeway=-1),
        lambda: ClientRegistry(MemoryClientStore(), leeway=True),
        # An async store in the sync registry: its calls would return coroutines, never run.
        lambda: ClientRegistry(AsyncRedisClientStore("redis://127.0.0.1:1/0")),
        # The method says how the request carried a secret; private_key_jwt carries none.
        lambda: ClientRegistry(MemoryClientStore()).authenticate(
            "svc", "ktc_x", method="private_key_jwt"
        ),
    ]
    for mistake in mistakes:
        with pytest.raises(ConfigurationError) as caught:
            mistake()
        assert caught.value.code == "configuration_invalid"
    assert AsyncClientRegistry(MemoryClientStore()).store is not None  # a sync store is fine
