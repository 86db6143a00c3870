"""Revocation by ``sid`` (``Revocations.revoke_session``), which the session services call: it
kills every token carrying the session's handle, whenever issued, and only those. A session's
watermark and a subject's never meet, whatever the names."""

from __future__ import annotations

import time

import pytest

import keyturn as kt


@pytest.fixture
def revocations() -> kt.Revocations:
    return kt.Revocations(kt.MemoryRevocationStore())


def _claims(**claims: object) -> dict[str, object]:
    return {"iat": int(time.time()), **claims}


def test_a_revoked_session_kills_its_tokens_whenever_issued(revocations: kt.Revocations):
    revocations.revoke_session("abc")
    assert revocations.is_revoked(_claims(sub="u", sid="abc"))
    assert revocations.is_revoked(_claims(sub="u", sid="abc", iat=time.time() + 3600))
    assert revocations.is_revoked({"sub": "u", "sid": "abc"})  # no iat
    assert not revocations.is_revoked(_claims(sub="u", sid="abd"))
    assert not revocations.is_revoked(_claims(sub="u"))


def test_a_session_and_a_subject_of_the_same_name_are_apart(revocations: kt.Revocations):
    revocations.revoke_session("abc")
    assert not revocations.is_revoked(_claims(sub="abc"))
    assert not revocations.is_revoked(_claims(sub="sid:abc"))
    revocations.revoke_subject("xyz")
    assert not revocations.is_revoked(_claims(sub="u", sid="xyz", iat=time.time() + 10))


@pytest.mark.parametrize("sid", [5, None, ["abc"], {"abc": 1}])
def test_a_sid_that_is_not_a_string_is_not_looked_up(revocations: kt.Revocations, sid: object):
    revocations.revoke_session("abc")
    assert not revocations.is_revoked(_claims(sub="u", sid=sid))


@pytest.mark.parametrize("sid", ["", None, 5])
def test_revoking_a_bad_sid_is_a_configuration_error(revocations: kt.Revocations, sid: object):
    with pytest.raises(kt.ConfigurationError) as error:
        revocations.revoke_session(sid)  # type: ignore[arg-type]
    assert error.value.code == "configuration_invalid"


def test_another_process_sees_the_session_revoked(tmp_path):
    path = tmp_path / "keyturn.db"
    writer = kt.Revocations(kt.SQLiteRevocationStore(path))
    reader = kt.Revocations(kt.SQLiteRevocationStore(path))
    try:
        assert not reader.is_revoked(_claims(sub="u", sid="abc"))
        writer.revoke_session("abc")
        assert reader.is_revoked(_claims(sub="u", sid="abc"))
    finally:
        writer.close()
        reader.close()
