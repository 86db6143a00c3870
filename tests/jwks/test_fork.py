"""A prefork server forks while a fetch is in flight: the child must not wait for a thread that
stayed in the parent."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import TYPE_CHECKING

import pytest

from keyturn import RemoteJWKS
from keyturn._core import SigningKey

if TYPE_CHECKING:
    from conftest import JWKSServer

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def in_child(jwks: RemoteJWKS) -> bytes:
    """What ``verification_keys()`` gives in a forked child (empty if it hung or failed)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, then leave without running pytest's teardown
        try:
            signal.alarm(10)  # a hang ends the child instead of the test run
            os.write(write, ",".join(k.kid for k in jwks.verification_keys()).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        result = pipe.read()
    os.waitpid(pid, 0)
    return result


def test_a_child_forked_during_a_fetch_fetches_for_itself(
    server: JWKSServer, key_a: SigningKey
) -> None:
    server.serve_keys(key_a, hold=True)
    jwks = RemoteJWKS(server.url())

    def release_when_the_child_asks() -> None:
        while server.count() < 2:  # the parent's request, then the child's own
            time.sleep(0.01)
        server.release.set()

    parent = threading.Thread(target=jwks.verification_keys)
    parent.start()
    assert server.arrived.wait(30)  # the parent's request is in flight, held
    releaser = threading.Thread(target=release_when_the_child_asks)
    releaser.start()
    assert in_child(jwks) == b"key-a"
    releaser.join()
    parent.join()
    assert [key.kid for key in jwks.verification_keys()] == ["key-a"]
    assert server.count() == 2
