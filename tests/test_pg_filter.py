"""PostgreSQL's filter at scale: a claim's long texts kept out of its row (migration 0013), the
count through the indexes, and each keystroke's query planned for the words typed."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, text
from sqlmodel import col, select

from curator_tui.db import open_library, session_scope
from curator_tui.generate import populate
from curator_tui.models import Claim
from curator_tui.services.claims import count_claims, list_claims
from curator_tui.services.search import LikeSearch

pytestmark = pytest.mark.postgresql


def _pages(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("ANALYZE claim"))
            return int(
                connection.execute(
                    text("SELECT relpages FROM pg_class WHERE relname = 'claim'")
                ).scalar_one()
            )
    finally:
        engine.dispose()


def test_an_upgraded_library_gets_narrow_claim_rows(database: str) -> None:
    engine = open_library(database)
    populate(engine, 400, seed=3)
    engine.dispose()
    narrow = _pages(database)
    # The library as 0012 left it: the rows as wide as PostgreSQL's default makes them.
    plain = create_engine(database, isolation_level="AUTOCOMMIT")
    with plain.connect() as connection:
        connection.execute(text("ALTER TABLE claim RESET (toast_tuple_target)"))
        connection.execute(text("ALTER TABLE claim ALTER COLUMN statement SET STORAGE EXTENDED"))
        connection.execute(text("VACUUM FULL claim"))
        # And without what later revisions add (0014's column), which the upgrade adds again.
        connection.execute(text("ALTER TABLE claim_fingerprint_stale DROP COLUMN changes"))
        connection.execute(text("UPDATE alembic_version SET version_num = '0012'"))
    plain.dispose()
    wide = _pages(database)
    assert 2 * wide > 3 * narrow, (wide, narrow)

    open_library(database).dispose()  # upgrades to 0013 (and on)

    # As narrow as a library made at 0013 (narrower: the rewrite leaves no dead rows).
    assert _pages(database) <= narrow
    plain = create_engine(database)
    with plain.connect() as connection:
        options = connection.execute(
            text("SELECT reloptions FROM pg_class WHERE relname = 'claim'")
        ).scalar_one()
    plain.dispose()
    assert "toast_tuple_target=128" in options
    # The statement stays in the row: the list sorts by it.
    assert statement_storage(database) == "m"


def statement_storage(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return str(
                connection.execute(
                    text(
                        "SELECT attstorage FROM pg_attribute"
                        " WHERE attrelid = 'claim'::regclass AND attname = 'statement'"
                    )
                ).scalar_one()
            )
    finally:
        engine.dispose()


def test_the_count_is_the_rules_and_leaves_sequential_scans_on(database: str) -> None:
    engine = open_library(database)
    populate(engine, 300, seed=5)
    with session_scope(engine) as session:
        for words in ("c", "cr", "cre", "c sl", "insulin r"):
            counted = count_claims(session, words)
            assert counted > 0, words
            # The same rule by LIKE over the stored words: any database's way.
            like = LikeSearch(session).restrict(select(func.count(col(Claim.id))), words)
            assert counted == session.exec(like).one(), words
            shown = session.connection().execute(text("SHOW enable_seqscan")).scalar_one()
            assert shown == "on", words
    engine.dispose()


def test_a_filter_run_many_times_is_planned_for_its_words_each_time(database: str) -> None:
    # psycopg prepares a query after five runs, and the server would then plan it once for
    # any words: the same connection typing many keystrokes got plans made for no word.
    engine = open_library(database)
    populate(engine, 300, seed=7)
    with session_scope(engine) as session:
        for _ in range(4):
            for words in ("c", "cr", "older", "o", "insulin"):
                counted = count_claims(session, words)
                list_claims(session, words, "statement", 0, 50, matches=counted, found_in=False)
        plans = session.connection().execute(
            # A query without parameters has one plan anyway.
            text(
                "SELECT sum(custom_plans), sum(generic_plans) FROM pg_prepared_statements"
                " WHERE cardinality(parameter_types) > 0"
            )
        )
        custom, generic = plans.one()
    engine.dispose()
    assert custom > 0  # the queries were prepared: what this test is about happened
    assert generic == 0
