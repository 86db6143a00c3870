"""The client credentials a request carries (RFC 6749 §2.3, RFC 7523 §2.2), read but not checked.

Exactly one method per request: HTTP Basic (``client_secret_basic``), ``client_id`` +
``client_secret`` in the form (``client_secret_post``) or ``client_assertion``
(``private_key_jwt``).
Two methods at once is ``invalid_request`` (RFC 6749 §2.3: "MUST NOT use more than one"), as is a
form ``client_id`` naming another client than the credentials do. A malformed ``Authorization``
header or assertion type is an authentication failure, and counts as one.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from urllib.parse import unquote_plus

from keyturn.asgi._http import Request
from keyturn.authserver._oauth import OAuthError

__all__ = ["ASSERTION_TYPE", "Presented", "presented"]

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass(frozen=True)
class Presented:
    """What the request offers as client credentials; ``method`` is ``"none"`` when nothing.

    ``malformed``: the credentials could not even be read (a bad Basic header, an unknown
    assertion type); they fail authentication without being checked.
    """

    method: str
    client_id: str | None
    secret: str | None = field(default=None, repr=False)
    assertion: str | None = field(default=None, repr=False)
    malformed: bool = False

    @property
    def basic(self) -> bool:
        return self.method == "client_secret_basic"


def _basic(header: str) -> Presented:
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return Presented("client_secret_basic", None, malformed=True)
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return Presented("client_secret_basic", None, malformed=True)
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        return Presented("client_secret_basic", None, malformed=True)
    # §2.3.1: both parts were form-encoded before Base64.
    return Presented("client_secret_basic", unquote_plus(client_id), unquote_plus(secret))


def _from_form(form: dict[str, str]) -> Presented:
    client_id = form.get("client_id")
    if "client_assertion" in form or "client_assertion_type" in form:
        if form.get("client_assertion_type") != ASSERTION_TYPE or "client_assertion" not in form:
            return Presented("private_key_jwt", client_id, malformed=True)
        return Presented("private_key_jwt", client_id, assertion=form["client_assertion"])
    if "client_secret" in form:
        return Presented("client_secret_post", client_id, secret=form["client_secret"])
    return Presented("none", client_id)


def presented(request: Request, form: dict[str, str]) -> Presented:
    """The one set of client credentials in the request (``OAuthError`` if it carries two)."""
    in_form = _from_form(form)
    header = request.headers.get("authorization")
    if header is None:
        return in_form
    if in_form.method != "none":
        raise OAuthError("invalid_request", "use one client authentication method, not two")
    credentials = _basic(header)
    if credentials.malformed:
        return credentials
    if in_form.client_id is not None and in_form.client_id != credentials.client_id:
        raise OAuthError("invalid_request", "client_id does not match the credentials")
    return credentials
