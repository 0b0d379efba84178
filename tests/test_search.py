"""The full-text index follows the claims table through creates, edits, deletes and imports."""

from __future__ import annotations

import random
from pathlib import Path

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
