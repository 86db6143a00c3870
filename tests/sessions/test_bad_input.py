"""Refusals: junk, oversized and foreign ids or handles, data over the cap. Each raises the exact
class with its literal code, and the store holds exactly what it held before."""

from __future__ import annotations

from typing import Any

import pytest

import keyturn as kt

from .conftest import Backend

#: ``kts_`` + 43 characters whose last one has non-zero trailing bits ("B": 000001).
_NON_CANONICAL = "kts_" + "A" * 42 + "B"

JUNK_IDS: list[Any] = [
    "",
    "junk",
    "kts_",
    "kts_" + "A" * 42,  # one short
    "kts_" + "A" * 44,  # one long
    "ktr_" + "A" * 43,  # another prefix
    "kts_" + "A" * 42 + "=",  # padding
    "kts_" + "A" * 42 + "+",  # not base64url
    "kts_" + "A" * 41 + "é" + "A",  # not ASCII
    _NON_CANONICAL,
    "kts_" + "A" * 10_000,  # oversized
    "x" * 1_000_000,
    None,
    42,
    b"kts_" + b"A" * 43,
]


@pytest.fixture
def existing(service: Any) -> Any:
    """A stored session, so "nothing written" compares a non-empty store."""
    return service.start("user-1", device="laptop", data={"k": "v"})


def _refused(backend: Backend, error_class: type[Exception], code: str, call: Any) -> None:
    before = backend.state()
    with pytest.raises(error_class) as error:
        call()
    assert type(error.value) is error_class
    assert error.value.code == code  # type: ignore[attr-defined]
    assert backend.state() == before


@pytest.mark.parametrize("junk", JUNK_IDS, ids=lambda j: repr(j)[:20])
@pytest.mark.parametrize("operation", ["get", "rotate", "end", "set_data"])
def test_a_junk_id_is_invalid_and_writes_nothing(
    service: Any, backend: Backend, existing: Any, junk: Any, operation: str
):
    args = (junk, {"a": 1}) if operation == "set_data" else (junk,)
    call = getattr(service, operation)
    _refused(backend, kt.InvalidSession, "session_invalid", lambda: call(*args))


@pytest.mark.parametrize("operation", ["get", "rotate", "end", "set_data"])
def test_a_well_formed_unknown_id_is_invalid_and_writes_nothing(
    service: Any, backend: Backend, existing: Any, operation: str
):
    unknown = kt.SessionService(kt.MemorySessionStore()).start("user-1").id
    args = (unknown, {"a": 1}) if operation == "set_data" else (unknown,)
    call = getattr(service, operation)
    _refused(backend, kt.InvalidSession, "session_invalid", lambda: call(*args))


def test_an_id_differing_in_one_character_is_invalid(service: Any, backend: Backend, existing):
    flipped = existing.id[:10] + ("B" if existing.id[10] != "B" else "C") + existing.id[11:]
    _refused(backend, kt.InvalidSession, "session_invalid", lambda: service.get(flipped))


def test_another_users_handle_is_invalid_and_writes_nothing(
    service: Any, backend: Backend, existing: Any
):
    handle = existing.session.handle
    _refused(
        backend,
        kt.InvalidSession,
        "session_invalid",
        lambda: service.end_session("user-2", handle),
    )
    assert service.get(existing.id).user_id == "user-1"


@pytest.mark.parametrize(
    "handle",
    ["", "0" * 31, "0" * 33, "G" * 32, "A" * 32, "kts_" + "A" * 28, None, 7, "0" * 10_000],
    ids=repr,
)
def test_a_malformed_handle_is_invalid(service: Any, backend: Backend, existing: Any, handle):
    call = lambda: service.end_session("user-1", handle)  # noqa: E731
    _refused(backend, kt.InvalidSession, "session_invalid", call)


def test_an_unknown_handle_is_invalid(service: Any, backend: Backend, existing: Any):
    call = lambda: service.end_session("user-1", "0" * 32)  # noqa: E731
    _refused(backend, kt.InvalidSession, "session_invalid", call)


def test_data_over_the_cap_is_refused_and_nothing_written(make_service: Any, backend: Backend):
    service = make_service(max_data_bytes=100)
    started = service.start("user-1", data={"k": "v"})
    fits = {"k": "x" * (100 - len('{"k":""}'))}
    assert service.set_data(started.id, fits).data == fits
    # The cap counts UTF-8 bytes: 2 bytes for "é".
    over = {"k": "é" * (1 + (100 - len('{"k":""}')) // 2)}
    code = "session_data_too_large"
    _refused(backend, kt.ConfigurationError, code, lambda: service.set_data(started.id, over))
    _refused(backend, kt.ConfigurationError, code, lambda: service.rotate(started.id, data=over))
    _refused(backend, kt.ConfigurationError, code, lambda: service.start("user-2", data=over))
    assert service.get(started.id).data == fits


@pytest.mark.parametrize(
    "data",
    [{1: "a"}, {"a": object()}, {"a": float("nan")}, {"a": {1, 2}}, {"a": b"bytes"}],
    ids=repr,
)
def test_data_that_is_not_json_is_refused(service: Any, backend: Backend, existing: Any, data):
    code = "configuration_invalid"
    call = lambda: service.set_data(existing.id, data)  # noqa: E731
    _refused(backend, kt.ConfigurationError, code, call)
    _refused(backend, kt.ConfigurationError, code, lambda: service.start("user-2", data=data))


@pytest.mark.parametrize(
    "arguments",
    [
        {"user_id": ""},
        {"user_id": "u" * 256},
        {"user_id": None},
        {"user_id": "u", "device": "d" * 256},
        {"user_id": "u", "device": None},
        {"user_id": "u", "user_agent": None},
        {"user_id": "u\x00"},
        {"user_id": "u\ud800"},
        {"user_id": "u", "device": "laptop\x00"},
        {"user_id": "u", "device": "\udfff"},
    ],
    ids=repr,
)
def test_bad_start_arguments_are_refused(service: Any, backend: Backend, existing, arguments):
    options = dict(arguments)
    user_id = options.pop("user_id")
    call = lambda: service.start(user_id, **options)  # noqa: E731
    _refused(backend, kt.ConfigurationError, "configuration_invalid", call)


@pytest.mark.parametrize("user_id", ["", "u" * 256, None])
@pytest.mark.parametrize("operation", ["sessions", "logout_everywhere"])
def test_bad_user_ids_are_refused(service, backend, existing, user_id, operation):
    call = lambda: getattr(service, operation)(user_id)  # noqa: E731
    _refused(backend, kt.ConfigurationError, "configuration_invalid", call)


def test_a_user_agent_is_kept_as_far_as_every_store_can_hold_it(service: Any):
    agent = "Mozilla\x00/5.0 \ud800 Zoë"
    started = service.start("user-1", user_agent=agent)
    assert service.get(started.id).user_agent == "Mozilla\ufffd/5.0 \ufffd Zoë"
