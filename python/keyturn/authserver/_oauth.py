"""What the authorization server's endpoints share: the RFC 6749 form body and the §5.2 error.

Every endpoint takes ``application/x-www-form-urlencoded`` only (RFC 6749 §3.2, RFC 7662 §2.1,
RFC 7009 §2.1). A parameter sent twice is refused (§3.2: "MUST NOT be included more than once"),
rather than letting one copy win: a proxy and this server could pick different copies. A parameter
without a value counts as omitted (§3.1). Every answer carries ``Cache-Control: no-store``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from urllib.parse import parse_qsl

from keyturn.asgi._http import (
    MAX_BODY_BYTES,
    Receive,
    Reject,
    Request,
    read_body,
)

__all__ = ["FORM_TYPE", "MAX_FIELDS", "OAuthError", "read_form"]

FORM_TYPE = "application/x-www-form-urlencoded"
#: The largest form has eight parameters (a private_key_jwt client_credentials request).
MAX_FIELDS = 32


class OAuthError(Reject):
    """An RFC 6749 §5.2 error answer; never carries a token or a secret."""

    def __init__(
        self,
        error: str,
        description: str,
        *,
        status: int = 400,
        headers: Iterable[tuple[bytes, bytes]] = (),
    ) -> None:
        super().__init__(status, error, description, headers)


def _is_form(content_type: str) -> bool:
    media_type, _, parameters = content_type.partition(";")
    if media_type.strip().lower() != FORM_TYPE:
        return False
    charset = parameters.strip().lower()
    # The form is UTF-8 (the HTML form rules RFC 6749 Appendix B cites); no other charset is read.
    return charset in ("", "charset=utf-8", 'charset="utf-8"')


async def read_form(request: Request, receive: Receive) -> dict[str, str]:
    """The request's form parameters, each present at most once, blank ones dropped."""
    if not _is_form(request.headers.get("content-type", "")):
        raise OAuthError("invalid_request", f"the body must be {FORM_TYPE}")
    body = await read_body(receive, MAX_BODY_BYTES)
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=True,
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise OAuthError("invalid_request", "malformed form body") from None
    repeated = sorted(name for name, count in Counter(n for n, _ in pairs).items() if count > 1)
    if repeated:
        raise OAuthError("invalid_request", f"parameter {repeated[0][:64]!r} sent more than once")
    return {name: value for name, value in pairs if value}
