"""Every response RemoteJWKS must refuse, each from a real server: JWKSError, and within the
timeout where the refusal is the timeout (the hostile trickling servers are in
test_hostile_servers.py)."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import pytest

from keyturn import JWKSError, RemoteJWKS
from keyturn._core import SigningKey

if TYPE_CHECKING:
    from conftest import FakeClock, JWKSServer

TIMEOUT = 0.5
# What the contract bounds is the timeout; the margin covers scheduling on a loaded 2-core machine.
MARGIN = 3.0

RSA_JWK = {"kty": "RSA", "kid": "rsa-1", "use": "sig", "alg": "RS256", "n": "sXch", "e": "AQAB"}


def refused(jwks: RemoteJWKS, match: str) -> JWKSError:
    with pytest.raises(JWKSError, match=match) as caught:
        jwks.verification_keys()
    assert type(caught.value) is JWKSError
    assert caught.value.code == "jwks_error"
    return caught.value


def timed_out(jwks: RemoteJWKS) -> None:
    """Refused for the timeout, within it plus the margin (the server would go on far longer)."""
    started = time.monotonic()
    refused(jwks, f"timed out: no complete response within {TIMEOUT:g} s")
    assert time.monotonic() - started < TIMEOUT + MARGIN


def client(server: JWKSServer, path: str = "/jwks.json", **options: object) -> RemoteJWKS:
    return RemoteJWKS(server.url(path), timeout=TIMEOUT, **options)  # type: ignore[arg-type]


def test_oversized_by_content_length(server: JWKSServer, key_a: SigningKey) -> None:
    server.serve_json({"keys": [key_a.public_key.to_jwk()], "pad": "x" * 2000})
    refused(client(server, max_bytes=1000), r"larger than max_bytes=1000 \(Content-Length")


def test_oversized_while_streaming(server: JWKSServer) -> None:
    # No Content-Length: the cap must hold while reading, not after.
    server.reply(body=b"[" * 5_000_000, content_length=False)
    refused(client(server, max_bytes=1000), r"larger than max_bytes=1000$")


@pytest.mark.parametrize("content_length", [True, False])
def test_a_body_of_exactly_max_bytes_is_accepted(
    server: JWKSServer, key_a: SigningKey, content_length: bool
) -> None:
    server.serve_keys(key_a, content_length=content_length)
    size = len(server.routes["/jwks.json"].body)
    assert [k.kid for k in client(server, max_bytes=size).verification_keys()] == ["key-a"]
    refused(client(server, max_bytes=size - 1), f"larger than max_bytes={size - 1}")


def test_compressed_body(server: JWKSServer, key_a: SigningKey) -> None:
    server.serve_keys(key_a, headers={"Content-Encoding": "gzip"})
    refused(client(server), "response has Content-Encoding 'gzip', not identity")


def test_truncated_body(server: JWKSServer) -> None:
    server.reply(body=b'{"keys": [', headers={"Content-Length": "500"}, content_length=False)
    refused(client(server), "response ended 490 bytes short of its length")


def test_slow_server(server: JWKSServer, key_a: SigningKey) -> None:
    server.serve_keys(key_a, hold=True)  # no status line until the test ends
    timed_out(client(server))


def test_slow_body_hits_the_overall_deadline(server: JWKSServer, key_a: SigningKey) -> None:
    # Each byte arrives well inside the per-read timeout; only the overall deadline stops it.
    server.serve_keys(key_a, drip=0.1)
    assert len(server.routes["/jwks.json"].body) * 0.1 > 2 * (TIMEOUT + MARGIN)
    timed_out(client(server))


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_is_not_followed(server: JWKSServer, key_a: SigningKey, status: int) -> None:
    server.serve_keys(key_a, path="/moved.json")
    server.reply(status=status, headers={"Location": server.url("/moved.json")})
    refused(client(server), f"HTTP {status} redirect not followed")
    assert server.count("/moved.json") == 0


def test_304_without_revalidation(server: JWKSServer) -> None:
    server.reply(status=304)
    refused(client(server), "HTTP 304 to a request that did not revalidate")


@pytest.mark.parametrize("status", [500, 503, 404, 401, 204])
def test_non_200_status(server: JWKSServer, status: int) -> None:
    server.reply(status=status, body=b'{"keys": []}')
    refused(client(server), rf"HTTP {status} \(expected 200\)")


@pytest.mark.parametrize(
    "body",
    [
        b"<html>502 Bad Gateway</html>",
        b"",
        b'{"keys": [], "keys": []}',  # duplicate member names
        b'{"keys": [NaN]}',
        b'{"keys": [\xff]}',  # not UTF-8
        b"[" * 100_000 + b"]" * 100_000,  # nesting deep enough to exhaust recursion
    ],
)
def test_non_json(server: JWKSServer, body: bytes) -> None:
    server.reply(body=body)
    refused(client(server), "JWKS response is not valid JSON")


@pytest.mark.parametrize(
    ("document", "match"),
    [
        ([{"kty": "OKP"}], "not a JSON object"),
        ("keys", "not a JSON object"),
        ({"jwks_uri": "https://x"}, r"not a JWK Set \(no 'keys' array\)"),
        ({"keys": {"kty": "OKP"}}, r"not a JWK Set \(no 'keys' array\)"),
        ({"keys": []}, r"no usable verification key \(0 entries skipped\)"),
        ({"keys": [RSA_JWK]}, r"no usable verification key \(1 entries skipped\)"),
        ({"keys": [RSA_JWK, 5, "x"]}, r"entry 1 is not a JSON object"),
    ],
)
def test_not_a_usable_jwks(server: JWKSServer, document: object, match: str) -> None:
    server.serve_json(document)
    refused(client(server), match)


def test_duplicate_kids_refuse_the_set(server: JWKSServer) -> None:
    one, two = SigningKey.generate(kid="same"), SigningKey.generate(kid="same")
    server.serve_keys(one, two)
    refused(client(server), "kid 'same' appears more than once")


def test_entries_not_ours_to_use_are_skipped(
    server: JWKSServer, key_a: SigningKey, caplog: pytest.LogCaptureFixture
) -> None:
    good = key_a.public_key.to_jwk()
    server.serve_json(
        {
            "keys": [
                RSA_JWK,
                {**SigningKey.generate(kid="enc").public_key.to_jwk(), "use": "enc"},
                {**SigningKey.generate(kid="ops").public_key.to_jwk(), "key_ops": ["sign"]},
                {**SigningKey.generate(kid="rs").public_key.to_jwk(), "alg": "RS256"},
                {"kty": "OKP", "crv": "X25519", "kid": "x", "x": "AAAA"},
                good,
            ]
        }
    )
    with caplog.at_level(logging.DEBUG, logger="keyturn.jwks"):
        keys = client(server).verification_keys()
    assert [key.kid for key in keys] == ["key-a"]
    skipped = [r for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 5
    assert {r.levelno for r in skipped} == {logging.DEBUG}


@pytest.mark.parametrize(
    ("entry", "match"),
    [
        ({"kty": "OKP", "crv": "Ed25519", "kid": "short", "x": "AAAA"}, "not a valid Ed25519 key"),
        # the identity point: small order, refused at import
        ({"kty": "OKP", "crv": "Ed25519", "kid": "weak", "x": "AQ" + "A" * 41}, "small order"),
        (["not", "an", "object"], "entry 0 is not a JSON object"),
    ],
)
def test_a_broken_ed25519_entry_refuses_the_set(
    server: JWKSServer, key_a: SigningKey, entry: object, match: str
) -> None:
    server.serve_json({"keys": [entry, key_a.public_key.to_jwk()]})
    refused(client(server), match)


@pytest.mark.parametrize(
    "secret",
    [
        SigningKey.generate(kid="leaked").to_jwk(private=True),
        {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"},
    ],
)
def test_published_secret_keys_refuse_the_set(
    server: JWKSServer,
    key_a: SigningKey,
    caplog: pytest.LogCaptureFixture,
    secret: dict[str, str],
) -> None:
    """Anyone who read such a set can sign with the leaked key, so none of it is trusted."""
    server.serve_json({"keys": [secret, key_a.public_key.to_jwk()]})
    with caplog.at_level(logging.DEBUG, logger="keyturn.jwks"):
        refused(client(server), "entry 0 publishes private or secret key material")
    material = secret.get("d") or secret["k"]
    assert material not in caplog.text


def test_nothing_listening(server: JWKSServer) -> None:
    jwks = client(server)
    server.stop()
    refused(jwks, "ConnectionRefusedError")


def test_a_failed_cold_fetch_is_not_retried_within_the_cooldown(
    server: JWKSServer, key_a: SigningKey, clock: FakeClock
) -> None:
    server.reply(status=500)
    jwks = client(server, cooldown=30, clock=clock)
    refused(jwks, "HTTP 500")
    refused(jwks, "HTTP 500")
    assert server.count() == 1
    server.serve_keys(key_a)
    clock.advance(30)
    assert [key.kid for key in jwks.verification_keys()] == ["key-a"]
    assert server.count() == 2


def test_errors_do_not_show_the_query_string(server: JWKSServer) -> None:
    server.reply(status=500)
    error = refused(client(server, "/jwks.json?api_key=s3cr3t"), "HTTP 500")
    assert "s3cr3t" not in str(error)
    assert f"http://127.0.0.1:{server.port}/jwks.json" in str(error)


def test_accept_header_and_extra_headers_are_sent(server: JWKSServer, key_a: SigningKey) -> None:
    server.serve_keys(key_a)
    client(server, headers={"Authorization": "Bearer t0ken"}).verification_keys()
    (_, headers) = server.requests[0]
    assert headers["Authorization"] == "Bearer t0ken"
    assert headers["Accept"].startswith("application/jwk-set+json")
