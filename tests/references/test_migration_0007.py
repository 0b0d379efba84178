"""Migration 0007: a library at 0006 upgrades; its studies read as not retracted."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command

from curator_tui.db import make_engine, open_library
from curator_tui.migrate import alembic_config, current_revision, head_revision


def test_a_0006_library_gains_empty_retraction_fields_and_can_go_back(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    engine = make_engine(path)
    with engine.connect() as connection:
        command.upgrade(alembic_config(connection), "0006")
        connection.commit()
    engine.dispose()
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO study (doi, title, authors, journal, volume, issue, pages, pmid, design)"
            " VALUES ('10.1000/abc', 'A trial', '', '', '', '', '', '', '')"
        )
    open_library(path).dispose()
    assert current_revision(make_engine(path)) == head_revision()
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT retraction_nature, retraction_date FROM study").fetchone()
    assert row == ("", "")
    engine = make_engine(path)
    with engine.connect() as connection:
        command.downgrade(alembic_config(connection), "0006")
        connection.commit()
    engine.dispose()
    with sqlite3.connect(path) as db:
        columns = {r[1] for r in db.execute("PRAGMA table_info(study)")}
        title = db.execute("SELECT title FROM study").fetchone()
    assert "retraction_nature" not in columns and title == ("A trial",)
