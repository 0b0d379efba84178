"""Schema versions on PostgreSQL: made from empty and upgraded in one transaction.

PostgreSQL's DDL is transactional, so the whole upgrade (every migration, with its
backfills) commits at once or not at all: a kill or an error at any point leaves the
old schema with every row. A schema newer than this version knows is refused.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine

from curator_tui.db import LibraryError, open_library, session_scope
from curator_tui.migrate import KILL_AT_ENV, alembic_config, current_revision, head_revision
from curator_tui.services.cards import iter_cards
from curator_tui.services.claims import list_claims

from .helpers import one_clean_error
from .test_migrations import ROWS, SEED_SQL

pytestmark = pytest.mark.postgresql


def plain_engine(url: str) -> Engine:
    return create_engine(url)


def make_first_revision_library(url: str) -> None:
    """A PostgreSQL library exactly as the first revision left it, with rows in every table."""
    engine = plain_engine(url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0001")
        for statement in SEED_SQL.split(";"):
            if statement.strip():
                connection.exec_driver_sql(statement)
    engine.dispose()


def state(url: str) -> tuple[str | None, set[str], dict[str, list[tuple[Any, ...]]]]:
    """The revision, the tables and every row of the baseline tables."""
    engine = plain_engine(url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            rows = {
                table: [
                    tuple(row)
                    for row in connection.exec_driver_sql(f"SELECT * FROM {table} ORDER BY id")
                ]
                for table in ROWS
            }
        return current_revision(engine), tables, rows
    finally:
        engine.dispose()


def open_in_child(url: str, kill_at: str) -> tuple[int, str]:
    """Open (create or upgrade) the library in a forked child with the kill hook set."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 1
        try:
            os.close(read)
            os.dup2(write, 2)
            sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
            os.environ[KILL_AT_ENV] = kill_at
            open_library(url).dispose()
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, encoding="utf-8", errors="replace") as stream:
        err = stream.read()
    _, status = os.waitpid(pid, 0)
    ended = os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    return ended, err


def test_a_library_is_made_from_an_empty_database(database: str) -> None:
    engine = open_library(database)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            triggers = {
                name
                for (name,) in connection.exec_driver_sql(
                    "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
                )
            }
        assert set(ROWS) | {"library_meta", "claim_revision", "alembic_version"} <= tables
        assert "claim_fts" not in tables  # SQLite's FTS5 index only
        # Migration 0003's cache triggers, as PL/pgSQL.
        assert {"claim_markdown_stale", "mechanismstep_markdown_stale"} <= triggers
    finally:
        engine.dispose()


def test_a_change_made_in_plain_sql_clears_the_stored_rendering(database: str) -> None:
    """The cache triggers work on PostgreSQL: an export never shows a stale rendering."""
    from curator_tui.cards.model import Card, Mechanism
    from curator_tui.services.cards import create_from_card
    from curator_tui.services.rendered import iter_markdown

    card = Card(statement="Creatine helps", mechanisms=(Mechanism("More ATP", ("A step",)),))
    engine = open_library(database)
    try:
        with session_scope(engine) as session:
            claim = create_from_card(session, card)
        with engine.begin() as connection:
            stored = connection.execute(
                text("SELECT markdown FROM claim WHERE id = :id"), {"id": claim}
            ).scalar()
            assert stored is not None and "Plain SQL" not in stored  # made by the import
            connection.execute(text("UPDATE mechanismstep SET text = 'Plain SQL step'"))
        with engine.connect() as connection:
            assert (
                connection.execute(
                    text("SELECT markdown FROM claim WHERE id = :id"), {"id": claim}
                ).scalar()
                is None
            )
        with session_scope(engine) as session:
            [(_, _, export)] = list(iter_markdown(session))
        assert "Plain SQL step" in export
    finally:
        engine.dispose()


def test_the_first_revision_upgrades_to_head_with_every_row_intact(database: str) -> None:
    make_first_revision_library(database)
    revision, _, before = state(database)
    assert revision == "0001" and len(before["mechanismstep"]) == 4
    engine = open_library(database)
    try:
        assert current_revision(engine) == head_revision() != "0001"
        with session_scope(engine) as session:
            cards = dict(iter_cards(session))
            assert [r.id for r in list_claims(session, search="creatine")] == [1]
        assert cards[1].mechanisms[0].steps == ("Step one 10.1000/abc", "Step two")
        assert [s.doi for s in cards[2].studies] == ["10.1000/abc"]
    finally:
        engine.dispose()
    after = state(database)[2]
    # The same rows, with new columns (added at the end) beside the old ones.
    assert {t: [row[: len(before[t][0])] for row in rows] for t, rows in after.items()} == before


def test_a_kill_anywhere_in_the_upgrade_leaves_the_old_schema_with_every_row(
    database: str,
) -> None:
    make_first_revision_library(database)
    before = state(database)
    # How many statements the upgrade runs, counted on a copy of the database.
    total, probe_err = _count(database)
    assert total > 10, probe_err
    for kill_at in sorted({2, total // 3, total // 2, total - 1, total}):
        ended, err = open_in_child(database, str(kill_at))
        assert ended == signal.SIGKILL, (kill_at, err)
        assert state(database) == before, kill_at
    # Nothing was half done: the next open upgrades it whole.
    engine = open_library(database)
    engine.dispose()
    revision, tables, rows = state(database)
    assert revision == head_revision() and "claim_revision" in tables
    old = before[2]
    assert {t: [row[: len(old[t][0])] for row in r] for t, r in rows.items()} == old


def _count(database: str) -> tuple[int, str]:
    """The upgrade's statement count, from a copy of ``database`` upgraded by a child."""
    from sqlalchemy.engine import make_url

    url = make_url(database)
    copy = f"{url.database}_count"
    admin = plain_engine(url.set(database="postgres").render_as_string(hide_password=False))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {copy} TEMPLATE {url.database}")
        ended, err = open_in_child(
            url.set(database=copy).render_as_string(hide_password=False), "1000000"
        )
        assert ended == 0, err
        line = next(line for line in err.splitlines() if "migration statements" in line)
        return int(line.rsplit(":", 1)[1]), err
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {copy} WITH (FORCE)")
        admin.dispose()


def test_an_error_in_the_middle_of_the_upgrade_rolls_all_of_it_back(database: str) -> None:
    make_first_revision_library(database)
    # Migration 0003 creates library_meta: a table already there makes it fail, after
    # 0002 has added its checks. None of it may stay.
    engine = plain_engine(database)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE library_meta (squatter integer)")
    engine.dispose()
    before = state(database)
    with pytest.raises(LibraryError, match="library_meta"):
        open_library(database)
    assert state(database) == before
    engine = plain_engine(database)
    try:
        with engine.connect() as connection:
            checks = inspect(connection).get_check_constraints("claim")
        assert checks == []  # 0002's check went with the rest
    finally:
        engine.dispose()


def test_a_library_from_a_newer_version_is_refused(database: str, run_cli: Any) -> None:
    open_library(database).dispose()
    engine = plain_engine(database)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(LibraryError, match="newer curator-tui"):
        open_library(database)
    line = one_clean_error(run_cli("list", db=database))
    assert "newer curator-tui" in line
    assert state(database)[0] == "9999"
