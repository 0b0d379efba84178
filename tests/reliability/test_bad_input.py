"""Bad input: every broken file in tests/corpus/bad gives one clear error and changes nothing."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curator_tui.cards.parse import CardParseError, parse_card
from curator_tui.db import open_library
from curator_tui.services.sample import seed

from .helpers import curator, one_clean_error

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
SEED = (Path(__file__).resolve().parents[2] / "data" / "card-rir-vs-failure.txt").read_text(
    encoding="utf-8"
)

# file -> (line, what the message must say)
EXPECTED = {
    "empty.txt": (1, "the file is empty"),
    "binary.txt": (1, "binary file"),
    "invalid-utf8.txt": (6, "not UTF-8"),
    "missing-mechanism.txt": (2, "expected 'Mechanism'"),
    "missing-evidence.txt": (17, "expected 'Evidence from Studies'"),
    "duplicated-most-probable.txt": (7, "a second 'Most probable mechanism'"),
    "alternative-first.txt": (5, "out of order"),
    "counts-disagree.txt": (3, "the counts disagree"),
    "more-studies-than-count.txt": (20, "the counts disagree"),
    "study-without-doi.txt": (19, "no DOI"),
    "malformed-doi-link.md": (11, "not a DOI"),
    "section-out-of-order.txt": (2, "expected 'Mechanism'"),
    "markdown-from-another-tool.md": (3, "expected '## Mechanism'"),
    "gold-before-evidence.md": (7, "expected '## Evidence from Studies'"),
}


@pytest.fixture
def library(tmp_path: Path) -> Path:
    path = tmp_path / "lib.db"
    seed(open_library(path))
    return path


def dump(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return "\n".join(db.iterdump())


def test_the_corpus_is_covered() -> None:
    assert sorted(p.name for p in (CORPUS / "bad").iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_file_is_one_clear_error_and_changes_nothing(name: str, library: Path) -> None:
    line, phrase = EXPECTED[name]
    path = CORPUS / "bad" / name
    before = dump(library)
    result = curator("import", str(path), db=library)
    assert result.returncode == 1
    error = one_clean_error(result)
    assert f"{path}:{line}:" in error, error
    assert phrase in error, error
    assert dump(library) == before


def test_a_ten_megabyte_line(tmp_path: Path, library: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_text(
        SEED.replace("Mechanism\n", "Mechanism\n" + "x" * 10_000_000 + "\n", 1), encoding="utf-8"
    )
    before = dump(library)
    error = one_clean_error(curator("import", str(path), db=library))
    assert f"{path}:3:" in error and "too long" in error
    assert dump(library) == before


@pytest.mark.parametrize("name", ["bom.txt", "crlf.txt", "blank-lines.txt"])
def test_other_platforms_conventions_import_normally(name: str, tmp_path: Path) -> None:
    result = curator("import", str(CORPUS / "good" / name), db=tmp_path / "lib.db")
    assert result.returncode == 0, result.stderr
    assert "imported as claim 1" in result.stdout
    exported = curator("export", "1", db=tmp_path / "lib.db").stdout
    assert exported.startswith("# Over eight weeks")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_fuzz_bytes_only_raise_our_parse_error(data: bytes) -> None:
    with contextlib.suppress(CardParseError):
        parse_card(data, "fuzz")


_LINES = [
    *SEED.split("\n"),
    "# heading",
    "## Mechanism",
    "### Supporting (2)",
    "- *t*. [x](https://doi.org/10.1000/x)",
    "1. **RCT** — d",
    "```",
    "> quote",
    "<div>",
    "| a | b |",
    "---",
    "*Community contributions welcome*",
    "",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_LINES) | st.text(max_size=40), max_size=40), st.booleans())
def test_fuzz_card_shaped_text_only_raises_our_parse_error(
    lines: list[str], markdown: bool
) -> None:
    text = ("# " if markdown else "") + "\n".join(lines)
    with contextlib.suppress(CardParseError):
        parse_card(text, "fuzz")
