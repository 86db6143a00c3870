"""private_key_jwt (RFC 7523) on every store kind, sync and async: an assertion proves its client
once; every other assertion is refused with the one ``invalid_client`` error."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

import keyturn as kt
from keyturn.client_auth import PrivateKeyJWT
from keyturn.clients import ClientRegistry
from keyturn.errors import ClientAuthError, ConfigurationError
from support import Clock, marked

from .conftest import KINDS, TOKEN_ENDPOINT, Backend, assertion

ISSUER = "https://auth.test"


def key_client(registry: Any, key: Any, client_id: str = "signer", **options: Any) -> Any:
    options.setdefault("audiences", "api.internal")
    client, secret = registry.add(
        "signer",
        client_id=client_id,
        auth_method="private_key_jwt",
        jwks={"keys": [key.public_key.to_jwk()]},
        **options,
    )
    assert secret is None
    return client


def verify(registry: Any, token: str, **options: Any) -> Any:
    options.setdefault("audience", [TOKEN_ENDPOINT, ISSUER])
    return registry.verify_assertion(token, **options)


def refused(registry: Any, token: Any, **options: Any) -> None:
    with pytest.raises(ClientAuthError) as caught:
        verify(registry, token, **options)
    assert caught.value.code == "invalid_client"
    assert str(caught.value) == "client authentication failed"


def test_an_assertion_proves_its_client_once(
    registry: Any, client_key: kt.SigningKey, clock: Clock
) -> None:
    client = key_client(registry, client_key)
    token = assertion(client_key, "signer", clock.now)

    assert verify(registry, token) == client
    refused(registry, token)  # the same jti again: a replay
    # A fresh assertion (new jti) works; so does keyturn's own client side.
    assert verify(registry, assertion(client_key, "signer", clock.now)) == client
    own = PrivateKeyJWT("signer", client_key).assertion(ISSUER)
    clock.now = time.time()  # its iat is the real clock's, which may have passed the test's
    assert verify(registry, own, client_id="signer") == client


def test_a_replayed_jti_is_refused_until_its_assertion_expired(
    registry: Any, client_key: kt.SigningKey, clock: Clock
) -> None:
    key_client(registry, client_key)
    verify(registry, assertion(client_key, "signer", clock.now, jti="once"))
    clock.advance(30)
    # Another assertion, the same jti, while the first could still be valid: refused.
    refused(registry, assertion(client_key, "signer", clock.now, jti="once"))
    clock.advance(31)
    # The first one has expired, so nobody can replay it: the id may be used again.
    assert verify(registry, assertion(client_key, "signer", clock.now, jti="once")).client_id


def test_jtis_are_per_client(registry: Any, client_key: kt.SigningKey, clock: Clock) -> None:
    other_key = kt.SigningKey.generate()
    key_client(registry, client_key, "one")
    key_client(registry, other_key, "two")
    verify(registry, assertion(client_key, "one", clock.now, jti="shared"))
    assert verify(registry, assertion(other_key, "two", clock.now, jti="shared")).client_id == "two"


@pytest.mark.parametrize(
    ("case", "overrides"),
    [
        ("another audience", {"aud": "https://other.test/oauth/token"}),
        ("two audiences", {"aud": [TOKEN_ENDPOINT, "https://other.test"]}),
        ("no audience", {"aud": None}),
        ("audience prefix", {"aud": TOKEN_ENDPOINT + "/x"}),
        ("expired", {"exp": -1}),
        ("no exp", {"exp": None}),
        ("lifetime over five minutes", {"exp": 301}),
        ("no jti", {"jti": None}),
        ("empty jti", {"jti": ""}),
        ("jti not a string", {"jti": 7}),
        ("oversized jti", {"jti": "j" * 257}),
        ("sub is another client", {"sub": "other"}),
        ("no sub", {"sub": None}),
        ("iss is another client", {"iss": "other"}),
        ("not yet valid", {"nbf": 30}),
    ],
)
def test_bad_assertions_are_refused(
    registry: Any, client_key: kt.SigningKey, clock: Clock, case: str, overrides: dict[str, Any]
) -> None:
    key_client(registry, client_key)
    key_client(registry, kt.SigningKey.generate(), "other")
    now = int(clock.now)
    relative = {"exp", "nbf"}
    claims = {k: (now + v if k in relative and v is not None else v) for k, v in overrides.items()}
    refused(registry, assertion(client_key, "signer", clock.now, **claims))


def test_an_assertion_signed_by_another_key_is_refused_and_spends_nothing(
    registry: Any, client_key: kt.SigningKey, clock: Clock
) -> None:
    key_client(registry, client_key)
    refused(registry, assertion(kt.SigningKey.generate(), "signer", clock.now, jti="chosen"))
    # The forgery spent nothing: nobody can burn a client's assertion ids.
    assert verify(registry, assertion(client_key, "signer", clock.now, jti="chosen")).client_id


def test_an_hmac_assertion_is_refused(
    registry: Any, client_key: kt.SigningKey, clock: Clock
) -> None:
    key_client(registry, client_key)
    hmac_key = kt.HmacKey(b"k" * 32)
    claims = {"iss": "signer", "sub": "signer", "aud": TOKEN_ENDPOINT, "jti": "h"}
    token = kt.encode({**claims, "exp": int(clock.now) + 60}, hmac_key, alg="HS256")
    refused(registry, token)


@pytest.mark.parametrize("token", ["", "not.a.jwt", "a.b", 5, None])
def test_garbage_is_refused(registry: Any, client_key: kt.SigningKey, token: Any) -> None:
    key_client(registry, client_key)
    refused(registry, token)


def test_client_id_in_the_form_must_name_the_assertion_client(
    registry: Any, client_key: kt.SigningKey, clock: Clock
) -> None:
    key_client(registry, client_key)
    token = assertion(client_key, "signer", clock.now)
    refused(registry, token, client_id="other")
    assert verify(registry, token, client_id="signer").client_id == "signer"


def test_the_assertion_type_must_be_jwt_bearer(
    registry: Any, client_key: kt.SigningKey, clock: Clock
) -> None:
    key_client(registry, client_key)
    token = assertion(client_key, "signer", clock.now)
    refused(registry, token, assertion_type="urn:ietf:params:oauth:client-assertion-type:saml2")
    assert verify(registry, token).client_id == "signer"  # the refusal spent nothing


def test_a_disabled_or_unknown_or_secret_client_cannot_use_assertions(
    registry: Any, client_key: kt.SigningKey, clock: Clock
) -> None:
    key_client(registry, client_key)
    registry.add("secretive", client_id="secretive", audiences="api")
    refused(registry, assertion(client_key, "nobody", clock.now))
    refused(registry, assertion(client_key, "secretive", clock.now))
    registry.disable("signer")
    token = assertion(client_key, "signer", clock.now)
    refused(registry, token)
    registry.enable("signer")
    assert verify(registry, token).client_id == "signer"  # the refusal spent nothing


def test_ec_and_rsa_client_keys(registry: Any, clock: Clock) -> None:
    for alg in ("ES256", "PS256"):
        key = kt.Keyring.generate(alg=alg).current
        key_client(registry, key, f"k-{alg}")
        assert verify(registry, assertion(key, f"k-{alg}", clock.now)).client_id == f"k-{alg}"


def test_purge_forgets_only_expired_jtis(
    registry: Any, client_key: kt.SigningKey, clock: Clock, kind: str
) -> None:
    key_client(registry, client_key)
    verify(registry, assertion(client_key, "signer", clock.now, exp=int(clock.now) + 10))
    verify(registry, assertion(client_key, "signer", clock.now, exp=int(clock.now) + 100))
    clock.advance(20)
    # Redis keys expire by themselves (purge has nothing to do); SQL and memory delete one.
    assert registry.purge() == (0 if kind.endswith("redis") else 1)
    assert registry.purge() == 0


def test_leeway_extends_how_long_a_jti_is_kept(
    make_registry: Any, client_key: kt.SigningKey, clock: Clock
) -> None:
    registry = make_registry(leeway=30)
    key_client(registry, client_key)
    token = assertion(client_key, "signer", clock.now)
    verify(registry, token)
    clock.advance(60 + 10)  # expired, but within the leeway: still accepted as valid...
    refused(registry, token)  # ...so still remembered


def _race(registries: list[ClientRegistry], token: str) -> list[str]:
    """Both registries verify ``token`` at once; what each got ("won" or "refused")."""
    barrier = threading.Barrier(len(registries))
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def attempt(registry: ClientRegistry) -> None:
        try:
            barrier.wait(timeout=10)
            verify(registry, token)
            outcomes.append("won")
        except ClientAuthError:
            outcomes.append("refused")
        except BaseException as error:  # collected: a worker's failure fails the test
            errors.append(error)

    threads = [threading.Thread(target=attempt, args=(r,)) for r in registries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    return sorted(outcomes)


@pytest.mark.parametrize("kind", marked(*KINDS))
def test_two_threads_racing_one_assertion_one_wins(
    kind: str, backend: Backend, client_key: kt.SigningKey, clock: Clock
) -> None:
    # Two registries on two store objects: two connections (pools, clients) racing.
    registries = [ClientRegistry(backend.make_store(), clock=clock) for _ in range(2)]
    key_client(registries[0], client_key)
    try:
        for round_ in range(10):
            token = assertion(client_key, "signer", clock.now, jti=f"race-{round_}")
            assert _race(registries, token) == ["refused", "won"]
    finally:
        for registry in registries:
            registry.close()


@pytest.mark.parametrize("kind", marked(*(f"async-{kind}" for kind in KINDS)))
def test_two_coroutines_racing_one_assertion_one_wins(
    kind: str, backend: Backend, client_key: kt.SigningKey, clock: Clock
) -> None:
    from keyturn.clients import AsyncClientRegistry

    async def main() -> list[Any]:
        registry = AsyncClientRegistry(backend.make_async_store(), clock=clock)
        await registry.add(
            "signer",
            client_id="signer",
            auth_method="private_key_jwt",
            audiences="api",
            jwks={"keys": [client_key.public_key.to_jwk()]},
        )
        token = assertion(client_key, "signer", clock.now)
        try:
            return await asyncio.gather(
                *(registry.verify_assertion(token, audience=TOKEN_ENDPOINT) for _ in range(4)),
                return_exceptions=True,
            )
        finally:
            await registry.close()

    outcomes = asyncio.run(main())
    assert sum(isinstance(o, kt.clients.Client) for o in outcomes) == 1
    refusals = [o for o in outcomes if isinstance(o, ClientAuthError)]
    assert len(refusals) == 3
    assert {o.code for o in refusals} == {"invalid_client"}


# --- registration mistakes -----------------------------------------------------------------------


def _config_error(registry: Any, **options: Any) -> None:
    options.setdefault("audiences", "api")
    with pytest.raises(ConfigurationError) as caught:
        registry.add("svc", **options)
    assert caught.value.code == "configuration_invalid"


@pytest.mark.parametrize(
    "options",
    [
        {"auth_method": "client_secret_jwt"},
        {"auth_method": "none"},
        {"auth_method": "private_key_jwt"},  # no keys
        {"jwks": {"keys": []}},  # keys for a secret client
        {"jwks_uri": "https://keys.example/jwks.json"},
        {"audiences": []},
        {"audiences": ["bad\taudience"]},
        {"scopes": 'quote"d'},
        {"scopes": ["ok", 5]},
        {"client_id": "has space"},
        {"client_id": "x" * 129},
        {"client_id": ""},
    ],
)
def test_registration_mistakes(registry: Any, options: dict[str, Any]) -> None:
    _config_error(registry, **options)
    assert registry.list() == []


def test_key_registration_mistakes(registry: Any) -> None:
    public = kt.SigningKey.generate()
    private_jwk = dict(public.to_jwk(private=True))
    kinds: list[dict[str, Any]] = [
        {"jwks": {"keys": [private_jwk]}},  # private material
        {"jwks": {"keys": []}},
        {"jwks": {"keys": [public.public_key.to_jwk()]}, "jwks_uri": "https://k.example/j"},
        {"jwks_uri": "http://keys.example/jwks.json"},  # http to a non-loopback host
        {"jwks_uri": "ftp://keys.example/jwks.json"},
    ]
    for options in kinds:
        _config_error(registry, auth_method="private_key_jwt", **options)
    with pytest.raises(ConfigurationError):
        registry.add("", audiences="api")
    assert registry.list() == []


@pytest.mark.parametrize("kind", marked("memory", "async-memory"))
def test_keys_fetched_from_the_clients_jwks_uri(registry: Any, clock: Clock) -> None:
    """A client publishing its keys (a keyring behind keyturn's own JWKS endpoint on uvicorn):
    the registry fetches them through RemoteJWKS, on the sync and on the async path."""
    from keyturn.asgi import jwks_endpoint
    from support.loopback import serve

    ring = kt.Keyring.generate()
    with serve(jwks_endpoint(ring)) as base:
        registry.add(
            "publisher",
            client_id="publisher",
            auth_method="private_key_jwt",
            audiences="api",
            jwks_uri=f"{base}/.well-known/jwks.json",
        )
        token = assertion(ring.current, "publisher", clock.now)
        assert verify(registry, token).client_id == "publisher"
        refused(registry, token)  # replay
        refused(registry, assertion(kt.SigningKey.generate(), "publisher", clock.now))
    # The publisher is gone: its cached keys still verify; nothing else changes.
    assert verify(registry, assertion(ring.current, "publisher", clock.now)).client_id
