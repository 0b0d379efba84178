"""Sorting by statement gives the same order on both backends, whatever the server's locale.

SQLite compares text by code point. A PostgreSQL database is often made with a language's
collation (here ICU's en-US, which puts "banana" beside "Banana" and "Äpfel" beside
"apple"); migration 0010 gives ``claim.statement`` the "C" collation so that a team
library lists its claims in the same order as a file, and a copy between them keeps it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from curator_tui.db import open_library, session_scope
from curator_tui.services.claims import create_claim, list_claims
from pg_server import PgServer

STATEMENTS = [
    "zebra crossings slow drivers",
    "Zebra finches learn songs",
    "apple intake and satiety",
    "Äpfel und Sättigung",
    "banana ripeness",
    "Banana ripeness again",
    "éclairs and insulin",
    "eclairs and glucose",
    "10 weeks of training",
    "[bold] claims are text",
]


def listed(engine: Engine) -> tuple[list[str], list[str]]:
    """All claims sorted by statement, and a filter's page of matches sorted the same way."""
    with session_scope(engine) as session:
        for statement in STATEMENTS:
            create_claim(session, statement)
    with session_scope(engine) as session:
        every = list_claims(session, sort="statement")
        page = list_claims(session, "a", sort="statement", limit=100)
    return [row.statement for row in every], [row.statement for row in page]


def on_sqlite(folder: Path) -> tuple[list[str], list[str]]:
    engine = open_library(folder / "lib.db")
    try:
        return listed(engine)
    finally:
        engine.dispose()


def test_sqlite_sorts_by_code_point(tmp_path: Path) -> None:
    every, page = on_sqlite(tmp_path)
    assert every == sorted(STATEMENTS)
    assert page == sorted(page) and len(page) > 2


@pytest.mark.postgresql
def test_a_server_with_a_language_collation_sorts_as_sqlite(
    pg_server: PgServer, tmp_path: Path
) -> None:
    name = pg_server.new_database()
    pg_server.execute(f"DROP DATABASE {name}")
    pg_server.execute(
        f"CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"
        " LOCALE 'C.utf8'"
    )
    engine = open_library(pg_server.url(name))
    try:
        with engine.connect() as connection:
            # The database's own order is a language's: the test would pass on a C database.
            language = connection.execute(
                text("SELECT s FROM unnest(CAST(:s AS text[])) AS s ORDER BY s"),
                {"s": STATEMENTS},
            ).scalars()
            assert list(language) != sorted(STATEMENTS)
        assert listed(engine) == on_sqlite(tmp_path)
    finally:
        engine.dispose()
        pg_server.drop_database(name)
