"""Helpers for the reference-file tests: the corpus folder and an independent DOI count."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "references"

# Independent of the importer: a DOI is "10." + 4+ digits + "/" + something, once any
# resolver or publisher link before it is cut off; "10/xxxx" short DOIs do not count.
_VALID = re.compile(r"10\.\d{4,}(?:\.\d+)*/\S+")


def valid_doi(value: str) -> str | None:
    """The DOI in a field's raw text, lower-cased, or None (none, or a short DOI)."""
    value = value.strip().replace("{\\_}", "_").replace("\\_", "_")
    match = _VALID.search(value)
    return match[0].rstrip(".,;").lower() if match else None


@pytest.fixture(scope="session")
def corpus() -> Path:
    """tests/corpus/references: real exports, messiness intact (see its README)."""
    return CORPUS


# Text a person reads carries none of these: LaTeX commands, braces, HTML tags.
LEFTOVERS = re.compile(r"[\\{}]|</?[a-zA-Z]+>")


def assert_readable(records: list[object]) -> None:
    """No LaTeX command, brace or HTML tag left in any text field of these records."""
    for record in records:
        for name in ("title", "authors", "journal", "volume", "issue", "pages"):
            value = getattr(record, name)
            assert not LEFTOVERS.search(value), f"{name} of line {record.line}: {value!r}"  # type: ignore[attr-defined]
