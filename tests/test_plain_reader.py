"""The fast reader of published plain text (cards/plain.py) agrees with the full reader.

For every text, clean or messy, parse_card with the fast reader gives exactly what the full
reader gives: the same card, warnings, lines, or the same error. An import through each
leaves the same library, row for row and byte for byte; and that comparison does fail
when the fast reader is wrong.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from curator_tui.cards import plain
from curator_tui.cards import sections as s
from curator_tui.cards.model import Card, GoldItem, Mechanism, Stance, StudyRef
from curator_tui.cards.parse import CardParseError, ParsedCard, parse_card
from curator_tui.cards.plain import read_plain
from curator_tui.cards.render import render_plain
from curator_tui.db import open_library, session_scope
from curator_tui.generate import generate_cards
from curator_tui.services.importing import FileResult, Importer
from curator_tui.services.rendered import iter_markdown

sys.path.insert(0, str(Path(__file__).parent))
from test_roundtrip import SETTINGS, cards

ROOT = Path(__file__).parents[1]
CORPUS = sorted(
    [
        *(ROOT / "tests" / "corpus" / "good").glob("*.txt"),
        *(ROOT / "tests" / "corpus" / "bad").glob("*.txt"),
        *(ROOT / "data").glob("*.txt"),
    ]
)


def outcome(text: str | bytes, *, fast: bool, offset: int = 0) -> ParsedCard | str:
    """What parse_card gives: the parsed card, or its error's message."""
    try:
        return parse_card(text, "card.txt", offset, fast=fast)
    except CardParseError as exc:
        return f"error: {exc}"


def assert_same(text: str | bytes, offset: int = 0) -> ParsedCard | str:
    fast = outcome(text, fast=True, offset=offset)
    assert fast == outcome(text, fast=False, offset=offset)
    return fast


# Edits that make a clean card messy in the ways real files are: each is applied to the
# card's lines (a list of str), at a position drawn from the card.
def _blank(lines: list[str], at: int) -> None:
    lines.insert(at, "")


def _spaces(lines: list[str], at: int) -> None:
    lines[at] = f"  {lines[at]} "


def _inner_spaces(lines: list[str], at: int) -> None:
    lines[at] = lines[at].replace(" ", "  ", 1)


def _tab(lines: list[str], at: int) -> None:
    lines[at] = lines[at] + "\t"


def _control(lines: list[str], at: int) -> None:
    lines[at] = "\x1b[31m" + lines[at]


def _drop(lines: list[str], at: int) -> None:
    del lines[at]


def _twice(lines: list[str], at: int) -> None:
    lines.insert(at, lines[at])


def _cut(lines: list[str], at: int) -> None:
    lines[at] = lines[at] + "..."


def _upper(lines: list[str], at: int) -> None:
    lines[at] = lines[at].upper()


def _title(lines: list[str], at: int) -> None:
    lines.insert(at, s.CONTRIBUTIONS)


def _count(lines: list[str], at: int) -> None:
    lines[at] = lines[at].replace("(1)", "(2)").replace("(0)", "(1)").replace("1 stud", "3 stud")


MESS = [_blank, _spaces, _inner_spaces, _tab, _control, _drop, _twice, _cut, _upper, _title]
MESS.append(_count)


@st.composite
def messy_texts(draw: st.DrawFn) -> str:
    card = draw(cards())
    lines = render_plain(card).split("\n")
    for _ in range(draw(st.integers(0, 3))):
        edit = draw(st.sampled_from(MESS))
        if lines:
            edit(lines, draw(st.integers(0, len(lines) - 1)))
    ending = draw(st.sampled_from(["\n", "\r\n", "\n\n"]))
    return ending.join(lines)


@SETTINGS
@given(cards())
def test_the_fast_reader_reads_what_render_plain_writes(card: Card) -> None:
    text = render_plain(card)
    found = assert_same(text)
    if isinstance(found, ParsedCard) and not plain_is_ambiguous(text):
        assert read_plain(text) is not None


def plain_is_ambiguous(text: str) -> bool:
    """Text the fast reader leaves to the full one: runs of spaces or characters that are
    not printable (cleaning changes them), errors, studies inferred."""
    full = outcome(text, fast=False)
    return (
        "  " in text
        or not text.replace("\n", "").isprintable()
        or not isinstance(full, ParsedCard)
        or any("inferred" in w or "cannot tell" in w for w in full.warnings)
    )


@SETTINGS
@given(messy_texts(), st.sampled_from([0, 7]))
def test_messy_text_gives_what_the_full_reader_gives(text: str, offset: int) -> None:
    assert_same(text, offset)


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_every_file_of_the_corpus_gives_what_the_full_reader_gives(path: Path) -> None:
    data = path.read_bytes()
    assert_same(data)
    assert_same(data.decode("utf-8", "replace").replace("\r\n", "\n"))


def test_the_fast_reader_takes_the_published_shape_and_declines_the_rest() -> None:
    cards = list(generate_cards(200, seed=3))
    assert all(read_plain(render_plain(card)) is not None for card in cards)
    text = render_plain(cards[0])
    # Inferred studies, control characters, runs of spaces, errors: the full reader's.
    for other in (
        text.replace(s.SUPPORTING + " (", s.SUPPORTING + " (9"),
        text.replace(s.MECHANISM, "\x07" + s.MECHANISM),
        text.replace(" ", "  ", 1),
        text.replace(s.EVIDENCE, "Evidence"),
    ):
        assert read_plain(other) is None
        assert_same(other)


# --- the same library --------------------------------------------------------------------

MESSY_CARDS = [
    # Cut off, blank lines, CRLF, outer spaces, a study line whose DOI is upper case.
    "\r\n".join(
        [
            "Creatine improves sprint power in trained adults...",
            "",
            "Mechanism",
            " Synthesis from 2 studies",
            "Most trials used 20 g a day for 5 days (10.1000/abc.1).",
            "Most probable mechanism",
            "More phosphocreatine, faster resynthesis.",
            "Step one (DOI 10.1000/ABC.1)",
            "Less supported by current evidence, but not ruled out",
            "Water retention.",
            "Evidence from Studies",
            "Supporting (1)",
            "A trial. Smith J (2020). J Appl Physiol 1(2): 3–4. DOI 10.1000/ABC.1",
            "Community contributions welcome",
            "Contradicting (1)",
            "Another. doi:10.1000/xyz-2.",
            "Community contributions welcome",
            "Gold Standard Evidence Needed",
            s.GOLD_INTRO,
            "Randomised trial — 12 weeks",
        ]
    ),
    # Counts that say more studies than are listed: inferred from the DOIs cited.
    "\n".join(
        [
            "Caffeine raises power output",
            "Mechanism",
            "Synthesis from 1 study",
            "Adenosine receptors are blocked (10.2000/caf.9).",
            "Evidence from Studies",
            "Supporting (1)",
            "Community contributions welcome",
            "Contradicting (0)",
            "Community contributions welcome",
            "Gold Standard Evidence Needed",
        ]
    ),
]


def _import(directory: Path, library: Path) -> list[FileResult]:
    engine = open_library(library)
    importer = Importer(engine, batch=7)
    importer.add_all(sorted(directory.iterdir()), read_ahead=False)
    importer.flush()
    engine.dispose()
    return importer.results


TIMES = {"created_at", "updated_at", "at"}


def library_rows(library: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table but the clock's columns, and the export of every claim."""
    out: dict[str, list[tuple[object, ...]]] = {}
    with sqlite3.connect(library) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " AND name NOT LIKE 'claim_fts_%' ORDER BY name"
            )
        ]
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid')
            names = [d[0] for d in cursor.description]
            keep = [i for i, name in enumerate(names) if name not in TIMES]
            out[table] = [tuple(row[i] for i in keep) for row in cursor]
    engine = open_library(library)
    with session_scope(engine) as session:
        out["export"] = [(cid, markdown) for cid, _, markdown in iter_markdown(session)]
    engine.dispose()
    return out


def write_cards(directory: Path) -> None:
    directory.mkdir()
    for n, card in enumerate(generate_cards(40, seed=11)):
        (directory / f"{n:03d}.txt").write_text(render_plain(card), encoding="utf-8")
    # The same study in two claims with a different title: the library's is kept.
    shared = StudyRef("10.3000/shared.1", Stance.SUPPORTING, "First title")
    for n, title in enumerate(["First title", "Second title"]):
        card = Card(
            f"Shared study claim {n}",
            mechanisms=(Mechanism("summary", ("step",)),),
            studies=(StudyRef(shared.doi, shared.stance, title),),
            gold=(GoldItem("Trial"),),
        )
        (directory / f"shared-{n}.txt").write_text(render_plain(card), encoding="utf-8")
    for n, text in enumerate(MESSY_CARDS):
        (directory / f"messy-{n}.txt").write_text(text, encoding="utf-8", newline="")
    for path in CORPUS:
        (directory / f"corpus-{path.name}").write_bytes(path.read_bytes())


def _both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    """(results, rows) of an import with the fast reader, and of one with the full reader."""
    cards_dir = tmp_path / "cards"
    write_cards(cards_dir)
    results = _import(cards_dir, tmp_path / "fast.db")
    fast = (
        [(r.path, r.status, r.message, r.warnings) for r in results],
        library_rows(tmp_path / "fast.db"),
    )
    with monkeypatch.context() as patched:
        patched.setattr("curator_tui.cards.parse.read_plain", lambda text, offset=0: None)
        results = _import(cards_dir, tmp_path / "full.db")
    full = (
        [(r.path, r.status, r.message, r.warnings) for r in results],
        library_rows(tmp_path / "full.db"),
    )
    return fast, full


def test_an_import_through_the_fast_reader_leaves_the_same_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, full = _both(tmp_path, monkeypatch)
    assert fast == full
    results, rows = fast
    assert isinstance(rows, dict) and len(rows["claim"]) >= 44 and rows["claim_revision"]
    # Failures (the bad corpus) and warnings (cut-off text, inferred studies) were there
    # to compare.
    assert any(status == "failed" for _, status, _, _ in results)  # type: ignore[attr-defined]
    assert any(warnings for _, _, _, warnings in results)  # type: ignore[attr-defined]


def test_the_comparison_fails_when_the_fast_reader_is_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fast reader that keeps a study line's whole head as its title: the comparison
    # above must see it.
    monkeypatch.setattr(plain, "plain_study_title", lambda text, doi: text.split(doi)[0])
    fast, full = _both(tmp_path, monkeypatch)
    assert fast != full
