"""A statement changed while the check keys the duplicate index is keyed again (issue 13).

The keyer (``curation_check.key_queue``) takes queued claims off ``claim_fingerprint_stale``
and stores the keys of the statements it read. On PostgreSQL another session could change a
queued claim's statement while it ran: that session's trigger found the claim queued and did
nothing, the keyer read the old statement (the change not yet committed), stored its keys and
took the claim off the queue. The claim then had keys for a statement it no longer had, and
the check missed its duplicates until the statement changed again.

Each case here runs the keyer (session A) and one statement change (session B: an UPDATE, then
its COMMIT) interleaved at a chosen pair of A's statements, deterministically: A stops before
each of its statements, B runs (in a thread, as it may wait for A's locks) until it is done or
waits for a lock. After both: the claim is still queued, or keyed for its new statement; and
the check, run again, finds the duplicate the new statement makes. SQLite takes one writer at
a time: there B's change is one transaction, run between two of A's statements when SQLite
lets it in, after A's commit otherwise.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from alembic import command
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from curator_tui.cards.problems import fingerprint
from curator_tui.db import make_engine, open_library, session_scope
from curator_tui.migrate import alembic_config, current_revision, head_revision
from curator_tui.services import curation_check
from curator_tui.services.cards import create_from_card
from curator_tui.services.claims import create_claim
from test_check import CLEAN

OLD = "Caffeine improves endurance in trained cyclists"
NEW = "Sleep restriction lowers maximal strength in trained adults"


def _setup(engine: Engine) -> tuple[int, int]:
    """Claim X (to be changed) and claim Y (whose statement X's change duplicates), keyed."""
    with session_scope(engine) as session:
        x = create_from_card(session, replace(CLEAN, statement=OLD))
        y = create_from_card(session, replace(CLEAN, statement=NEW))
    with session_scope(engine) as session:
        curation_check.prepare(session, writable=True)
    return x, y


def _queue_with_old_statement(engine: Engine, x: int) -> None:
    """X back to OLD, committed and queued (what the keyer then takes)."""
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE claim SET statement = :s WHERE id = :x"), {"s": NEW, "x": x}
        )
    with session_scope(engine) as session:
        curation_check.prepare(session, writable=True)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE claim SET statement = :s WHERE id = :x"), {"s": OLD, "x": x}
        )
        queued = connection.execute(text("SELECT claim_id FROM claim_fingerprint_stale")).all()
    assert [row[0] for row in queued] == [x]


def _keyer(engine: Engine, before_each: Callable[[int], None]) -> int:
    """Session A: key the queue and commit, calling ``before_each(n)`` before its nth statement."""
    count = 0

    def hook(*_args: Any) -> None:
        nonlocal count
        before_each(count)
        count += 1

    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # A keyer that waited for B (which may wait for A's next statement) fails, not hangs.
            connection.exec_driver_sql("SET lock_timeout = '10s'")
            connection.commit()
        event.listen(connection, "before_cursor_execute", hook)
        session = Session(bind=connection)
        curation_check.key_queue(session)
        session.commit()
        session.close()
        event.remove(connection, "before_cursor_execute", hook)
    return count


def _outcome(engine: Engine, x: int, y: int) -> None:
    """X is queued or keyed for NEW; and a check after keying finds X and Y the same."""
    with engine.connect() as connection:
        statement = connection.execute(
            text("SELECT statement FROM claim WHERE id = :x"), {"x": x}
        ).scalar_one()
        queued = connection.execute(
            text("SELECT count(*) FROM claim_fingerprint_stale WHERE claim_id = :x"), {"x": x}
        ).scalar_one()
        keys = set(
            connection.execute(
                text("SELECT key FROM claim_fingerprint WHERE claim_id = :x"), {"x": x}
            ).scalars()
        )
    assert statement == NEW
    assert queued or keys == set(fingerprint(NEW)), "X keyed for a statement it no longer has"
    with session_scope(engine) as session:
        curation_check.prepare(session, writable=True)
    with session_scope(engine) as session:
        found = {
            (p.claim, p.code)
            for p in curation_check.check_library(session)
            if p.code == "duplicate-statement"
        }
        by_id = {
            (p.claim, p.code)
            for p in curation_check.check_claims(session, [x, y])
            if p.code == "duplicate-statement"
        }
    assert found == by_id == {(x, "duplicate-statement"), (y, "duplicate-statement")}


# --- PostgreSQL: B's UPDATE and its COMMIT at any two points of A's keying -------------------


class _SessionB:
    """Session B in a thread: runs each step it is given; the caller waits until it is done
    or waits for a lock (seen in pg_stat_activity)."""

    def __init__(self, engine: Engine, x: int) -> None:
        self._engine = engine
        self._x = x
        self._steps: queue.Queue[str] = queue.Queue()
        self._done: queue.Queue[str] = queue.Queue()
        self._pid: queue.Queue[int] = queue.Queue()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self.pid = self._pid.get(timeout=30)
        self.finished: list[str] = []
        self.error: BaseException | None = None

    def _run(self) -> None:
        try:
            with self._engine.connect() as connection:
                self._pid.put(
                    int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
                )
                connection.commit()
                for step in iter(self._steps.get, "stop"):
                    if step == "update":
                        connection.execute(
                            text("UPDATE claim SET statement = :s WHERE id = :x"),
                            {"s": NEW, "x": self._x},
                        )
                    else:
                        connection.commit()
                    self._done.put(step)
        except BaseException as exc:  # reported by the test
            self.error = exc
            self._done.put("error")

    def run(self, step: str, monitor: Connection) -> None:
        """Give B ``step``; return once B did it or waits for a lock."""
        self._steps.put(step)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            self._collect()
            if step in self.finished or self.error is not None:
                return
            waiting = monitor.execute(
                text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                {"pid": self.pid},
            ).scalar()
            if waiting == "Lock":
                return
            time.sleep(0.005)
        raise AssertionError(f"session B neither did {step!r} nor waited for a lock")

    def _collect(self) -> None:
        while True:
            try:
                self.finished.append(self._done.get_nowait())
            except queue.Empty:
                return

    def close(self) -> None:
        self._steps.put("stop")
        self._thread.join(30)
        self._collect()
        assert not self._thread.is_alive(), "session B still waits after A committed"
        assert self.error is None, self.error
        assert self.finished[:2] == ["update", "commit"]


@pytest.mark.postgresql
def test_a_statement_changed_while_the_queue_is_keyed_is_keyed_again(libraries: Any) -> None:
    with libraries.open("postgresql") as engine:
        x, y = _setup(engine)
        _queue_with_old_statement(engine, x)
        # How many statements A runs (the points B's steps go between).
        statements = _keyer(engine, lambda n: None)
        assert statements >= 4
        cases = [
            (update, commit)
            for update in range(statements + 1)
            for commit in range(update, statements + 1)
        ]
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as monitor:
            for update, commit in cases:
                _queue_with_old_statement(engine, x)
                b = _SessionB(engine, x)

                def before(
                    n: int, b: _SessionB = b, update: int = update, commit: int = commit
                ) -> None:
                    if n == update:
                        b.run("update", monitor)
                    if n == commit:
                        b.run("commit", monitor)

                ran = _keyer(engine, before)
                # Steps placed after A's last statement: after A committed.
                if update >= ran:
                    b.run("update", monitor)
                if commit >= ran:
                    b.run("commit", monitor)
                b.close()
                try:
                    _outcome(engine, x, y)
                except AssertionError as exc:
                    raise AssertionError(
                        f"B's update before A's statement {update}, "
                        f"its commit before {commit} (of {ran}): {exc}"
                    ) from exc


# --- SQLite: B's change (one transaction) at any point of A's keying -------------------------


def test_on_sqlite_a_statement_changed_at_any_point_of_the_keying_is_keyed(tmp_path: Any) -> None:
    path = tmp_path / "library.db"
    engine = open_library(str(path))
    try:
        x, y = _setup(engine)
        _queue_with_old_statement(engine, x)
        statements = _keyer(engine, lambda n: None)
        for point in range(statements + 1):
            _queue_with_old_statement(engine, x)
            changed = False

            def before(n: int, point: int = point) -> None:
                nonlocal changed
                if n != point:
                    return
                # B does not wait: SQLite lets it in now, or it changes after A's commit.
                b = sqlite3.connect(path, timeout=0, isolation_level=None)
                try:
                    b.execute("BEGIN IMMEDIATE")
                    b.execute("UPDATE claim SET statement = ? WHERE id = ?", (NEW, x))
                    b.execute("COMMIT")
                    changed = True
                except sqlite3.OperationalError as exc:
                    assert "locked" in str(exc)
                finally:
                    b.close()

            _keyer(engine, before)
            if not changed:
                with engine.begin() as connection:
                    connection.execute(
                        text("UPDATE claim SET statement = :s WHERE id = :x"), {"s": NEW, "x": x}
                    )
            _outcome(engine, x, y)
    finally:
        engine.dispose()


# --- the migration --------------------------------------------------------------------------


def _queue(engine: Engine) -> dict[int, int | None]:
    """The queued claims, each with its change count (None before migration 0014)."""
    with engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("claim_fingerprint_stale")}
        counted = "changes" if "changes" in columns else "NULL"
        rows = connection.execute(text(f"SELECT claim_id, {counted} FROM claim_fingerprint_stale"))
        return {claim_id: changes for claim_id, changes in rows}


def _migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    with engine.connect() as connection:
        (command.downgrade if down else command.upgrade)(alembic_config(connection), revision)
        connection.commit()


def _restate(engine: Engine, claim_id: int, statement: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE claim SET statement = :s WHERE id = :id"), {"s": statement, "id": claim_id}
        )


def test_migration_0014_counts_changes_and_can_go_back(new_target: Callable[..., str]) -> None:
    target = new_target()
    engine = make_engine(target)
    try:
        _migrate(engine, "0013")
        with session_scope(engine) as session:
            claim_id = create_claim(session, OLD)
        assert _queue(engine) == {claim_id: None}
        _migrate(engine, "head")
        assert current_revision(engine) == head_revision()
        assert _queue(engine) == {claim_id: 0}  # queued before: counted from nothing
        _restate(engine, claim_id, NEW)
        _restate(engine, claim_id, NEW)  # the same statement: not a change
        _restate(engine, claim_id, OLD)
        assert _queue(engine) == {claim_id: 2}
        with session_scope(engine) as session:
            curation_check.prepare(session, writable=True)
        assert _queue(engine) == {}
        with session_scope(engine) as session:
            added = create_claim(session, NEW)
        assert _queue(engine) == {added: 0}
        # Back to 0013: 0008's triggers (a change of a queued claim does nothing), no count.
        _migrate(engine, "0013", down=True)
        _restate(engine, added, OLD)
        assert _queue(engine) == {added: None}
        _migrate(engine, "head")
        _restate(engine, added, NEW)
        assert _queue(engine) == {added: 1}
    finally:
        engine.dispose()
