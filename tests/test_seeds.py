"""The two published seed cards: import them, export them, and check the export against the seed.

The expectations come from the seeds themselves and CARD_FORMAT.md. The export's text is
read with markdown-it and html.parser, independently of our own card parser.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

import pytest
from markdown_it import MarkdownIt
from sqlalchemy.engine import Engine

from curator_tui.cards.model import Card
from curator_tui.cards.parse import parse_card
from curator_tui.cards.render import render_markdown
from curator_tui.db import open_library, session_scope
from curator_tui.services.cards import load_card
from curator_tui.services.importing import FileResult, import_paths

SEED_DOI = "10.1080/02640414.2024.2321021"

# Heading levels of the Markdown export, as CARD_FORMAT.md shows them.
MOST_PROBABLE = "Most probable mechanism"
ALTERNATIVE = "Less supported by current evidence, but not ruled out"
HEADING_LEVELS = {
    "Mechanism": 2,
    MOST_PROBABLE: 3,
    ALTERNATIVE: 3,
    "Evidence from Studies": 2,
    "Gold Standard Evidence Needed": 2,
}
COUNT_HEADING = re.compile(r"^(Supporting|Contradicting) \(\d+\)$")
# Every line of the plain card that is not a mechanism's summary or step.
FIXED = {
    *HEADING_LEVELS,
    "Community contributions welcome",
    "According to GRADE and EBM methodology, here is what ideal scientific evidence would look "
    "like to definitively prove or disprove this specific claim, ordered from strongest to "
    "weakest evidence.",
}

BLOCK_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "li"}


class _BlockText(HTMLParser):
    """The text of each block element (heading, paragraph, list item), one line each."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._stack: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in BLOCK_TAGS:
            self._stack.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCK_TAGS and self._stack:
            text = " ".join("".join(self._stack.pop()).split())
            if text:
                self.lines.append(text)

    def handle_data(self, data: str) -> None:
        if self._stack:
            self._stack[-1].append(data)


def rendered_lines(markdown: str) -> list[str]:
    """What a reader sees: one line per heading, paragraph and list item of the rendered HTML."""
    reader = _BlockText()
    reader.feed(MarkdownIt("commonmark").render(markdown))
    reader.close()
    return reader.lines


def seed_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def seed_mechanisms(lines: list[str]) -> list[tuple[str, list[str]]]:
    """(summary, steps) of each mechanism section of a plain seed card, in order."""
    mechanisms: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    for line in lines:
        if line in (MOST_PROBABLE, ALTERNATIVE):
            current = []
            mechanisms.append(("", current))
        elif line in FIXED or COUNT_HEADING.match(line):
            current = None
        elif current is not None:
            current.append(line)
    return [(body[0], body[1:]) for _, body in mechanisms]


def expected_headings(lines: list[str]) -> list[str]:
    headings = [f"# {lines[0]}"]
    for line in lines[1:]:
        if line in HEADING_LEVELS:
            headings.append(f"{'#' * HEADING_LEVELS[line]} {line}")
        elif COUNT_HEADING.match(line):
            headings.append(f"### {line}")
    return headings


def import_seeds(engine: Engine, data_dir: Path, seed: Path) -> FileResult:
    results = import_paths(engine, [data_dir / "studies.json", seed])
    assert [r.status for r in results] == ["studies", "imported"], results
    return results[1]


def load(engine: Engine, claim_id: int) -> Card:
    with session_scope(engine) as session:
        return load_card(session, claim_id)


class Imported(NamedTuple):
    """A seed imported with the study records: the import result, the card, its export."""

    result: FileResult
    card: Card
    export: str


@pytest.fixture(params=["rir", "exercise-order"])
def seed(request: pytest.FixtureRequest, seed_paths: dict[str, Path]) -> Path:
    return seed_paths[request.param]


@pytest.fixture
def imported(library: Engine, data_dir: Path, seed: Path) -> Imported:
    result = import_seeds(library, data_dir, seed)
    [claim_id] = result.claim_ids
    card = load(library, claim_id)
    return Imported(result, card, render_markdown(card))


def test_bundled_cards_are_the_published_seeds(seed_paths: dict[str, Path]) -> None:
    shared = Path("/work/shared/seeds")
    if not shared.is_dir():
        pytest.skip("the published seeds are not available here")
    for path in seed_paths.values():
        assert path.read_bytes() == (shared / path.name).read_bytes()


def test_every_seed_line_is_in_the_export_in_order(seed: Path, imported: Imported) -> None:
    export = imported.export
    shown = rendered_lines(export)
    position = 0
    for line in seed_lines(seed):
        assert line in shown[position:], f"missing or out of order: {line[:70]!r}"
        position = shown.index(line, position) + 1


def test_export_headings_are_the_card_sections(seed: Path, imported: Imported) -> None:
    export = imported.export
    headings = [line for line in export.split("\n") if line.startswith("#")]
    assert headings == expected_headings(seed_lines(seed))


def test_supporting_lists_the_study_with_link_and_title(imported: Imported, data_dir: Path) -> None:
    export = imported.export
    [record] = json.loads((data_dir / "studies.json").read_text(encoding="utf-8"))
    assert record["doi"] == SEED_DOI
    lines = export.split("\n")
    start = lines.index("### Supporting (1)")
    after = [line for line in lines[start + 1 :] if line.strip()]
    bullet = after[0]
    assert bullet.startswith("- ")
    assert f"https://doi.org/{SEED_DOI}" in bullet
    assert record["title"] in bullet
    # One study only, then the boilerplate.
    assert not after[1].startswith("- ")
    assert "Community contributions welcome" in after[1]
    # Nothing under "Contradicting (0)" but the boilerplate.
    contra = lines.index("### Contradicting (0)")
    following = next(line for line in lines[contra + 1 :] if line.strip())
    assert following == "*Community contributions welcome*"


def test_mechanisms_and_steps_in_order(seed: Path, imported: Imported) -> None:
    card = imported.card
    expected = seed_mechanisms(seed_lines(seed))
    assert len(expected) == {"card-rir-vs-failure.txt": 2, "card-exercise-order.txt": 1}[seed.name]
    assert [(m.summary, list(m.steps)) for m in card.mechanisms] == expected
    assert all(len(m.steps) == 4 for m in card.mechanisms)


def test_card_fields_come_from_the_seed(seed: Path, imported: Imported, data_dir: Path) -> None:
    card = imported.card
    lines = seed_lines(seed)
    assert card.statement == lines[0]
    assert card.synthesis == lines[lines.index("Synthesis from 1 study") + 1]
    [study] = card.studies
    record = json.loads((data_dir / "studies.json").read_text(encoding="utf-8"))[0]
    assert (study.doi, study.stance.value, study.title) == (SEED_DOI, "supporting", record["title"])
    assert (study.year, study.pmid, study.sample_size) == (2024, "38393985", 18)
    # The seeds' gold-standard list stops after its introduction.
    assert card.gold == ()


def test_import_warns_about_truncation(seed: Path, imported: Imported) -> None:
    result, card, _ = imported
    assert card.statement.endswith("...")
    statement_warnings = [w for w in result.warnings if w.startswith(f"{seed}:1:")]
    assert len(statement_warnings) == 1
    assert "cut off" in statement_warnings[0]
    # The synthesis teaser (line 4) is cut off too.
    assert any(w.startswith(f"{seed}:4:") for w in result.warnings)


def test_export_is_deterministic(
    seed: Path, imported: Imported, tmp_path: Path, data_dir: Path
) -> None:
    _, card, export = imported
    assert render_markdown(card) == export
    # A second, independent library gives the same bytes.
    other = open_library(tmp_path / "other.db")
    try:
        result = import_seeds(other, data_dir, seed)
        again = render_markdown(load(other, result.claim_ids[0]))
    finally:
        other.dispose()
    assert again.encode("utf-8") == export.encode("utf-8")
    assert "\r" not in export
    assert export.endswith("\n")
    assert not export.endswith("\n\n")


def test_export_imports_back_to_the_same_card(imported: Imported) -> None:
    _, card, export = imported
    parsed = parse_card(export, "export.md")
    assert parsed.card.statement == card.statement
    assert parsed.card.mechanisms == card.mechanisms
    assert [(s.doi, s.stance, s.title) for s in parsed.card.studies] == [
        (s.doi, s.stance, s.title) for s in card.studies
    ]
    assert (parsed.card.synthesis, parsed.card.gold) == (card.synthesis, card.gold)


def test_reimporting_the_export_gives_back_the_same_claim(
    library: Engine, imported: Imported, tmp_path: Path
) -> None:
    export_file = tmp_path / "export.md"
    export_file.write_text(imported.export, encoding="utf-8")
    [claim_id] = imported.result.claim_ids

    [again] = import_paths(library, [export_file])
    assert again.status == "duplicate"
    [replaced] = import_paths(library, [export_file], replace=True)

    # Nothing to replace: the claim already reads exactly as its export.
    assert (replaced.status, replaced.claim_ids) == ("duplicate", [claim_id])
    assert replaced.message.endswith("already holds exactly this card: unchanged")
    card = load(library, claim_id)
    assert card == imported.card
    assert render_markdown(card) == imported.export
