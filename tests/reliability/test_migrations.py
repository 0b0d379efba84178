"""Schema versions: a library made at the first revision upgrades with every row intact."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from curator_tui.db import LibraryError, make_engine, open_library, session_scope
from curator_tui.migrate import alembic_config, current_revision, head_revision, upgrade
from curator_tui.services.cards import iter_cards
from curator_tui.services.claims import list_claims

ROWS = ("claim", "mechanism", "mechanismstep", "study", "evidence", "goldstandarditem")
SEED_SQL = """
INSERT INTO claim (id, statement, synthesis, created_at, updated_at, version)
VALUES (1, 'Creatine improves strength', 'Synthesis text', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 1),
       (2, 'Sleep aids recovery', '', '2026-01-02 00:00:00', '2026-01-02 00:00:00', 1);
INSERT INTO mechanism (id, claim_id, rank, summary) VALUES (1, 1, 0, 'More phosphocreatine'), (2, 1, 1, 'Water'), (3, 2, 0, 'GH');
INSERT INTO mechanismstep (id, mechanism_id, position, text) VALUES
  (1, 1, 0, 'Step one 10.1000/abc'), (2, 1, 1, 'Step two'), (3, 2, 0, 'Alt step'), (4, 3, 0, 'Night step');
INSERT INTO study (id, doi, title, authors, journal, year, volume, issue, pages, pmid, design, sample_size)
VALUES (1, '10.1000/abc', 'A trial', 'A. Author', 'J', 2020, '', '', '', '', '', NULL);
INSERT INTO evidence (id, claim_id, study_id, stance, note, position) VALUES (1, 1, 1, 'supporting', '', 0), (2, 2, 1, 'contradicting', '', 0);
INSERT INTO goldstandarditem (id, claim_id, position, design, description) VALUES (1, 1, 0, 'RCT', '12 weeks');
"""


def make_first_revision_library(path: Path) -> None:
    """A library exactly as the first schema revision left it, with rows in every table."""
    engine = make_engine(path)
    with engine.connect() as connection:
        command.upgrade(alembic_config(connection), "0001")
        connection.commit()
    engine.dispose()
    with sqlite3.connect(path) as db:
        db.executescript(SEED_SQL)


def counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        return {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in ROWS}


def test_first_revision_upgrades_to_head_with_every_row_intact(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    make_first_revision_library(path)
    before = counts(path)
    assert before["mechanismstep"] == 4
    engine = open_library(path)
    assert current_revision(engine) == head_revision() != "0001"
    assert counts(path) == before
    with session_scope(engine) as session:
        cards = dict(iter_cards(session))
        # The new full-text index knows the old rows.
        assert [r.id for r in list_claims(session, search="creatine")] == [1]
    assert [s.doi for s in cards[2].studies] == ["10.1000/abc"]
    assert cards[1].mechanisms[0].steps == ("Step one 10.1000/abc", "Step two")
    backups = list(tmp_path.glob("lib.db.bak-0001-*"))
    assert len(backups) == 1 and counts(backups[0]) == before
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_with_foreign_keys_on_the_rebuild_would_delete_children(tmp_path: Path) -> None:
    """Why migrations run with foreign keys OFF: this is what the protection prevents."""
    path = tmp_path / "lib.db"
    make_first_revision_library(path)
    upgrade(make_engine(path), foreign_keys_off=False)
    assert counts(path)["mechanism"] == 0  # cascade-deleted by SQLite's table rebuild


def test_a_library_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    engine = open_library(path)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(LibraryError, match="newer curator-tui"):
        open_library(path)
    assert not list(tmp_path.glob("*.bak-*"))


def test_a_current_library_is_not_backed_up_again(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    open_library(path).dispose()
    open_library(path).dispose()
    assert not list(tmp_path.glob("*.bak-*"))


def test_the_fast_path_knows_the_head() -> None:
    from curator_tui.db import SCHEMA_HEAD

    assert head_revision() == SCHEMA_HEAD
