"""Runs one Python fuzz target under atheris (libFuzzer options pass through).

    .venv/bin/python tests/fuzz/run_atheris.py verify fuzz/corpus/py-verify fuzz/corpus/verify \
        -max_total_time=60

Exits non-zero on a finding (atheris prints the traceback and writes the input as crash-*).
"""

from __future__ import annotations

import sys

import atheris

# harnesses.py sits beside this script, and Python puts a script's own folder first on the path.
with atheris.instrument_imports(include=["keyturn", "harnesses"]):
    import harnesses


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in harnesses.TARGETS:
        sys.exit(f"usage: run_atheris.py {{{','.join(harnesses.TARGETS)}}} [libFuzzer options]")
    target = harnesses.TARGETS[sys.argv.pop(1)]
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
