"""Run PyJWT's own test suite against keyturn.pyjwt and compare with the expected failures.

    .venv/bin/python scripts/pyjwt_suite.py            # exit 1 on any unexpected outcome
    .venv/bin/python scripts/pyjwt_suite.py --list     # also print every failure with its reason

Downloads PyJWT's sdist (pinned below; cached in $KEYTURN_PYJWT_CACHE, default
~/.cache/keyturn-pyjwt-suite), puts scripts/pyjwt_map/jwt first on sys.path (keyturn's names,
falling back to real PyJWT for the rest) and runs the sdist's tests with pytest. Every failing
test must match an entry of scripts/pyjwt_expected_failures.txt, and each entry names the
difference that makes it fail: a `key` listed in the "PyJWT's own test suite" table of
docs/migrating-from-pyjwt.md. A failure not in the list fails this script, and so does a listed
test that now passes (remove its entry).
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

PYJWT_VERSION = "2.15.1"
ROOT = Path(__file__).resolve().parent.parent
MAPPING = ROOT / "scripts" / "pyjwt_map"
EXPECTED = ROOT / "scripts" / "pyjwt_expected_failures.txt"
GUIDE = ROOT / "docs" / "migrating-from-pyjwt.md"


@dataclass(frozen=True)
class Expected:
    pattern: str  # fnmatch pattern over "file::Class::test[param]"
    key: str  # the difference's key in the guide's table


def sdist(cache: Path) -> Path:
    """PyJWT's unpacked sdist (downloaded once with pip, the registry's ordinary client)."""
    unpacked = cache / f"pyjwt-{PYJWT_VERSION}"
    if (unpacked / "tests").is_dir():
        return unpacked
    cache.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "download", "--quiet", "--no-binary", ":all:"]
    subprocess.run(  # noqa: S603 (our interpreter, fixed arguments)
        [*pip, "--no-deps", f"pyjwt=={PYJWT_VERSION}", "--dest", str(cache)], check=True
    )
    with tarfile.open(cache / f"pyjwt-{PYJWT_VERSION}.tar.gz") as archive:
        archive.extractall(cache, filter="data")
    return unpacked


# PyJWT's tests sign with the 6-byte secret "secret", which keyturn.pyjwt's encode refuses (the
# `short-hmac-secret` difference) while its decode verifies with it (with a warning). So the tests
# run twice: as they are, and with that secret lengthened to 36 bytes so that tests which encode
# go on to exercise what they are about. A test passes if it passes in either run.
TEST_SECRET = re.compile(r'(?<![\w\'"])"secret"(?![\w\'"])')
LONG_TEST_SECRET = '("secret" * 6)'  # noqa: S105 (PyJWT's public test value)


def lengthen_test_secret(tests: Path) -> None:
    for path in tests.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        path.write_text(TEST_SECRET.sub(LONG_TEST_SECRET, text), encoding="utf-8")


def run_tests(source: Path, report: Path, *, lengthen: bool) -> None:
    """PyJWT's tests under the mapped ``jwt``, from a directory holding only the tests (so that
    neither the sdist's ``jwt`` nor its pytest configuration is picked up)."""
    workdir = report.with_suffix("")
    shutil.rmtree(workdir, ignore_errors=True)
    shutil.copytree(source / "tests", workdir / "tests")
    if lengthen:
        lengthen_test_secret(workdir / "tests")
    env = {
        **os.environ,
        "PYTHONPATH": str(MAPPING),
        "KEYTURN_PYJWT_SOURCE": str(source / "jwt"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    pytest = [sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider"]
    subprocess.run(  # noqa: S603 (our interpreter, fixed arguments)
        [
            *pytest,
            *("-o", "addopts=", "-o", "asyncio_default_fixture_loop_scope=function"),
            *("-W", "ignore::DeprecationWarning", f"--junitxml={report}", "--tb=no"),
        ],
        cwd=workdir,
        env=env,
        check=False,  # failures are judged below against the list
        stdout=subprocess.DEVNULL,
    )


def outcomes(report: Path) -> dict[str, tuple[str, str]]:
    """``{"tests/test_x.py::Class::test": ("passed"|"failed"|"skipped", first message line)}``."""
    results = {}
    # The report is the one our own pytest run just wrote.
    for case in ET.parse(report).iter("testcase"):  # noqa: S314
        module = case.get("classname", "").split(".")
        # classname is "tests.test_api_jwt.TestJWT" or "tests.test_jwt"
        path = "/".join(part for part in module if part.startswith(("tests", "test_")))
        klass = [part for part in module if part[:1].isupper()]
        test_id = "::".join([f"{path}.py", *klass, case.get("name", "")])
        status, message = "passed", ""
        for child in case:
            if child.tag in ("failure", "error"):
                status, message = "failed", (child.get("message") or "").splitlines()[0][:160]
            elif child.tag == "skipped":
                status = "skipped"
        results[test_id] = (status, message)
    return results


def expected_failures() -> list[Expected]:
    entries = []
    for line in EXPECTED.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            pattern, key = line.split()
            entries.append(Expected(pattern, key))
    return entries


def undocumented_keys(entries: list[Expected]) -> set[str]:
    guide = GUIDE.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z0-9-]+)` \|", guide, re.MULTILINE))
    return {entry.key for entry in entries} - documented


def judge(results: dict[str, tuple[str, str]], entries: list[Expected], show: bool) -> int:
    def entry_for(test_id: str) -> Expected | None:
        return next((e for e in entries if fnmatch.fnmatchcase(test_id, e.pattern)), None)

    unexpected, fixed = [], []
    for test_id, (status, message) in sorted(results.items()):
        entry = entry_for(test_id)
        if status == "failed" and entry is None:
            unexpected.append(f"{test_id}: {message}")
        elif status == "passed" and entry is not None and not any(c in entry.pattern for c in "*?"):
            fixed.append(f"{test_id} (listed as {entry.key})")
        elif status == "failed" and show:
            print(f"expected failure [{entry.key if entry else '?'}] {test_id}: {message}")
    unused = [
        e.pattern for e in entries if not any(fnmatch.fnmatchcase(t, e.pattern) for t in results)
    ]
    counts = {
        s: sum(1 for v in results.values() if v[0] == s) for s in ("passed", "failed", "skipped")
    }
    by_key: dict[str, int] = {}
    for test_id, (status, _) in results.items():
        entry = entry_for(test_id)
        if status == "failed" and entry is not None:
            by_key[entry.key] = by_key.get(entry.key, 0) + 1
    print(
        f"PyJWT {PYJWT_VERSION} test suite against keyturn.pyjwt: {len(results)} tests, "
        f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"
    )
    for key, count in sorted(by_key.items(), key=lambda item: -item[1]):
        print(f"  expected failures, {key}: {count}")
    problems = [
        *(f"UNEXPECTED FAILURE {line}" for line in unexpected),
        *(f"NOW PASSES, remove its entry: {line}" for line in fixed),
        *(f"entry matches no test: {pattern}" for pattern in unused),
        *(f"key not in the guide's table: {key}" for key in sorted(undocumented_keys(entries))),
    ]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print every expected failure")
    args = parser.parse_args()
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "keyturn-pyjwt-suite"
    cache = Path(os.environ.get("KEYTURN_PYJWT_CACHE", default))
    source = sdist(cache)
    as_is, lengthened = cache / "as-is.xml", cache / "long-secret.xml"
    run_tests(source, as_is, lengthen=False)
    run_tests(source, lengthened, lengthen=True)
    return judge(merged(outcomes(as_is), outcomes(lengthened)), expected_failures(), args.list)


def merged(
    as_is: dict[str, tuple[str, str]], lengthened: dict[str, tuple[str, str]]
) -> dict[str, tuple[str, str]]:
    """Passed if passed in either run; a failure shows both runs' messages."""
    results = {}
    for test_id, (status, message) in lengthened.items():
        first_status, first_message = as_is.get(test_id, ("failed", "not run"))
        if status == "failed" and first_status == "failed":
            message = f"as is: {first_message} | long secret: {message}"
        results[test_id] = ("passed", "") if first_status == "passed" else (status, message)
    return results


if __name__ == "__main__":
    sys.exit(main())
