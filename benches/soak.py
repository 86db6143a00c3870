"""Bounded soak benchmark of ``keyturn serve``: concurrent refresh-token rotation over HTTP.

Usage (from the repository root)::

    .venv/bin/python benches/soak.py [--seconds 60] [--clients 8] [--sessions 200]
                                     [--db postgresql://user@127.0.0.1:PORT/db]

What it does:

1. makes a temp dir with a fresh keyring and (by default) a SQLite database; with
   ``--db postgresql://...`` it creates a fresh database next to the given one and drops it at
   the end (``--keep-db`` keeps it);
2. pre-issues ``--sessions`` pairs with ``keyturn.TokenService`` on that store, with the issuer
   and audience ``keyturn serve`` uses by default (``keyturn.cli.DEFAULT_ISSUER`` /
   ``DEFAULT_AUDIENCE``);
3. starts ``keyturn serve`` as a subprocess on a free 127.0.0.1 port and waits for its JWKS;
4. runs a second process (this file with ``--client``) with ``--clients`` threads for a bounded
   time; each thread owns a disjoint slice of the sessions and loops ``POST /auth/refresh`` with
   a JSON body, keeps the new refresh token, and verifies the returned access token *locally*
   with ``keyturn.Verifier`` on the JWKS fetched once from the server (``serve`` has no
   protected endpoint: ``/auth/logout-all`` takes a bearer token but would revoke the families);
5. stops the server by pid, prints requests/s, p50/p99 refresh latency, the error count and the
   machine's load average before and after the run (figures from a shared machine), and
   checks the database: exactly the N families, none revoked, each with exactly one live unused
   token, which is the family's head and the hash of the last refresh token the client holds,
   and one stored token per issue plus one per successful rotation.

Exit status 0 only when there were no errors and the database check passed. Loopback only.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import keyturn
from keyturn.cli import DEFAULT_AUDIENCE, DEFAULT_ISSUER, open_db

HOST = "127.0.0.1"
MAX_REQUESTS_PER_THREAD = 10_000_000  # a second bound besides the deadline


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def is_postgres(db: str) -> bool:
    return db.startswith(("postgresql://", "postgres://"))


# --- client process ------------------------------------------------------------------------------


def client_thread(
    port: int,
    sessions: list[list[str]],
    verifier: keyturn.Verifier,
    deadline: float,
    out: dict[str, Any],
) -> None:
    """Rotate the sessions in ``sessions`` ([family_id, refresh_token], updated in place)."""
    latencies: list[float] = []
    errors: list[str] = []
    verified = 0
    rotated = 0
    dead: set[int] = set()
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    headers = {"content-type": "application/json"}
    i = 0
    for _ in range(MAX_REQUESTS_PER_THREAD):
        if time.monotonic() >= deadline or len(dead) == len(sessions):
            break
        idx = i % len(sessions)
        i += 1
        if idx in dead:
            continue
        session = sessions[idx]
        body = json.dumps({"refresh_token": session[1]})
        start = time.perf_counter()
        try:
            conn.request("POST", "/auth/refresh", body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            # The token may or may not have been rotated: this session can no longer be used.
            errors.append(f"{type(error).__name__}: {error}")
            dead.add(idx)
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=10)
            continue
        latencies.append(time.perf_counter() - start)
        if response.status != 200:
            errors.append(f"HTTP {response.status}: {data[:200]!r}")
            dead.add(idx)
            continue
        answer = json.loads(data)
        session[1] = answer["refresh_token"]
        rotated += 1
        try:
            verifier.verify(answer["access_token"])
            verified += 1
        except keyturn.TokenError as error:
            errors.append(f"access token rejected: {error.code}")
    conn.close()
    out["latencies"] = latencies
    out["errors"] = errors
    out["verified"] = verified
    out["rotated"] = rotated
    out["dead"] = [sessions[idx][0] for idx in sorted(dead)]


def run_client(args: argparse.Namespace) -> int:
    state = json.loads(Path(args.state).read_text(encoding="utf-8"))
    sessions: list[list[str]] = state["sessions"]
    conn = http.client.HTTPConnection(HOST, args.port, timeout=10)
    conn.request("GET", "/.well-known/jwks.json")
    jwks = json.loads(conn.getresponse().read())
    conn.close()
    verifier = keyturn.Verifier(jwks, issuer=DEFAULT_ISSUER, audience=DEFAULT_AUDIENCE)

    slices = [sessions[k :: args.clients] for k in range(args.clients)]
    outs: list[dict[str, Any]] = [{} for _ in slices]
    deadline = time.monotonic() + args.seconds
    threads = [
        threading.Thread(target=client_thread, args=(args.port, part, verifier, deadline, out))
        for part, out in zip(slices, outs, strict=True)
        if part
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    result = {
        "elapsed": elapsed,
        "latencies": [x for out in outs for x in out.get("latencies", [])],
        "errors": [x for out in outs for x in out.get("errors", [])],
        "verified": sum(out.get("verified", 0) for out in outs),
        "rotated": sum(out.get("rotated", 0) for out in outs),
        "dead": [x for out in outs for x in out.get("dead", [])],
        "sessions": [s for part in slices for s in part],  # the final refresh tokens
    }
    Path(args.result).write_text(json.dumps(result), encoding="utf-8")
    return 0


# --- orchestration -------------------------------------------------------------------------------


@contextmanager
def database(db: str | None, tmp: Path, keep: bool) -> Iterator[str]:
    """A fresh database URL: a SQLite file in ``tmp``, or a new PostgreSQL database."""
    if db is None or not is_postgres(db):
        yield db or str(tmp / "soak.db")
        return
    import psycopg

    name = f"keyturn_soak_{secrets.token_hex(4)}"
    with psycopg.connect(db, autocommit=True) as conn:
        # template0: another session on template1 would make CREATE DATABASE fail.
        conn.execute(f"CREATE DATABASE {name} TEMPLATE template0")
    url = urllib.parse.urlsplit(db)._replace(path=f"/{name}").geturl()
    try:
        yield url
    finally:
        if keep:
            print(f"kept database {url}")
        else:
            with psycopg.connect(db, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def fetch_rows(db: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    families_sql = "SELECT family_id, revoked_at, head_hash FROM keyturn_families"
    tokens_sql = "SELECT family_id, token_hash, used_at, expires_at FROM keyturn_refresh_tokens"
    if is_postgres(db):
        import psycopg

        with psycopg.connect(db) as conn:
            return conn.execute(families_sql).fetchall(), conn.execute(tokens_sql).fetchall()
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return conn.execute(families_sql).fetchall(), conn.execute(tokens_sql).fetchall()
    finally:
        conn.close()


def check_database(db: str, final: dict[str, str], rotations: int) -> list[str]:
    """Problems found in the store (empty when it holds exactly what it should)."""
    families, tokens = fetch_rows(db)
    now = time.time()
    problems: list[str] = []
    if len(families) != len(final):
        problems.append(f"{len(families)} families, expected {len(final)}")
    live: dict[str, list[bytes]] = {}
    for family_id, token_hash, used_at, expires_at in tokens:
        if used_at is None and expires_at > now:
            live.setdefault(family_id, []).append(bytes(token_hash))
    for family_id, revoked_at, head_hash in families:
        if family_id not in final:
            problems.append(f"unexpected family {family_id}")
            continue
        if revoked_at is not None:
            problems.append(f"family {family_id} revoked")
        expected = hashlib.sha256(final[family_id].encode("ascii")).digest()
        heads = live.get(family_id, [])
        if heads != [expected] or bytes(head_hash) != expected:
            problems.append(
                f"family {family_id}: {len(heads)} live unused tokens, head matches client: "
                f"{bytes(head_hash) == expected}"
            )
    if len(tokens) != len(final) + rotations:
        problems.append(f"{len(tokens)} tokens stored, expected {len(final)} + {rotations}")
    return problems


def wait_for_server(proc: subprocess.Popen[bytes], port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"keyturn serve exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=1)
            conn.request("GET", "/.well-known/jwks.json")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"keyturn serve did not answer within {timeout} s")


def load_average() -> str:
    """The machine's 1/5/15-minute load (figures from a shared machine need it beside them)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} CPUs"


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, int(q * len(sorted_values)))
    return sorted_values[index]


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="keyturn-soak-") as tmp_name:
        tmp = Path(tmp_name)
        with database(args.db, tmp, args.keep_db) as db:
            return soak(args, tmp, db)


def soak(args: argparse.Namespace, tmp: Path, db: str) -> int:
    keyring_path = tmp / "keys.json"
    ring = keyturn.Keyring.generate()
    ring.save(str(keyring_path))
    store_kind = "postgresql" if is_postgres(db) else "sqlite"

    issuer = keyturn.Issuer(ring, issuer=DEFAULT_ISSUER, audience=DEFAULT_AUDIENCE)
    with open_db(db) as backend:
        service = keyturn.TokenService(issuer, store=backend.tokens)
        sessions = []
        for n in range(args.sessions):
            pair = service.issue_pair(f"user-{n}", "soak")
            sessions.append([pair.family_id, pair.refresh])
    state = tmp / "state.json"
    state.write_text(json.dumps({"sessions": sessions}), encoding="utf-8")
    result_path = tmp / "result.json"

    port = free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "keyturn", "serve"),
            *("--keyring", str(keyring_path), "--db", db),
            *("--host", HOST, "--port", str(port), "--log-level", "warning"),
        ],
    )
    try:
        wait_for_server(server, port)
        print(
            f"soak: {store_kind}, {args.sessions} sessions, {args.clients} client threads, "
            f"{args.seconds:g} s, server pid {server.pid} on {HOST}:{port}"
        )
        print(f"load before:  {load_average()}")
        client = subprocess.run(
            [
                *(sys.executable, os.path.abspath(__file__), "--client"),
                *("--port", str(port), "--clients", str(args.clients)),
                *("--seconds", str(args.seconds), "--state", str(state)),
                *("--result", str(result_path)),
            ],
            timeout=args.seconds + 120,
            check=False,
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    if client.returncode != 0:
        print(f"soak: client process failed with {client.returncode}")
        return 1

    print(f"load after:   {load_average()}")
    result = json.loads(result_path.read_text(encoding="utf-8"))
    latencies = sorted(result["latencies"])
    errors: list[str] = result["errors"]
    rotations = result["rotated"]
    final = {family_id: token for family_id, token in result["sessions"]}
    print(f"requests:     {len(latencies)} in {result['elapsed']:.1f} s")
    print(f"throughput:   {len(latencies) / result['elapsed']:.0f} refresh/s")
    print(f"p50 latency:  {percentile(latencies, 0.50) * 1000:.2f} ms")
    print(f"p99 latency:  {percentile(latencies, 0.99) * 1000:.2f} ms")
    verified = result["verified"]
    print(f"verified:     {verified} access tokens (locally: keyturn.Verifier, served JWKS)")
    print(f"errors:       {len(errors)}")
    for error in errors[:10]:
        print(f"  {error}")
    if errors:
        print("db check:     skipped (a failed request leaves its session's state unknown)")
        return 1
    problems = check_database(db, final, rotations)
    if problems:
        print(f"db check:     FAILED ({len(problems)} problems)")
        for problem in problems[:10]:
            print(f"  {problem}")
        return 1
    print(
        f"db check:     ok ({len(final)} families, none revoked, each with exactly one live "
        f"unused token = its head = the client's last token; {len(final) + rotations} tokens)"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="soak duration (default 60)")
    parser.add_argument("--clients", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--sessions", type=int, default=200, help="pre-issued sessions")
    parser.add_argument("--db", help="SQLite path or postgresql:// URL (default: temp SQLite)")
    parser.add_argument("--keep-db", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--state", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seconds <= 0 or args.clients <= 0 or args.sessions <= 0:
        parser.error("--seconds, --clients and --sessions must be positive")
    return run_client(args) if args.client else run(args)


if __name__ == "__main__":
    sys.exit(main())
