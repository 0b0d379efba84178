"""Study records survive an export and an import (issue 9, point 4).

``curator export --all`` writes each study's title, authors, journal, year, volume,
issue, pages and PMID into its bullet; ``curator import`` reads them back, into a second
library, byte for byte. ``import --replace`` of an edited study line updates the record;
a card that disagrees with a study other claims also cite is reported and the library's
record is kept, unless ``--replace``. Fields a bullet does not show are kept (absent
means "keep", never "blank").
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from curator_tui.cards.citation import Citation, citation_markdown, parse_citation
from curator_tui.cards.fast import parse_export
from curator_tui.cards.model import Card, Mechanism, Stance, StudyRef
from curator_tui.cards.parse import parse_card
from curator_tui.cards.render import render_markdown, render_plain
from curator_tui.cards.text import clean
from curator_tui.db import open_library, session_scope
from curator_tui.models import Study
from curator_tui.services.cards import create_from_card

sys.path.insert(0, str(Path(__file__).parent))
from conftest import RunCli
from test_roundtrip import MARKDOWN_BITS, SETTINGS, WORDS, dois, shown

SHOWN = ("title", "authors", "journal", "year", "volume", "issue", "pages", "pmid")

FULL = StudyRef(
    doi="10.1080/02640414.2024.2321021",
    title="Similar muscle hypertrophy following eight weeks of resistance training",
    authors="Martin C. Refalo; Eric R. Helms; Zac P. Robinson; D. Lee Hamilton",
    journal="Journal of Sports Sciences",
    year=2024,
    volume="42",
    issue="1",
    pages="85–101",
    pmid="38393985",
    design="randomised within-participant",
    sample_size=18,
)
SPECIAL = StudyRef(
    doi="10.1234/special(1)",
    stance=Stance.CONTRADICTING,
    title="*Not* [a link](x) & <b>not bold</b> # 1. _x_ `code` \\ ~~no~~",
    authors="O'Brien *J*. [A]. Müller_K. 1. Lee & Co.",
    journal="J. Appl. Physiol. (1985): Special #2",
    year=1999,
    volume="12 Suppl 1",
    issue="Pt 2 (a)",
    pages="e1–e9. PMID 1",
    pmid="PMC<123>",
)
SOME = (
    StudyRef(doi="10.5555/journal-only", title="Only a journal", journal="Physiol Rep"),
    StudyRef(doi="10.5555/authors-only", authors="Smith J. A., Doe B.", pmid="123"),
    StudyRef(doi="10.5555/year-only", year=2020),
    StudyRef(doi="10.5555/issue-only", issue="2020"),
    StudyRef(doi="10.5555/volume-only", title="T", volume="7"),
    StudyRef(doi="10.5555/pages-only", pages="1-10"),
    StudyRef(doi="10.5555/pmid-only", pmid="999"),
    StudyRef(doi="10.5555/nothing"),
    StudyRef(doi="10.5555/journal-in-parens", journal="J Appl Physiol (1985)", pages="1-5"),
    StudyRef(doi="10.5555/year-zero", authors="Nobody", year=0),
    StudyRef(doi="10.5555/pmid-lookalike", authors="PMID 5", journal="PMID: 6"),
)
CARDS = (
    Card(
        "Training to failure and with reps in reserve give similar growth.",
        "Both work.",
        (Mechanism("Volume matters.", ("Load the muscle.",)),),
        (FULL, SPECIAL),
    ),
    Card("Partial records come back as they were.", studies=SOME),
    # A second claim citing the same study: the export repeats the same record.
    Card(
        "A second claim cites the full study.",
        studies=(replace(FULL, stance=Stance.CONTRADICTING),),
    ),
)


def shown_fields(study: StudyRef | Study) -> dict[str, object]:
    """The fields of a study record that an export shows."""
    return {name: getattr(study, name) for name in SHOWN}


def records(db: Path) -> dict[str, dict[str, object]]:
    """Every study in a library, by DOI: the fields an export shows."""
    engine = open_library(db, create=False)
    try:
        with session_scope(engine) as session:
            return {s.doi: shown_fields(s) for s in session.exec(select(Study))}
    finally:
        engine.dispose()


def full_records(db: Path) -> dict[str, Study]:
    engine = open_library(db, create=False)
    try:
        with session_scope(engine) as session:
            rows = list(session.exec(select(Study)))
            for row in rows:
                session.expunge(row)
            return {row.doi: row for row in rows}
    finally:
        engine.dispose()


def make_library(db: Path, cards: tuple[Card, ...]) -> None:
    engine = open_library(db)
    try:
        for card in cards:
            with session_scope(engine) as session:
                create_from_card(session, card)
    finally:
        engine.dispose()


def export_all(run_cli: RunCli, db: Path) -> bytes:
    result = run_cli("export", "--all", db=db, binary=True)
    assert result.returncode == 0, result.stderr
    return bytes(result.stdout)


def test_export_import_restores_every_study_field(run_cli: RunCli, tmp_path: Path) -> None:
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    make_library(first, CARDS)
    export = export_all(run_cli, first)
    (tmp_path / "all.md").write_bytes(export)

    result = run_cli("import", tmp_path / "all.md", db=second)
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr

    expected = records(first)
    assert expected[FULL.doi]["authors"] == FULL.authors  # the library holds what was written
    assert records(second) == expected
    assert export_all(run_cli, second) == export


def test_import_replace_of_an_edited_study_line_updates_the_record(
    run_cli: RunCli, tmp_path: Path
) -> None:
    db = tmp_path / "library.db"
    make_library(db, CARDS[:1])
    export = export_all(run_cli, db).decode("utf-8")
    edited = export.replace("(2024)", "(2023)").replace("42(1): 85–101", "43(2): 10–20")
    edited = edited.replace("PMID 38393985", "PMID 111")
    assert edited != export
    path = tmp_path / "edited.md"
    path.write_text(edited, encoding="utf-8")

    result = run_cli("import", path, db=db)
    assert "already in the library" in result.stdout
    assert records(db)[FULL.doi]["year"] == 2024  # without --replace, nothing changes

    result = run_cli("import", "--replace", path, db=db)
    assert result.returncode == 0, result.stderr
    record = full_records(db)[FULL.doi]
    assert shown_fields(record) == shown_fields(
        replace(FULL, year=2023, volume="43", issue="2", pages="10–20", pmid="111")
    )
    # Fields the export does not show are kept.
    assert (record.design, record.sample_size) == (FULL.design, FULL.sample_size)
    assert export_all(run_cli, db).decode("utf-8") == edited


def test_a_bullet_without_a_field_keeps_the_librarys_value(run_cli: RunCli, tmp_path: Path) -> None:
    db = tmp_path / "library.db"
    make_library(db, CARDS[:1])
    export = export_all(run_cli, db).decode("utf-8")
    # The curator deletes the citation from the bullet: absent means keep.
    edited = export.replace(
        " Martin C. Refalo; Eric R. Helms; Zac P. Robinson; D. Lee Hamilton (2024).", ""
    )
    edited = edited.replace(" PMID 38393985.", "")
    assert edited.count("Journal of Sports Sciences") == 1 and "Refalo" not in edited
    path = tmp_path / "edited.md"
    path.write_text(edited, encoding="utf-8")
    result = run_cli("import", "--replace", path, db=db)
    assert result.returncode == 0, result.stderr
    assert records(db)[FULL.doi] == shown_fields(FULL)


def test_a_disagreement_on_a_shared_study_is_reported_and_the_library_kept(
    run_cli: RunCli, tmp_path: Path
) -> None:
    db = tmp_path / "library.db"
    make_library(db, CARDS)
    # One card, edited: its study (also cited by the third claim) gets a new title and year.
    one = tmp_path / "one.md"
    text = render_markdown(CARDS[0]).replace("(2024)", "(2021)")
    text = text.replace("*Similar muscle", "*Dissimilar muscle")
    one.write_text(text, encoding="utf-8")
    line = text.split("\n").index(next(ln for ln in text.split("\n") if "Dissimilar" in ln)) + 1

    result = run_cli("import", "--replace", one, db=db)
    assert result.returncode == 0, result.stderr
    assert records(db)[FULL.doi]["year"] == 2021  # --replace: the card's values win
    assert f"{one}:{line}:" in result.stderr and FULL.doi in result.stderr

    # A new claim citing the shared study with other values: reported, library kept.
    make_library(tmp_path / "again.db", CARDS)
    db = tmp_path / "again.db"
    new = tmp_path / "new.md"
    card = Card(
        "A new claim that cites the full study.",
        studies=(replace(FULL, year=2021, journal="Other"),),
    )
    new.write_text(render_markdown(card), encoding="utf-8")
    result = run_cli("import", new, db=db)
    assert result.returncode == 0, result.stderr
    warnings = [ln for ln in result.stderr.splitlines() if ln.startswith("warning:")]
    [warning] = warnings
    bullet = (
        render_markdown(card)
        .split("\n")
        .index(next(ln for ln in render_markdown(card).split("\n") if ln.startswith("- ")))
        + 1
    )
    assert warning.startswith(f"warning: {new}:{bullet}: ")
    assert FULL.doi in warning and "year" in warning and "journal" in warning
    assert "title" not in warning
    assert records(db)[FULL.doi] == shown_fields(FULL)

    result = run_cli("import", "--replace", new, db=db)
    assert result.returncode == 0, result.stderr
    assert records(db)[FULL.doi] == shown_fields(replace(FULL, year=2021, journal="Other"))


# --- render -> parse, with hypothesis -----------------------------------------------------

# What a citation's reader cuts at, and what looks like its labels, besides Markdown.
CITATION_BITS = [". ", ".", ": ", ":", " (", "(", ")", "(2020)", " (1999). ", "PMID ", "12"]
CITATION_BITS += ["Authors: ", "Year: ", "Journal: ", "Pages: ", "J. Appl. Physiol.", "e123"]
field_text = (
    st.lists(
        st.one_of(
            st.sampled_from(CITATION_BITS),
            st.sampled_from(MARKDOWN_BITS),
            st.sampled_from(WORDS),
            st.text(max_size=6),
        ),
        max_size=6,
    )
    .map("".join)
    .map(clean)
)
studies = st.builds(
    StudyRef,
    doi=dois,
    stance=st.sampled_from(Stance),
    title=field_text,
    authors=field_text,
    journal=field_text,
    year=st.one_of(st.none(), st.integers(0, 3000)),
    volume=field_text,
    issue=field_text,
    pages=field_text,
    pmid=field_text,
)


@SETTINGS
@given(studies, st.booleans())
def test_a_citation_reads_back_as_its_record(study: StudyRef, line_start: bool) -> None:
    markdown = citation_markdown(study, line_start=line_start)
    assert parse_citation(markdown) == Citation.of(study)
    assert parse_citation(markdown + ".") == Citation.of(study)


@SETTINGS
@given(st.lists(studies, min_size=1, max_size=4, unique_by=lambda s: s.doi))
def test_study_records_survive_render_and_parse(listed: list[StudyRef]) -> None:
    listed.sort(key=lambda study: study.stance is Stance.CONTRADICTING)
    card = Card("A claim.", studies=tuple(listed))
    markdown = render_markdown(card)
    full = parse_card(markdown, "export.md", fast=False).card
    assert full == card
    assert parse_export(markdown) == card
    assert render_markdown(full) == markdown


@SETTINGS
@given(studies)
def test_a_study_bullet_shows_its_plain_line(study: StudyRef) -> None:
    # Markdown shows exactly the plain-text card's study line: escapes never show.
    card = Card("A claim.", studies=(study,))
    [bullet] = [line for line in render_markdown(card).split("\n") if line.startswith("- ")]
    [plain] = [line for line in render_plain(card).split("\n") if line.endswith(study.doi)]
    html, seen = shown(bullet)
    assert html.startswith("<ul>") and seen == plain


def test_a_hand_edited_export_is_read_by_the_full_parser(run_cli: RunCli, tmp_path: Path) -> None:
    # Extra blank lines and a reflowed bullet: not the export's exact shape.
    text = render_markdown(CARDS[0]).replace("\n\n", "\n\n\n")
    text = text.replace(" Journal of Sports Sciences", "\n  Journal of Sports Sciences")
    assert parse_export(text) is None
    path = tmp_path / "edited.md"
    path.write_text(text, encoding="utf-8")
    result = run_cli("import", path, db=tmp_path / "library.db")
    assert result.returncode == 0, result.stderr
    assert records(tmp_path / "library.db") == {s.doi: shown_fields(s) for s in CARDS[0].studies}


def test_cards_of_one_stream_that_disagree_are_reported(run_cli: RunCli, tmp_path: Path) -> None:
    # Two new claims in one file, one batch: the first one's record is the library's.
    other = Card("Another claim.", studies=(replace(FULL, pages="1–2", issue=""),))
    path = tmp_path / "two.md"
    path.write_text(render_markdown(CARDS[0]) + "\n" + render_markdown(other), encoding="utf-8")
    result = run_cli("import", path, db=tmp_path / "library.db")
    assert result.returncode == 0, result.stderr
    [warning] = [ln for ln in result.stderr.splitlines() if ln.startswith("warning:")]
    assert FULL.doi in warning and "pages" in warning and "issue" not in warning
    assert "kept the library's record, which 1 other claim also cites" in warning
    assert records(tmp_path / "library.db")[FULL.doi] == shown_fields(FULL)
