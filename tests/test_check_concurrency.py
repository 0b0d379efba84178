"""Two sessions keying the check's duplicate index at once (PostgreSQL): one waits or skips.

A freshly copied team library has every claim queued; an app opening it runs several
checks in workers, each keying part of the queue. Two of them took the same claims and
stored their keys twice: a unique violation that failed the app's worker at start.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from curator_tui.db import open_library, session_scope
from curator_tui.services import curation_check
from curator_tui.services.claims import create_claim
from pg_server import PgServer


@pytest.mark.postgresql
def test_an_apps_keying_skips_while_another_session_keys(pg_server: PgServer) -> None:
    name = pg_server.new_database()
    engine = open_library(pg_server.url(name))
    try:
        keying_at_once(engine)
    finally:
        engine.dispose()
        pg_server.drop_database(name)


def keying_at_once(engine: Engine) -> None:
    with session_scope(engine) as session:
        for n in range(30):
            create_claim(session, f"Claim number {n} about sleep and strength in adults")
    with engine.connect() as connection:
        queued = connection.execute(text("SELECT count(*) FROM claim_fingerprint_stale")).scalar()
    assert queued == 30

    first = Session(engine)
    # As `curator check` keys every claim before it commits them (its prepare).
    assert curation_check.key_queue(first)  # not committed yet
    finished = threading.Event()

    def app_check() -> None:
        with session_scope(engine) as session:
            curation_check.prepare(session, writable=True, budget=10)
        finished.set()

    worker = threading.Thread(target=app_check, daemon=True)
    worker.start()
    try:
        # Without the lock it would wait on the first session's rows until that ends.
        assert finished.wait(60), "the app's check waited for the other session"
    finally:
        first.commit()
        first.close()
        worker.join(60)
    with engine.connect() as connection:
        left = connection.execute(text("SELECT count(*) FROM claim_fingerprint_stale")).scalar()
        twice = connection.execute(
            text(
                "SELECT count(*) FROM (SELECT claim_id, key FROM claim_fingerprint"
                " GROUP BY claim_id, key HAVING count(*) > 1) AS d"
            )
        ).scalar()
    assert (left, twice) == (0, 0)
