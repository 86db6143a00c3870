"""Device authorization (RFC 8628): sign in on a device without a browser, or from a terminal.

``start(client, scope=...)`` asks the provider for a device code and returns what to show the
user (``user_code``, ``verification_uri``). ``poll(client, authorization)`` then polls the token
endpoint every ``interval`` seconds (at least one): ``authorization_pending`` keeps polling,
``slow_down`` adds 5 seconds to the interval for good (§3.5), ``expired_token`` and the code's own
``expires_in`` end with ``LoginError("login_expired")``, ``access_denied`` with
``LoginError("login_denied")``.
Setting the ``cancel`` event stops the polling at once with ``LoginError("login_cancelled")``;
cancelling an ``apoll`` task stops its polling thread too.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field

from keyturn.errors import GrantError, LoginError, ProviderError, with_provider_code
from keyturn.oauth_client import OAuthClient, TokenResponse

__all__ = ["DeviceAuthorization", "apoll", "poll", "start"]

#: RFC 8628 §3.2: without ``interval`` the client waits 5 seconds; §3.5: slow_down adds 5.
DEFAULT_INTERVAL = 5
SLOW_DOWN_STEP = 5
#: A provider's ``interval: 0`` would turn polling into a busy loop against it: 1 s at least.
MIN_INTERVAL = 1
_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"


@dataclass(frozen=True)
class DeviceAuthorization:
    """The provider's answer to a device authorization request (RFC 8628 §3.2)."""

    device_code: str = field(repr=False)
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_at: float  # time.time() when the device code expires
    interval: int


def _invalid(message: str) -> ProviderError:
    return ProviderError(f"device authorization: {message}", code="provider_response_invalid")


def _string(document: dict[str, object], name: str, *, required: bool = True) -> str | None:
    value = document.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise _invalid(f"{name} is not a non-empty string")
    return value


def _seconds(value: object, name: str, default: int | None) -> int:
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _invalid(f"{name} is not a non-negative integer")
    return value


def start(client: OAuthClient, *, scope: str | None = None) -> DeviceAuthorization:
    """Ask for a device code and the user code to show (RFC 8628 §3.1)."""
    url = client.endpoint("device_authorization_endpoint")
    form, headers = client.authenticated({} if scope is None else {"scope": scope})
    document = client.back_channel.post_form(url, form, headers)
    uri = _string(document, "verification_uri")
    complete = _string(document, "verification_uri_complete", required=False)
    for name, value in (("verification_uri", uri), ("verification_uri_complete", complete)):
        if value is not None and not value.startswith(("https://", "http://")):
            raise _invalid(f"{name} is not an http(s) URL")  # it is shown to a user to open
    return DeviceAuthorization(
        device_code=str(_string(document, "device_code")),
        user_code=str(_string(document, "user_code")),
        verification_uri=str(uri),
        verification_uri_complete=complete,
        expires_at=time.time() + _seconds(document.get("expires_in"), "expires_in", None),
        interval=max(
            MIN_INTERVAL, _seconds(document.get("interval"), "interval", DEFAULT_INTERVAL)
        ),
    )


def _answer(client: OAuthClient, device: DeviceAuthorization) -> TokenResponse | str:
    """One poll: the tokens, or the provider's "keep waiting" code."""
    try:
        return client.grant({"grant_type": _GRANT_TYPE, "device_code": device.device_code})
    except GrantError as refusal:
        code = refusal.provider_code
        if code in ("authorization_pending", "slow_down"):
            return code
        if code == "expired_token":
            raise LoginError("the device code expired", code="login_expired") from None
        if code == "access_denied":
            denied = LoginError("the user denied the sign-in", code="login_denied")
            raise with_provider_code(denied, code) from None
        raise


def poll(
    client: OAuthClient,
    device: DeviceAuthorization,
    *,
    cancel: threading.Event | None = None,
) -> TokenResponse:
    """Poll until the user approves, denies or the code expires (see the module's rules)."""
    cancel = cancel or threading.Event()
    interval = device.interval
    while True:
        if cancel.wait(interval):
            raise LoginError("the sign-in was cancelled", code="login_cancelled")
        if time.time() >= device.expires_at:
            raise LoginError("the device code expired", code="login_expired")
        answer = _answer(client, device)
        if isinstance(answer, TokenResponse):
            return answer
        if answer == "slow_down":
            interval += SLOW_DOWN_STEP


async def apoll(client: OAuthClient, device: DeviceAuthorization) -> TokenResponse:
    """``poll`` in a worker thread; cancelling the task also stops that thread's polling."""
    cancel = threading.Event()
    try:
        return await asyncio.shield(asyncio.to_thread(poll, client, device, cancel=cancel))
    except asyncio.CancelledError:
        cancel.set()
        raise
