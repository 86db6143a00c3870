"""Ratios, target checks and a PNG bar chart for keyturn against its peers, from ONE run.

    python benches/chart.py --out docs/bench.png              # measure now, interleaved
    python benches/chart.py bench.json --out docs/bench.png   # or read a pytest-benchmark run

Measuring here interleaves the libraries: every round times a batch of each (sign and verify, in
a shuffled order), so a slow spell on a shared machine hits all of them alike instead of whichever
pytest-benchmark happened to be running. Each figure is a peer's time divided by keyturn's, both
the median over rounds (``--stat min`` takes the fastest round instead).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt
from matplotlib.patches import Patch

from keyturn import _core

REFERENCE = "keyturn"
RAW = "keyturn raw Ed25519"
GROUPS = {"verify": "verify (signature + iss/aud/exp/iat/sub checks)", "sign": "sign (encode)"}
COLOURS = {
    "keyturn": "#2b8a3e",
    "raw": "#8ce99a",
    "rust": "#e8590c",
    "python": "#1c7ed6",
    "pure-python": "#868e96",
}


@dataclass(frozen=True)
class Result:
    peer: str
    kind: str
    seconds: float  # per call, by the chosen statistic


Table = dict[str, dict[str, Result]]  # group -> peer -> result


def load(path: Path, stat: str) -> tuple[Table, dict[str, Any]]:
    data = json.loads(path.read_text())
    table: Table = {}
    for bench in data["benchmarks"]:
        info = bench.get("extra_info", {})
        if bench.get("group") in GROUPS and "peer" in info:
            result = Result(info["peer"], info["kind"], bench["stats"][stat])
            table.setdefault(bench["group"], {})[result.peer] = result
    return table, data.get("machine_info", {})


STATISTICS: dict[str, Callable[[list[float]], float]] = {
    "median": statistics.median,
    "min": min,
    "mean": statistics.fmean,
}


def measure(rounds: int, stat: str, batch_seconds: float) -> tuple[Table, dict[str, Any]]:
    """Time every peer's sign and verify, interleaved over ``rounds`` shuffled rounds."""
    import peers

    keys = peers.make_keys()
    claims = peers.make_claims()
    available, missing = peers.load_peers(keys)
    for name, why in missing.items():
        print(f"left out: {name} ({why})")
    token = available[REFERENCE].sign(claims)
    raw_verify, raw_sign = peers.raw_ed25519(keys, token)
    cases = [Case("verify", RAW, "raw", raw_verify), Case("sign", RAW, "raw", raw_sign)]
    for peer in available.values():
        cases += [
            Case("verify", peer.name, peer.kind, partial(peer.verify, token)),
            Case("sign", peer.name, peer.kind, partial(peer.sign, claims)),
        ]
    measured = interleave(cases, rounds, stat, batch_seconds)
    table = {group: measured[group] for group in GROUPS}  # verify first, as plotted
    machine = {
        "python_implementation": platform.python_implementation(),
        "python_version": platform.python_version(),
        "source": f"{rounds} interleaved rounds",
        "ed25519_backend": _core.ed25519_backend(),
    }
    return table, machine


@dataclass(frozen=True)
class Case:
    """One timed call: ``per`` operations each (a batch call such as ``verify_many``)."""

    group: str
    peer: str
    kind: str
    call: Callable[[], object]
    per: int = 1


def interleave(cases: list[Case], rounds: int, stat: str, batch_seconds: float) -> Table:
    """Time every case over ``rounds`` rounds, each running all cases once in a shuffled order.

    A slow spell on a shared machine then hits every library alike instead of whichever one
    happened to be running; the figure kept is ``stat`` over the rounds, per operation.
    """
    cases = list(cases)
    # Calls per batch, so that a batch lasts about batch_seconds whatever the library's speed;
    # long enough that the caches a library warms on its first call hardly count.
    batch = {id(case): max(1, round(batch_seconds / _one_call(case.call))) for case in cases}
    samples: dict[int, list[float]] = {id(case): [] for case in cases}
    for _ in range(rounds):
        random.shuffle(cases)
        for case in cases:
            count, call = batch[id(case)], case.call
            start = time.perf_counter()
            for _ in range(count):
                call()
            samples[id(case)].append((time.perf_counter() - start) / (count * case.per))
    table: Table = {}
    for case in cases:
        seconds = STATISTICS[stat](samples[id(case)])
        table.setdefault(case.group, {})[case.peer] = Result(case.peer, case.kind, seconds)
    return table


def _one_call(call: Callable[[], object]) -> float:
    call()  # warm-up: imports, caches
    start = time.perf_counter()
    call()
    return max(time.perf_counter() - start, 1e-7)


@dataclass(frozen=True)
class Target:
    text: str
    value: float
    ok: Callable[[float], bool]

    def line(self) -> str:
        verdict = "met" if self.ok(self.value) else "MISSED"
        return f"{self.text:<58} {self.value:7.2f}   {verdict}"


def targets(table: Table) -> list[Target]:
    """The targets of issues 2, 6 and 12, each as one ratio of this run."""
    verify, sign = table["verify"], table["sign"]

    def t(group: dict[str, Result], peer: str) -> float:
        return group[peer].seconds

    fastest_rust = min(r.seconds for r in verify.values() if r.kind == "rust")
    fastest_encode = min(r.seconds for r in sign.values() if r.kind not in ("keyturn", "raw"))
    return [
        Target("verify: PyJWT time / keyturn time (want >= 3.5)",
               t(verify, "PyJWT") / t(verify, REFERENCE), lambda v: v >= 3.5),
        Target("verify: keyturn / fastest Rust-backed peer (want <= 1.0)",
               t(verify, REFERENCE) / fastest_rust, lambda v: v <= 1.0),
        Target("verify: keyturn / keyturn raw Ed25519 verify (want <= 1.15)",
               t(verify, REFERENCE) / t(verify, RAW), lambda v: v <= 1.15),
        Target("sign: PyJWT time / keyturn time (want >= 3.0)",
               t(sign, "PyJWT") / t(sign, REFERENCE), lambda v: v >= 3.0),
        Target("encode: keyturn / fastest peer (want <= 1.2)",
               t(sign, REFERENCE) / fastest_encode, lambda v: v <= 1.2),
    ] + ([
        Target("verify: keyturn / ryjwt (want <= 0.75 on an IFMA CPU)",
               t(verify, REFERENCE) / t(verify, "ryjwt"), lambda v: v <= 0.75),
        Target("sign: keyturn / ryjwt (want <= 1.1)",
               t(sign, REFERENCE) / t(sign, "ryjwt"), lambda v: v <= 1.1),
    ] if "ryjwt" in verify else [])  # fmt: skip


def report(table: Table) -> str:
    lines = []
    for group, results in table.items():
        reference = results[REFERENCE].seconds
        lines.append(f"\n{GROUPS[group]}: time per call, and relative to keyturn's")
        for result in sorted(results.values(), key=lambda r: r.seconds):
            lines.append(
                f"  {result.peer:<22} {result.kind:<12} {result.seconds * 1e6:10.2f} µs"
                f"   {result.seconds / reference:8.2f}x"
            )
    lines.append("\ntargets")
    lines.extend(f"  {target.line()}" for target in targets(table))
    return "\n".join(lines)


def plot(table: Table, machine: dict[str, Any], stat: str, out: Path) -> None:
    figure, axes = plt.subplots(len(table), 1, figsize=(9, 2.2 + 2.6 * len(table)), squeeze=False)
    for axis, (group, results) in zip(axes[:, 0], table.items(), strict=True):
        reference = results[REFERENCE].seconds
        ordered = sorted(results.values(), key=lambda r: r.seconds, reverse=True)
        ratios = [r.seconds / reference for r in ordered]
        bars = axis.barh(
            [r.peer for r in ordered],
            ratios,
            color=[COLOURS.get(r.kind, "#adb5bd") for r in ordered],
        )
        for bar, result, ratio in zip(bars, ordered, ratios, strict=True):
            axis.text(
                bar.get_width() * 1.08,
                bar.get_y() + bar.get_height() / 2,
                f"{ratio:.2f}x  ({result.seconds * 1e6:.1f} µs)",
                va="center",
                fontsize=8,
            )
        axis.set_xscale("log")
        axis.set_xlim(min(ratios) / 1.5, max(ratios) * 8)
        axis.axvline(1.0, color="black", linewidth=0.8)
        axis.set_title(GROUPS[group], fontsize=10, loc="left")
        axis.set_xlabel("time relative to keyturn (log scale; lower is faster)")
    kinds = {r.kind for results in table.values() for r in results.values()}
    axes[0, 0].legend(
        handles=[Patch(color=COLOURS[kind], label=kind) for kind in COLOURS if kind in kinds],
        loc="upper right",
        fontsize=8,
    )
    python = machine.get("python_implementation", "") + " " + machine.get("python_version", "")
    source = machine.get("source", "pytest-benchmark")
    # The curve arithmetic keyturn's Ed25519 verify ran on (AVX-512 IFMA, AVX2 or serial).
    backend = machine.get("ed25519_backend", "unrecorded")
    figure.suptitle(
        f"keyturn vs peers, one EdDSA JWT: {stat} of {source} ({python.strip()})\n"
        f"keyturn's Ed25519 verify on the {backend} backend"
    )
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "json", type=Path, nargs="?", help="read this pytest-benchmark JSON instead of measuring"
    )
    parser.add_argument("--out", type=Path, default=Path("docs/bench.png"), help="PNG to write")
    parser.add_argument("--stat", choices=list(STATISTICS), default="median")
    parser.add_argument("--rounds", type=int, default=60, help="interleaved rounds to measure")
    parser.add_argument("--batch", type=float, default=0.02, help="seconds per timed batch")
    args = parser.parse_args(argv)
    if args.json is None:
        table, machine = measure(args.rounds, args.stat, args.batch)
    else:
        table, machine = load(args.json, args.stat)
    missing = [group for group in GROUPS if REFERENCE not in table.get(group, {})]
    if missing:
        print(f"error: no keyturn result for {', '.join(missing)}", file=sys.stderr)
        return 1
    print(f"keyturn Ed25519 backend: {machine.get('ed25519_backend', 'unrecorded')}")
    print(report(table))
    plot(table, machine, args.stat, args.out)
    print(f"\nchart: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
