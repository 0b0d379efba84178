"""The library generator: deterministic cards of the right shape, a fast bulk insert that
loads back as the same cards, an FTS index equal to the table, bulk export in a bounded
number of queries, and the claim list holding only a window of a large library."""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from curator_tui.cards.doi import normalize_doi
from curator_tui.cards.model import Card, Stance
from curator_tui.cards.render import render_markdown
from curator_tui.cards.text import clean
from curator_tui.cards.words import card_parts, claim_words
from curator_tui.db import open_library, session_scope
from curator_tui.generate import generate_cards, populate
from curator_tui.services.cards import iter_cards

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")


def texts(card: Card) -> Iterator[str]:
    """Every free-text field of a card."""
    yield card.statement
    yield card.synthesis
    for mechanism in card.mechanisms:
        yield mechanism.summary
        yield from mechanism.steps
    for study in card.studies:
        yield from (study.title, study.authors, study.journal, study.volume, study.issue)
        yield from (study.pages, study.pmid, study.design, study.note)
    for item in card.gold:
        yield from (item.design, item.description)


def comparable(card: Card) -> Card:
    """The card with its studies reduced to DOI and stance."""
    from curator_tui.cards.model import StudyRef

    return Card(
        card.statement,
        card.synthesis,
        card.mechanisms,
        tuple(StudyRef(doi=s.doi, stance=s.stance) for s in card.studies),
        card.gold,
    )


# --- generate_cards -----------------------------------------------------------------------


def test_same_seed_same_cards_other_seed_other_cards() -> None:
    first = list(generate_cards(300, seed=7))
    assert first == list(generate_cards(300, seed=7))
    other = list(generate_cards(300, seed=8))
    assert other != first
    assert sum(a == b for a, b in zip(first, other, strict=True)) == 0
    assert [c.statement for c in generate_cards(0, seed=7)] == []


def test_cards_have_the_promised_shape() -> None:
    cards = list(generate_cards(2000, seed=1))
    assert len(cards) == 2000
    assert len({c.statement for c in cards}) == 2000
    for card in cards:
        assert card.statement
        assert 1 <= len(card.mechanisms) <= 3
        assert all(3 <= len(m.steps) <= 7 for m in card.mechanisms)
        assert 1 <= len(card.studies) <= 5
        assert len({s.doi for s in card.studies}) == len(card.studies)
        assert 0 <= len(card.gold) <= 4
        assert all(item.design for item in card.gold)
        # Supporting studies first, then the contradicting ones (the card's order).
        stances = [s.stance for s in card.studies]
        assert stances == sorted(stances, key=lambda s: s is Stance.CONTRADICTING)
        for study in card.studies:
            assert normalize_doi(study.doi) == study.doi
        dois = {s.doi for s in card.studies}
        for step in (step for m in card.mechanisms for step in m.steps):
            assert re.search(r"\(10\.\d{4,}/\S+\)\.$", step), step
            assert step[step.rindex("(") + 1 : -2] in dois
        for field in texts(card):
            assert clean(field) == field
    everything = " ".join(field for card in cards for field in texts(card))
    for char in "éµ–*_[]#`💪":
        assert char in everything, char
    assert any(s.stance is Stance.CONTRADICTING for c in cards for s in c.studies)
    # Studies come from a shared pool: the same DOI always has the same record.
    records: dict[str, tuple[Any, ...]] = {}
    for study in (s for c in cards for s in c.studies):
        record = (study.title, study.authors, study.journal, study.year, study.pages)
        assert records.setdefault(study.doi, record) == record
    assert len(records) < sum(len(c.studies) for c in cards) / 2


# --- populate -----------------------------------------------------------------------------


@pytest.fixture
def library(tmp_path: Path) -> Engine:
    return open_library(tmp_path / "lib.db")


def test_populate_loads_back_as_the_generated_cards(library: Engine) -> None:
    calls: list[tuple[int, int]] = []
    assert (
        populate(library, 700, seed=3, batch=256, progress=lambda d, t: calls.append((d, t))) == 700
    )
    assert calls == [(256, 700), (512, 700), (700, 700)]
    with session_scope(library) as session:
        loaded = list(iter_cards(session))
    assert [claim_id for claim_id, _ in loaded] == list(range(1, 701))
    expected = list(generate_cards(700, seed=3))
    assert [comparable(card) for _, card in loaded] == [comparable(card) for card in expected]
    # The pool is consistent, so even the full study records come back equal.
    assert [card for _, card in loaded] == expected
    # Each claim's stored rendering is its export, as the services would have stored it.
    with session_scope(library) as session:
        stored = session.execute(text("SELECT id, markdown FROM claim ORDER BY id")).all()
    assert [(i, md) for i, md in stored] == [(i, render_markdown(c)) for i, c in loaded]
    # Populating again continues the ids and shares the studies already there.
    with session_scope(library) as session:
        studies_before = session.execute(text("SELECT count(*) FROM study")).scalar_one()
    assert populate(library, 700, seed=3) == 700
    with session_scope(library) as session:
        counts = session.execute(text("SELECT count(*), min(id), max(id) FROM claim")).one()
        studies_after = session.execute(text("SELECT count(*) FROM study")).scalar_one()
        check = session.execute(text("PRAGMA foreign_key_check")).all()
    assert tuple(counts) == (1400, 1, 1400)
    assert studies_after == studies_before
    assert check == []


def fts_ids(db: Path, query: str) -> set[int]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT rowid FROM claim_fts WHERE claim_fts MATCH ?", (query,))
        return {row[0] for row in rows}


def like_ids(db: Path, pattern: str) -> set[int]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT id FROM claim WHERE statement LIKE ?1 OR synthesis LIKE ?1", (pattern,)
        )
        return {row[0] for row in rows}


def test_fts_index_equals_the_table_after_populate(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    engine = open_library(db)
    populate(engine, 3000, seed=5, batch=1000)
    with session_scope(engine) as session:
        cards = dict(iter_cards(session))
    engine.dispose()
    with sqlite3.connect(db) as conn:
        # FTS5's own check, including against the content table (rank = 1).
        conn.execute("INSERT INTO claim_fts(claim_fts, rank) VALUES ('integrity-check', 1)")
        indexed = conn.execute("SELECT count(*) FROM claim_fts_docsize").fetchone()[0]
        claims = conn.execute("SELECT count(*) FROM claim").fetchone()[0]
        stored = dict(conn.execute("SELECT id, words FROM claim"))
    assert indexed == claims == 3000
    # Every claim's words are stored as the rule makes them from the claim's parts.
    assert stored == {claim_id: claim_words(card) for claim_id, card in cards.items()}
    texts = {
        claim_id: " ".join(text for _, text in card_parts(card)) for claim_id, card in cards.items()
    }
    # Whole words the vocabulary uses only as words: FTS MATCH == a regex over every part.
    for word in ("creatine", "placebo", "cyclists", "Mediterranean", "hypertrophy", "mTOR"):
        by_regex = {i for i, t in texts.items() if re.search(rf"\b{word}\b", t, re.I)}
        assert by_regex, word
        assert fts_ids(db, f'"{word.lower()}"') == by_regex, word
    # Every claim is found by its running number; no other claim is.
    for number in (1, 777, 3000):
        assert fts_ids(db, f'"{number}"') >= like_ids(db, f"%(#{number})%") == {number}
    # Unicode with diacritics removed by the rule: café matches cafe.
    assert fts_ids(db, '"cafe"') >= like_ids(db, "%café%") != set()


def test_bulk_export_issues_the_same_number_of_queries_for_50_and_500_claims(
    tmp_path: Path,
) -> None:
    from curator_tui.services.rendered import iter_markdown

    def rendered(session: Any) -> list[str]:
        return [render_markdown(card) for _, card in iter_cards(session)]

    def stored(session: Any) -> list[str]:
        return [markdown for _, _, markdown in iter_markdown(session)]

    def count_export_queries(size: int) -> dict[str, int]:
        engine = open_library(tmp_path / f"lib-{size}.db")
        populate(engine, size, seed=11)
        counts = {}
        for name, export in (("rendered", rendered), ("stored", stored)):
            statements: list[str] = []

            def count(*args: Any, into: list[str] = statements) -> None:
                into.append(args[2])

            event.listen(engine, "before_cursor_execute", count)
            try:
                with session_scope(engine) as session:
                    exported = export(session)
            finally:
                event.remove(engine, "before_cursor_execute", count)
            assert len(exported) == size
            assert all(markdown.startswith("# ") for markdown in exported)
            counts[name] = len(statements)
        return counts

    small, large = count_export_queries(50), count_export_queries(500)
    assert small == large
    assert all(count <= 10 for count in small.values()), small


# --- the app at a large library -----------------------------------------------------------


def fill_bare_claims(engine: Engine, count: int) -> None:
    """``count`` claims with statements and nothing else, in seconds (for the list at scale)."""
    from curator_tui.db import BULK_INSERT_TRIGGERS, suspended_triggers
    from curator_tui.services.search import index_new_claims

    words = ["creatine", "sleep", "older", "insulin", "placebo", "training", "vitamin"]
    first = " ".join(f"WHEN {n} THEN '{w}'" for n, w in enumerate(words))
    with engine.begin() as connection, suspended_triggers(connection, BULK_INSERT_TRIGGERS):
        # Lower-case letters, digits and single spaces: each statement is its own words.
        connection.exec_driver_sql(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?),"
            f" s(t) AS (SELECT (CASE i % {len(words)} {first} END)"
            " || printf(' claim %06d', (i * 7919) % ?) FROM n)"
            " INSERT INTO claim (statement, synthesis, created_at, updated_at, version, words)"
            " SELECT t, '', '2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000', 1, t"
            " FROM s",
            (count, count),
        )
        index_new_claims(connection, 1, count)


async def test_claim_list_holds_only_a_window_of_100k_claims(tmp_path: Path) -> None:
    from curator_tui.config import Config
    from curator_tui.services.claims import count_claims
    from curator_tui.ui.app import CuratorApp
    from curator_tui.ui.widgets.claim_list import PAGE, ClaimList

    db = tmp_path / "lib.db"
    engine = open_library(db)
    fill_bare_claims(engine, 100_000)
    with sqlite3.connect(db) as conn:
        # The list sorts by statement (then id) by default: this is its last row.
        (last_id,) = conn.execute(
            "SELECT id FROM claim ORDER BY statement DESC, id DESC LIMIT 1"
        ).fetchone()
    with session_scope(engine) as session:
        sleepers = count_claims(session, "sle")
    assert 0 < sleepers < 100_000

    app = CuratorApp(engine, Config())

    async def settle(pilot: Any) -> None:
        from textual.worker import WorkerCancelled

        for _ in range(4):
            for worker in list(app.workers):
                # A worker superseded by a newer one of its group (moving the cursor
                # loads the claim again) is done too; one that failed still raises.
                with contextlib.suppress(WorkerCancelled):
                    await worker.wait()
            await pilot.pause()

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        claims = app.screen.query_one(ClaimList)
        assert claims.total == 100_000
        assert 0 < claims.loaded_rows <= 20 * PAGE
        claims.focus()
        await pilot.press("end")
        await settle(pilot)
        assert claims.cursor == 99_999
        assert claims.loaded_rows <= 20 * PAGE
        current = claims.current
        assert current is not None
        assert current.id == last_id
        for _ in range(30):  # paging back up from the end: pages come and go
            await pilot.press("pageup")
        await settle(pilot)
        assert claims.loaded_rows <= 20 * PAGE
        assert claims.current is not None
        await pilot.press("slash", "s", "l", "e")
        await settle(pilot)
        assert claims.total == sleepers
        assert claims.loaded_rows <= 20 * PAGE
