"""Migration 0015: triggers an old import left dropped are made again, and what they missed."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from curator_tui.db import BULK_INSERT_TRIGGERS, open_library, session_scope
from curator_tui.generate import generate_cards
from curator_tui.migrate import current_revision, head_revision
from curator_tui.services.cards import create_many
from curator_tui.services.rendered import iter_markdown


def _triggers(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        return {name: re.sub(r"\s+", " ", sql) for name, sql in rows}


def _library_at_0014(path: Path, claims: int = 12) -> list[int]:
    engine = open_library(path)
    with session_scope(engine) as session:
        ids = create_many(session, list(generate_cards(claims, seed=5)))
    engine.dispose()
    # 0015 changes no table: a library at 0014 is this one with its version set back.
    with sqlite3.connect(path) as db:
        db.execute("UPDATE alembic_version SET version_num = '0014'")
    return ids


def _matches(path: Path, word: str) -> list[int]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT rowid FROM claim_fts WHERE claim_fts MATCH ?", (word,))
        return [r[0] for r in rows]


def test_dropped_triggers_come_back_and_the_index_and_renderings_catch_up(
    tmp_path: Path,
) -> None:
    whole = tmp_path / "whole.db"
    open_library(whole).dispose()
    expected = _triggers(whole)
    path = tmp_path / "lib.db"
    ids = _library_at_0014(path)
    with sqlite3.connect(path) as db:
        # As the old concurrent import left them: two of the five dropped for good.
        db.execute("DROP TRIGGER claim_fts_insert")
        db.execute("DROP TRIGGER mechanism_insert_markdown_stale")
        # Then a claim added, which the index never got, and a mechanism added by another
        # tool, which left its claim's stored rendering as it was.
        db.execute(
            "INSERT INTO claim (statement, synthesis, created_at, updated_at, version, words)"
            " VALUES ('Quokkas smile', '', '2026-01-01', '2026-01-01', 1, 'quokkas smile')"
        )
        db.execute(
            "INSERT INTO mechanism (claim_id, rank, summary) VALUES (?, 5, 'Wombat cubes')",
            (ids[0],),
        )
    assert _matches(path, "quokkas") == []

    open_library(path).dispose()

    assert current_revision(open_library(path)) == head_revision()
    assert _triggers(path) == expected
    assert set(BULK_INSERT_TRIGGERS) <= set(_triggers(path))
    added = _matches(path, "quokkas")
    assert len(added) == 1
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO claim_fts(claim_fts, rank) VALUES ('integrity-check', 1)")
    engine = open_library(path)
    with session_scope(engine) as session:
        texts = {cid: text for cid, _, text in iter_markdown(session, [ids[0]])}
    assert "Wombat cubes" in texts[ids[0]]
    # And from now on the index follows new claims again.
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO claim (statement, synthesis, created_at, updated_at, version, words)"
            " VALUES ('Axolotls regrow', '', '2026-01-01', '2026-01-01', 1, 'axolotls regrow')"
        )
    assert len(_matches(path, "axolotls")) == 1


def test_a_library_with_every_trigger_keeps_its_renderings(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    _library_at_0014(path)
    with sqlite3.connect(path) as db:
        before = db.execute("SELECT id, markdown FROM claim ORDER BY id").fetchall()
    assert all(markdown for _, markdown in before)

    open_library(path).dispose()

    with sqlite3.connect(path) as db:
        after = db.execute("SELECT id, markdown FROM claim ORDER BY id").fetchall()
    assert after == before
