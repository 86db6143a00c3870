"""The error-code contract, checked once: docs/concepts.md's table, the classes and the literal
``CODES`` table that ``tokens_support.expect`` checks at every call site all say the same."""

from __future__ import annotations

import re
from pathlib import Path

import keyturn as kt
import keyturn.errors

from .tokens_support import CODES

DOC = Path(__file__).resolve().parents[2] / "docs" / "concepts.md"
ROW = re.compile(r"^\| `(\w+)` \| (.+) \| `(\w+)` \|$")


def _documented() -> dict[str, tuple[str, str]]:
    """Class name -> (parents as written, code), from the table under the error-codes marker."""
    lines = DOC.read_text().splitlines()
    start = lines.index("<!-- error-codes -->")
    table: dict[str, tuple[str, str]] = {}
    for line in lines[start + 3 :]:
        match = ROW.match(line)
        if match is None:
            break
        table[match[1]] = (match[2], match[3])
    return table


def test_the_literal_table_is_every_error_class_with_its_code() -> None:
    classes = [getattr(keyturn.errors, name) for name in keyturn.errors.__all__]
    assert set(CODES) == set(classes)
    for cls in classes:
        assert cls.code == CODES[cls], cls.__name__
        assert cls("message").code == CODES[cls], cls.__name__
    assert len(set(CODES.values())) == len(CODES)  # no two classes share a code


def test_the_docs_table_matches_the_classes() -> None:
    documented = _documented()
    assert set(documented) == {cls.__name__ for cls in CODES}
    for cls, code in CODES.items():
        parents, doc_code = documented[cls.__name__]
        assert doc_code == code, cls.__name__
        assert parents == ", ".join(f"`{base.__name__}`" for base in cls.__bases__), cls.__name__


def test_the_public_names_are_the_same_classes() -> None:
    for cls in CODES:
        assert getattr(kt, cls.__name__) is cls
