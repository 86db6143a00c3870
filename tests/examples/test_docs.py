"""The docs cite tests and commands; these checks keep the citations true."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CITATION = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")


def test_every_test_the_threat_model_cites_exists() -> None:
    text = (ROOT / "docs" / "threat-model.md").read_text(encoding="utf-8")
    citations = CITATION.findall(text)
    assert len(citations) > 40
    missing = [
        f"{path}::{name}"
        for path, name in citations
        if not re.search(
            rf"^(async )?def {name}\(", (ROOT / path).read_text(encoding="utf-8"), re.MULTILINE
        )
    ]
    assert missing == []


def test_docs_link_to_pages_that_exist() -> None:
    for page in (ROOT / "docs").glob("*.md"):
        for target in re.findall(r"\]\(([\w.-]+\.md)\)", page.read_text(encoding="utf-8")):
            assert (ROOT / "docs" / target).is_file(), f"{page.name} links to missing {target}"
