"""An imported card's stored words and rendering are the claim's as the library holds it.

The importer works out a card's Markdown, words and packed first revision where it parses
the file (issue 12.8); they are only right when the library's study records are exactly
the card's. A card that
cites a study the library knows better (authors, journal) must be stored with the words
and the rendering of the fuller record.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from curator_tui.cards.model import Card, Stance, StudyRef
from curator_tui.cards.render import render_markdown, render_plain
from curator_tui.cards.words import claim_words
from curator_tui.db import session_scope
from curator_tui.models import Claim
from curator_tui.services.cards import create_from_card, load_card
from curator_tui.services.history import text_at
from curator_tui.services.importing import import_paths

DOI = "10.1080/02640414.2024.2321021"


def test_words_and_rendering_follow_the_library_record(library: Engine, tmp_path: Path) -> None:
    known = StudyRef(
        DOI, Stance.SUPPORTING, title="Failure vs reserve", authors="Refalo MC; Helms ER"
    )
    with session_scope(library) as session:
        create_from_card(session, Card("An earlier claim", studies=(known,)))
    folder = tmp_path / "cards"
    folder.mkdir()
    for n in range(3):
        card = Card(f"Claim number {n}", studies=(StudyRef(DOI, title="Failure vs reserve"),))
        (folder / f"card-{n}.txt").write_text(render_plain(card), encoding="utf-8")
    results = import_paths(library, [folder])
    assert [r.status for r in results] == ["imported"] * 3
    with session_scope(library) as session:
        rows = session.execute(
            select(col(Claim.id), col(Claim.markdown), col(Claim.words)).where(col(Claim.id) > 1)
        ).all()
        assert len(rows) == 3
        for claim_id, markdown, words in rows:
            held = load_card(session, claim_id)
            assert held.studies[0].authors == "Refalo MC; Helms ER"
            assert markdown == render_markdown(held)
            assert words == claim_words(held)
            assert "helms" in words.split()
            assert text_at(session, claim_id, 1) == markdown  # the history's first revision


def test_the_first_revision_is_the_imported_text(library: Engine, tmp_path: Path) -> None:
    """Cards whose records the library takes as they are: the packing done where the file
    was parsed is what the history holds."""
    folder = tmp_path / "cards"
    folder.mkdir()
    for n in range(3):
        card = Card(
            f"Claim number {n}",
            synthesis=f"Synthesis {n} ({DOI}).",
            studies=(StudyRef(f"{DOI}{n}", Stance.SUPPORTING, title=f"Study {n}"),),
        )
        (folder / f"card-{n}.txt").write_text(render_plain(card), encoding="utf-8")
    results = import_paths(library, [folder])
    assert [r.status for r in results] == ["imported"] * 3
    with session_scope(library) as session:
        for result in results:
            [claim_id] = result.claim_ids
            held = load_card(session, claim_id)
            assert text_at(session, claim_id, 1) == render_markdown(held)
            assert f"Synthesis {claim_id - 1}" in text_at(session, claim_id, 1)
