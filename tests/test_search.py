"""The full-text index follows the claims table through creates, edits, deletes and imports."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import text

from curator_tui.cards.model import Card
from curator_tui.db import open_library, session_scope
from curator_tui.services.cards import create_many
from curator_tui.services.claims import (
    count_claims,
    create_claim,
    delete_claim,
    list_claims,
    update_claim,
)
from curator_tui.services.search import LikeSearch, fts_query

WORDS = [
    "creatine",
    "sleep",
    "tendon",
    "protein",
    "insulin",
    "vo2max",
    "ß-alanine",
    "Müller",
    "café",
]


def fts_ids(session, word: str) -> set[int]:  # type: ignore[no-untyped-def]
    rows = session.execute(
        text("SELECT rowid FROM claim_fts WHERE claim_fts MATCH :q"), {"q": fts_query(word)}
    )
    return {row[0] for row in rows}


def like_ids(session, word: str) -> set[int]:  # type: ignore[no-untyped-def]
    from sqlmodel import select

    from curator_tui.models import Claim

    return set(session.exec(LikeSearch().restrict(select(Claim.id), word)).all())


def test_index_equals_table_after_every_kind_of_change(tmp_path: Path) -> None:
    engine = open_library(tmp_path / "lib.db")
    rng = random.Random(3)
    with session_scope(engine) as session:
        ids = [
            create_claim(session, f"{rng.choice(WORDS)} and {rng.choice(WORDS)} claim {n}")
            for n in range(60)
        ]
        create_many(
            session, [Card(statement=f"{w} imported card", synthesis="café") for w in WORDS]
        )
    with session_scope(engine) as session:
        for claim_id in ids[:20]:
            update_claim(session, claim_id, statement=f"{rng.choice(WORDS)} edited {claim_id}")
        for claim_id in ids[20:30]:
            update_claim(session, claim_id, synthesis=f"now about {rng.choice(WORDS)}")
        for claim_id in ids[30:40]:
            delete_claim(session, claim_id)
    with session_scope(engine) as session:
        for word in WORDS:
            # Whole words: FTS (prefix tokens) and LIKE (substrings) agree on them.
            assert fts_ids(session, word) == like_ids(session, word), word
        integrity = session.execute(
            text("INSERT INTO claim_fts(claim_fts) VALUES ('integrity-check')")
        )
        del integrity


def test_search_through_the_service(tmp_path: Path) -> None:
    engine = open_library(tmp_path / "lib.db")
    with session_scope(engine) as session:
        a = create_claim(session, "Creatine improves sprint power", "in trained athletes")
        create_claim(session, "Sleep restriction impairs recovery")
        assert [r.id for r in list_claims(session, search="creat athl")] == [a]
        assert count_claims(session, search="sleep") == 1
        # Punctuation only: no FTS token, matched literally, never an FTS syntax error.
        assert count_claims(session, search='"*') == 0
        assert count_claims(session, search="AND OR NOT (") == 0


def generic_page(session, words: str, sort: str, offset: int) -> list[int]:  # type: ignore[no-untyped-def]
    """The page through the portable query (no per-database plan)."""
    from sqlmodel import select

    from curator_tui.models import Claim
    from curator_tui.services.claims import _ordered

    query = _ordered(LikeSearch().restrict(select(Claim.id), words), sort)  # type: ignore[arg-type]
    return list(session.exec(query.offset(offset).limit(25)).all()) if words else []


def test_every_page_plan_gives_the_pages_of_the_portable_query(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sorting the matches, walking the sort index, and probing per claim: same pages."""
    from curator_tui.generate import populate
    from curator_tui.services import search

    engine = open_library(tmp_path / "lib.db")
    populate(engine, 400, seed=5)
    with session_scope(engine) as session:
        # Same updated_at for several claims would make both orders depend on the id
        # tie-break: spread a few equal timestamps on purpose.
        session.execute(
            text("UPDATE claim SET updated_at = '2026-01-01 00:00:00' WHERE id % 7 = 0")
        )
    plans = {"sort matches": (1.1, 1.1), "walk": (0.0, 1.1), "probe": (0.0, 0.0)}
    # Whole words, so FTS's prefix match and the portable substring match agree.
    words = ["with", "training", "improves", "sleep adults", "creatine"]
    for plan, (sparse, dense) in plans.items():
        monkeypatch.setattr(search, "SPARSE", sparse)
        monkeypatch.setattr(search, "DENSE", dense)
        with session_scope(engine) as session:
            for word in words:
                for sort in ("statement", "updated"):
                    for offset in (0, 25, 150):
                        fts = search.Fts5Search()
                        matches = fts.count(session, word)
                        assert matches is not None
                        got = fts.page_ids(session, word, sort, offset, 25, matches)
                        expected = generic_page(session, word, sort, offset)
                        assert got == expected, (plan, word, sort, offset)
            # Deep pages are not all empty: the comparison compares something.
            assert count_claims(session, "with") == 400
            assert count_claims(session, "training") > 150
