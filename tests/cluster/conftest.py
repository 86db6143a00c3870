"""A real three-master Redis Cluster on loopback for the cluster tests, started once per session.

Three ``redis-server --cluster-enabled yes`` processes (Debian's redis-server, which
scripts/test-services.sh installs) joined by ``redis-cli --cluster create --cluster-replicas 0``.
Without redis-server the tests skip, saying why, except under CI (``CI`` set), where they fail.
The servers are this fixture's own child processes, stopped by their pids at the end.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

HOST = "127.0.0.1"
MASTERS = 3
#: Generous: three servers forming a cluster on a loaded two-core machine.
READY_WITHIN = 60.0
CREATE_OPTIONS = ("--cluster-replicas", "0", "--cluster-yes")


def _free_port() -> int:
    # A cluster node also listens on port + 10000 (the cluster bus): both must be free.
    while True:
        with socket.socket() as sock:
            sock.bind((HOST, 0))
            port = int(sock.getsockname()[1])
        if port + 10000 > 65535:
            continue
        with socket.socket() as bus:
            try:
                bus.bind((HOST, port + 10000))
            except OSError:
                continue
        return port


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        reason = f"{tool} is not installed: run `source scripts/test-services.sh` first"
        if os.environ.get("CI"):
            pytest.fail(f"CI must test against a real Redis Cluster, but {reason}")
        pytest.skip(reason)
    return path


def _start_node(server: str, port: int, directory: Path) -> subprocess.Popen[bytes]:
    directory.mkdir()
    command = [
        server,
        *("--bind", HOST, "--port", str(port), "--dir", str(directory)),
        *("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"),
        *("--save", "", "--appendonly", "no", "--logfile", "redis.log"),
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _cluster_ok(cli: str, port: int) -> bool:
    info = subprocess.run(
        [cli, "-h", HOST, "-p", str(port), "cluster", "info"], capture_output=True, text=True
    )
    return "cluster_state:ok" in info.stdout


def _wait(condition: object, what: str) -> None:
    deadline = time.monotonic() + READY_WITHIN
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"the test Redis Cluster did not become ready: {what}")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[tuple[str, int]]]:
    """The cluster's master addresses, once every slot is served (``cluster_state:ok``)."""
    server, cli = _require("redis-server"), _require("redis-cli")
    root = tmp_path_factory.mktemp("redis-cluster")
    ports = [_free_port() for _ in range(MASTERS)]
    nodes = [_start_node(server, port, root / str(port)) for port in ports]
    try:
        for port in ports:
            _wait(lambda p=port: _ping(cli, p), f"node {port} never answered PING")
        create = subprocess.run(
            [cli, "--cluster", "create", *(f"{HOST}:{p}" for p in ports), *CREATE_OPTIONS],
            capture_output=True,
            text=True,
            timeout=READY_WITHIN,
        )
        assert create.returncode == 0, create.stdout + create.stderr
        for port in ports:
            _wait(lambda p=port: _cluster_ok(cli, p), f"node {port} never saw cluster_state:ok")
        yield [(HOST, port) for port in ports]
    finally:
        for node in nodes:
            node.terminate()
        for node in nodes:
            node.wait(timeout=30)


def _ping(cli: str, port: int) -> bool:
    answer = subprocess.run([cli, "-h", HOST, "-p", str(port), "ping"], capture_output=True)
    return answer.stdout.strip() == b"PONG"
