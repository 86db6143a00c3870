"""Which URLs and options a RemoteJWKS accepts, decided when it is built (nothing is fetched)."""

from __future__ import annotations

import re

import pytest

from keyturn import ConfigurationError, RemoteJWKS


@pytest.mark.parametrize(
    "url",
    [
        "https://auth.example.com/.well-known/jwks.json",
        "HTTPS://Auth.Example.com:8443/keys?tenant=1",
        "http://127.0.0.1:8080/jwks.json",
        "http://127.5.6.7/jwks.json",
        "http://[::1]:9000/jwks.json",
        "http://localhost/jwks.json",
        "http://LOCALHOST:1/jwks.json",
    ],
)
def test_https_and_loopback_http_are_accepted(url: str) -> None:
    assert "keys=0" in repr(RemoteJWKS(url))


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://auth.example.com/jwks.json", "plain http refused"),
        ("http://10.0.0.1/jwks.json", "plain http refused"),
        ("http://localhost.example.com/jwks.json", "plain http refused"),
        ("http://127.0.0.1.nip.io/jwks.json", "plain http refused"),
        ("http://[::ffff:127.0.0.1]/jwks.json", "plain http refused"),
        ("file:///etc/passwd", "scheme 'file' refused"),
        ("ftp://auth.example.com/jwks.json", "scheme 'ftp' refused"),
        ("data:application/json,{}", "scheme 'data' refused"),
        ("/.well-known/jwks.json", "scheme '(none)' refused"),
        ("https:///jwks.json", "no host"),
        ("https://user:secret@auth.example.com/jwks.json", "must not embed credentials"),
        ("https://auth.example.com:99999/jwks.json", "invalid port"),
        ("https://auth.example.com/jwks\n.json", "printable ASCII without spaces"),
        ("https://auth.example.com/\tjwks.json", "printable ASCII without spaces"),
        (" https://auth.example.com/jwks.json", "printable ASCII without spaces"),
        ("https://bücher.example/jwks.json", "IDNA hosts in punycode form"),
    ],
)
def test_other_urls_are_refused_at_construction(url: str, reason: str) -> None:
    """A URL the configuration gives is a configuration mistake (a published one is the
    provider's: see test_discovery's test_jwks_uri_obeys_the_scheme_rules)."""
    with pytest.raises(ConfigurationError, match=re.escape(reason)) as caught:
        RemoteJWKS(url)
    assert type(caught.value) is ConfigurationError
    assert caught.value.code == "configuration_invalid"
    assert "secret" not in str(caught.value)


def test_url_must_be_a_string() -> None:
    with pytest.raises(ConfigurationError, match="JWKS URL must be a str") as caught:
        RemoteJWKS(b"https://auth.example.com/jwks.json")  # type: ignore[arg-type]
    assert type(caught.value) is ConfigurationError
    assert caught.value.code == "configuration_invalid"


@pytest.mark.parametrize(
    "options",
    [
        {"ttl": 0},
        {"ttl": -1},
        {"ttl": float("inf")},
        {"cooldown": -1},
        {"cooldown": float("nan")},
        {"timeout": 0},
        {"timeout": True},
        {"stale_for": -5},
        {"max_bytes": 0},
        {"max_bytes": 1.5},
        {"headers": {"X-Token": "a\r\nInjected: yes"}},
        {"headers": {"Bad:Name": "v"}},
        {"headers": {"X-Token": 5}},
        {"headers": {"X-Token": "caf\u00e9 \u2603"}},
    ],
)
def test_bad_options_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError) as caught:
        RemoteJWKS("https://auth.example.com/jwks.json", **options)  # type: ignore[arg-type]
    assert type(caught.value) is ConfigurationError
    assert caught.value.code == "configuration_invalid"


def test_repr_hides_query_and_headers() -> None:
    jwks = RemoteJWKS(
        "https://auth.example.com/jwks.json?api_key=s3cr3t",
        headers={"Authorization": "Bearer s3cr3t"},
    )
    assert repr(jwks) == "RemoteJWKS('https://auth.example.com/jwks.json', keys=0, version=0)"
