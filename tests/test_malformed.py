"""Malformed card files: each one fails alone, names the right file and line, changes nothing.

Every bad file is a mutation of a valid seed (plain text, or its Markdown export), so the
line the error must point at is known from the mutation itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from curator_tui.cards.model import Card
from curator_tui.cards.parse import parse_card
from curator_tui.cards.render import render_markdown
from curator_tui.db import open_library, session_scope
from curator_tui.services.cards import load_card
from curator_tui.services.claims import claim_version, count_claims
from curator_tui.services.importing import import_paths

SEED = Path(__file__).resolve().parents[1] / "data" / "card-rir-vs-failure.txt"
SEED_DOI = "10.1080/02640414.2024.2321021"
MOST_PROBABLE = "Most probable mechanism"
ALTERNATIVE = "Less supported by current evidence, but not ruled out"


def seed_lines() -> list[str]:
    return SEED.read_text(encoding="utf-8").split("\n")


def seed_markdown() -> list[str]:
    """The seed's Markdown export, as lines."""
    return render_markdown(parse_card(SEED.read_bytes(), str(SEED)).card).split("\n")


def line_of(lines: list[str], text: str) -> int:
    """The 1-based number of the first line that is (or, for long lines, starts with) ``text``."""
    return next(n for n, line in enumerate(lines, 1) if line == text or line.startswith(text))


@dataclass(frozen=True)
class Bad:
    """A malformed file: its bytes, the line the error must name, a phrase it must contain.

    The phrase is what a curator needs to find the problem: the offending text, or the
    title that was expected there.
    """

    data: bytes
    line: int
    phrase: str
    suffix: str = ".txt"


def _encode(lines: list[str]) -> bytes:
    return "\n".join(lines).encode("utf-8")


def empty() -> Bad:
    return Bad(b"", 1, "empty")


def whitespace_only() -> Bad:
    return Bad(b"  \n\t\n\r\n   \n", 1, "empty")


def binary() -> Bad:
    return Bad(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)), 1, "binary")


def invalid_utf8() -> Bad:
    lines = seed_lines()
    data = _encode(lines[:5]) + b"\n\xff\xfe" + _encode(lines[5:])
    return Bad(data, 6, "UTF-8")


def without(title: str, phrase: str) -> Callable[[], Bad]:
    def build() -> Bad:
        lines = seed_lines()
        at = lines.index(title)
        del lines[at]
        # The parser finds whatever followed the missing title where the title should be.
        return Bad(_encode(lines), at + 1, phrase)

    return build


def second_most_probable() -> Bad:
    lines = seed_lines()
    at = lines.index(ALTERNATIVE)
    lines[at] = MOST_PROBABLE
    return Bad(_encode(lines), at + 1, "second")


def alternative_first() -> Bad:
    lines = seed_lines()
    first, second = lines.index(MOST_PROBABLE), lines.index(ALTERNATIVE)
    lines[first], lines[second] = ALTERNATIVE, MOST_PROBABLE
    return Bad(_encode(lines), first + 1, "order")


def too_many_studies() -> Bad:
    lines = seed_lines()
    at = lines.index("Supporting (1)") + 1
    lines[at:at] = [
        f"Similar muscle hypertrophy. Journal of Sports Sciences. DOI {SEED_DOI}",
        "Another study. Some Journal (2020). DOI 10.1000/182",
    ]
    # The second listed study is the one the count "Supporting (1)" has no room for.
    return Bad(_encode(lines), at + 2, "Supporting (1)")


def synthesis_count_disagrees() -> Bad:
    lines = seed_lines()
    at = lines.index("Synthesis from 1 study")
    lines[at] = "Synthesis from 3 studies"
    return Bad(_encode(lines), at + 1, "Synthesis from 3")


def study_without_doi() -> Bad:
    lines = seed_lines()
    at = lines.index("Supporting (1)") + 1
    lines.insert(at, "Refalo et al. Similar muscle hypertrophy. Journal of Sports Sciences, 2024.")
    return Bad(_encode(lines), at + 1, "DOI")


def title_after_gold_list() -> Bad:
    lines = [*seed_lines(), MOST_PROBABLE]
    return Bad(_encode(lines), len(lines), MOST_PROBABLE)


def huge_line() -> Bad:
    lines = seed_lines()
    lines[5] = "x" * 30_000
    return Bad(_encode(lines), 6, "long")


def readme() -> Bad:
    text = (
        "# curator-tui\n\nCurate scientific claim cards from the terminal.\n\n"
        "## Installation\n\nRun the bootstrap script, then open the app.\n"
    )
    # A Markdown document, but its first paragraph is where "## Mechanism" must be.
    return Bad(text.encode(), 3, "Mechanism", ".md")


def markdown_h4() -> Bad:
    lines = seed_markdown()
    at = line_of(lines, f"### {MOST_PROBABLE}") + 1
    lines[at:at] = ["#### Notes", ""]
    return Bad(_encode(lines), at + 1, "Notes", ".md")


def markdown_code_block() -> Bad:
    lines = seed_markdown()
    at = line_of(lines, "## Evidence from Studies") - 1
    lines[at:at] = ["```python", "print('not a card')", "```", ""]
    return Bad(_encode(lines), at + 1, "code", ".md")


def markdown_bad_doi() -> Bad:
    lines = seed_markdown()
    at = line_of(lines, "- ")
    lines[at - 1] = lines[at - 1].replace(f"https://doi.org/{SEED_DOI}", "https://doi.org/10.10/x")
    assert "10.10/x" in lines[at - 1]
    return Bad(_encode(lines), at, "DOI", ".md")


def two_cards() -> list[str]:
    """Two exported cards in one file, a new card and then the seed, as lines."""
    lines = [*render_markdown(Card("A new claim")).split("\n"), *seed_markdown()]
    assert sum(line.startswith("# ") for line in lines) == 2
    return lines


def markdown_second_card_h4() -> Bad:
    # The line is counted from the top of the file, not from the start of the second card.
    lines = two_cards()
    at = max(n for n, line in enumerate(lines, 1) if line == "## Evidence from Studies")
    lines[at - 1 : at - 1] = ["#### Notes", ""]
    return Bad(_encode(lines), at, "Notes", ".md")


def markdown_second_card_misspelt_title() -> Bad:
    lines = two_cards()
    at = max(n for n, line in enumerate(lines, 1) if line == "## Mechanism")
    lines[at - 1] = "## Mechanisms"
    return Bad(_encode(lines), at, "Mechanism", ".md")


CASES: dict[str, Callable[[], Bad]] = {
    "empty": empty,
    "whitespace-only": whitespace_only,
    "binary-with-nul": binary,
    "invalid-utf8": invalid_utf8,
    "missing-mechanism": without("Mechanism", "Mechanism"),
    "missing-evidence": without("Evidence from Studies", "Evidence from Studies"),
    "missing-supporting": without("Supporting (1)", "Supporting"),
    "missing-gold-title": without("Gold Standard Evidence Needed", "Gold Standard"),
    "second-most-probable": second_most_probable,
    "alternative-before-most-probable": alternative_first,
    "more-studies-than-counted": too_many_studies,
    "synthesis-count-disagrees": synthesis_count_disagrees,
    "study-without-doi": study_without_doi,
    "section-title-after-gold-list": title_after_gold_list,
    "30000-char-line": huge_line,
    "markdown-readme": readme,
    "markdown-level-4-heading": markdown_h4,
    "markdown-code-block": markdown_code_block,
    "markdown-malformed-doi-link": markdown_bad_doi,
    "markdown-second-of-two-cards-h4": markdown_second_card_h4,
    "markdown-second-of-two-cards-misspelt-title": markdown_second_card_misspelt_title,
}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A library that already holds both seed cards and the study record."""
    folder = tmp_path_factory.mktemp("seeded")
    engine = open_library(folder / "library.db")
    results = import_paths(engine, [SEED.parent])
    assert all(r.ok for r in results) and len(results) == 3
    yield engine
    engine.dispose()


@pytest.mark.parametrize("name", list(CASES))
def test_malformed_card_fails_alone(
    name: str, seeded: Engine, tmp_path: Path, dump_library: Callable[[Engine], str]
) -> None:
    bad = CASES[name]()
    path = tmp_path / f"bad-{name}{bad.suffix}"
    path.write_bytes(bad.data)
    before = dump_library(seeded)

    [result] = import_paths(seeded, [path])

    assert result.status == "failed"
    assert not result.ok and result.claim_ids == []
    assert result.message.startswith(f"{path}:{bad.line}: "), result.message
    assert bad.phrase.lower() in result.message.lower(), result.message
    assert "\n" not in result.message
    assert len(result.message) < 400
    assert dump_library(seeded) == before


def test_missing_file_is_reported(library: Engine, tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    [result] = import_paths(library, [missing])
    assert result.status == "failed"
    assert result.message.startswith(str(missing))


def test_bad_study_records_file(
    seeded: Engine, tmp_path: Path, dump_library: Callable[[Engine], str]
) -> None:
    path = tmp_path / "studies.json"
    path.write_text('[\n  {"doi": "10.1000/1"},\n  {"doi": \n]\n', encoding="utf-8")
    before = dump_library(seeded)
    [result] = import_paths(seeded, [path])
    assert result.status == "failed"
    assert result.message.startswith(f"{path}:4:"), result.message
    assert dump_library(seeded) == before


def test_batch_goes_on_after_a_bad_file(library: Engine, tmp_path: Path) -> None:
    good = sorted(SEED.parent.glob("*.txt"))
    first, bad, second = tmp_path / "1.txt", tmp_path / "2.txt", tmp_path / "3.txt"
    first.write_bytes(good[0].read_bytes())
    bad.write_bytes(second_most_probable().data)
    second.write_bytes(good[1].read_bytes())

    results = import_paths(library, [first, bad, second])

    assert [r.status for r in results] == ["imported", "failed", "imported"]
    assert results[1].message.startswith(f"{bad}:")
    with session_scope(library) as session:
        assert count_claims(session) == 2
        statements = {
            load_card(session, r.claim_ids[0]).statement for r in (results[0], results[2])
        }
    assert statements == {p.read_text(encoding="utf-8").split("\n")[0] for p in good}


@pytest.mark.parametrize("shape", ["plain", "markdown"])
def test_bom_crlf_and_blank_lines_import_normally(
    library: Engine, tmp_path: Path, shape: str
) -> None:
    clean_copy = tmp_path / "clean.txt"
    clean_copy.write_bytes(SEED.read_bytes())
    other = open_library(tmp_path / "other.db")
    try:
        [reference] = import_paths(other, [clean_copy])
        with session_scope(other) as session:
            expected = load_card(session, reference.claim_ids[0])
    finally:
        other.dispose()
    if shape == "plain":
        messy = tmp_path / "messy.txt"
        text = "\r\n\r\n".join(seed_lines()) + "\r\n\r\n"
    else:
        messy = tmp_path / "messy.md"
        text = "\r\n".join(render_markdown(expected).split("\n")).replace(
            "\r\n\r\n", "\r\n\r\n\r\n"
        )
    messy.write_bytes(("\ufeff" + text).encode("utf-8"))

    [result] = import_paths(library, [messy])

    assert result.status == "imported", result.message
    with session_scope(library) as session:
        card = load_card(session, result.claim_ids[0])
    assert card == expected
    assert not card.statement.startswith("\ufeff")
    assert all("\r" not in step for m in card.mechanisms for step in m.steps)


def test_reimport_is_a_duplicate(
    seeded: Engine, tmp_path: Path, dump_library: Callable[[Engine], str]
) -> None:
    before = dump_library(seeded)
    results = import_paths(seeded, [SEED])
    assert [r.status for r in results] == ["duplicate"]
    assert results[0].ok
    assert dump_library(seeded) == before


def test_replace_updates_in_place(library: Engine, tmp_path: Path) -> None:
    [first] = import_paths(library, [SEED])
    [claim_id] = first.claim_ids
    with session_scope(library) as session:
        old = load_card(session, claim_id)
        old_version = claim_version(session, claim_id)

    lines = seed_lines()
    step = lines.index(MOST_PROBABLE) + 2
    lines[step] = "A rewritten first step (10.1080/02640414.2024.2321021)."
    edited = tmp_path / "edited.txt"
    edited.write_bytes(_encode(lines))

    [without_replace] = import_paths(library, [edited])
    assert without_replace.status == "duplicate"
    [replaced] = import_paths(library, [edited], replace=True)

    assert replaced.status == "replaced"
    assert replaced.claim_ids == [claim_id]
    with session_scope(library) as session:
        assert count_claims(session) == 1
        assert claim_version(session, claim_id) > old_version
        card = load_card(session, claim_id)
    assert card.mechanisms[0].steps[0] == lines[step]
    assert card.mechanisms[0].steps[1:] == old.mechanisms[0].steps[1:]
    assert card.mechanisms[1] == old.mechanisms[1]
