"""https for real: a loopback TLS server with a certificate from a throwaway CA (see the ``pki``
fixture), trusted only through ``ssl_context``."""

from __future__ import annotations

import shutil
import ssl
from typing import TYPE_CHECKING

import pytest

from keyturn import JWKSError, RemoteJWKS
from keyturn._core import SigningKey

if TYPE_CHECKING:
    from conftest import JWKSServer

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")


def test_https_fetch_with_a_trusted_ca(
    tls_server: JWKSServer, key_a: SigningKey, trusting: ssl.SSLContext
) -> None:
    tls_server.serve_keys(key_a)
    jwks = RemoteJWKS(tls_server.url(), ssl_context=trusting)
    assert tls_server.url().startswith("https://127.0.0.1:")
    assert [key.kid for key in jwks.verification_keys()] == ["key-a"]


def test_untrusted_certificate_is_refused(tls_server: JWKSServer, key_a: SigningKey) -> None:
    tls_server.serve_keys(key_a)
    with pytest.raises(JWKSError, match="CERTIFICATE_VERIFY_FAILED") as caught:
        RemoteJWKS(tls_server.url(), timeout=2).verification_keys()
    assert type(caught.value) is JWKSError
    assert caught.value.code == "jwks_error"
    assert tls_server.count() == 0


def test_certificate_for_another_name_is_refused(
    tls_server: JWKSServer, key_a: SigningKey, trusting: ssl.SSLContext
) -> None:
    tls_server.serve_keys(key_a)
    jwks = RemoteJWKS(tls_server.url(host="localhost"), ssl_context=trusting, timeout=2)
    with pytest.raises(JWKSError, match=r"Hostname mismatch|not valid for") as caught:
        jwks.verification_keys()
    assert type(caught.value) is JWKSError
    assert caught.value.code == "jwks_error"
    assert tls_server.count() == 0
