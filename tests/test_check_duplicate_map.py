"""The library check's stored duplicate map and pair verdicts (migration 0012) never go stale.

A whole-library check stores each compared pair's verdict and the library's duplicate map;
the next one reads them while no claim was queued or deleted since. Each test changes the
library in one way (an edit through the services, plain SQL, a delete, a change between a
check's reads and its store) and asserts the next check reports exactly what a check
without anything stored reports. On both backends (``any_library``).
"""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from curator_tui.db import open_library, session_scope
from curator_tui.services import curation_check, edits
from curator_tui.services.cards import create_from_card
from pg_server import PgServer
from test_check import CLEAN, stored_check

Found = list[tuple[int, str, str]]

SLEEP = "Sleep restriction lowers maximal strength in trained adults"
NEAR = "Sleep restriction lowers maximal strength in trained adult men"
CAFFEINE = "Caffeine improves endurance in trained cyclists"


def _add(engine: Engine, statement: str) -> int:
    with session_scope(engine) as session:
        return create_from_card(session, replace(CLEAN, statement=statement))


def _stored_check(engine: Engine) -> Found:
    """The duplicate problems of a library check as `curator check` runs it."""
    return [(p.claim, p.code, p.message) for p in stored_check(engine) if "duplicate" in p.code]


def _afresh(engine: Engine) -> Found:
    """The duplicates found with nothing stored: every candidate pair compared now."""
    with session_scope(engine) as session:
        found = curation_check.library_duplicates(session)
    return [
        (claim_id, "near-duplicate-statement" if not d.exact else "duplicate-statement", msg)
        for claim_id, d in sorted(found.items())
        for msg in [d.problem(claim_id).message]
    ]


def _valid_map(engine: Engine) -> bool:
    with engine.connect() as connection:
        return bool(
            connection.execute(
                text("SELECT count(*) FROM claim_duplicate_state WHERE valid")
            ).scalar()
        )


def _pairs_of(engine: Engine, claim_id: int) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                text("SELECT count(*) FROM claim_pair WHERE low_id = :c OR high_id = :c"),
                {"c": claim_id},
            ).scalar_one()
        )


def _checked_twice(engine: Engine) -> Found:
    """Checked once (storing), then again from what was stored: both as found afresh."""
    first = _stored_check(engine)
    assert _valid_map(engine)
    second = _stored_check(engine)
    assert first == second == _afresh(engine)
    return first


def test_an_edit_makes_a_duplicate_appear_and_disappear(any_library: Engine) -> None:
    first = _add(any_library, SLEEP)
    second = _add(any_library, CAFFEINE)
    _add(any_library, "Creatine improves sprint performance in young adults")
    assert _checked_twice(any_library) == []
    with session_scope(any_library) as session:
        edits.apply(session, edits.EditClaim(second, statement=SLEEP.upper()))
    assert not _valid_map(any_library)  # the edit queued the claim: the map is not vouched for
    assert _checked_twice(any_library) == [
        (first, "duplicate-statement", f"the same statement as claim {second}"),
        (second, "duplicate-statement", f"the same statement as claim {first}"),
    ]
    # A near duplicate instead: the pair's stored verdict (the same) went with the edit.
    with session_scope(any_library) as session:
        edits.apply(session, edits.EditClaim(second, statement=NEAR))
    found = _checked_twice(any_library)
    assert [(c, code) for c, code, _ in found] == [
        (first, "near-duplicate-statement"),
        (second, "near-duplicate-statement"),
    ]
    # And different again.
    with session_scope(any_library) as session:
        edits.apply(session, edits.EditClaim(second, statement=CAFFEINE))
    assert _checked_twice(any_library) == []


def test_plain_sql_edits_are_seen(any_library: Engine) -> None:
    first = _add(any_library, SLEEP)
    second = _add(any_library, CAFFEINE)
    assert _checked_twice(any_library) == []
    with any_library.begin() as connection:
        connection.execute(
            text("UPDATE claim SET statement = :s WHERE id = :id"), {"s": SLEEP, "id": second}
        )
    assert [p[:2] for p in _checked_twice(any_library)] == [
        (first, "duplicate-statement"),
        (second, "duplicate-statement"),
    ]
    assert _pairs_of(any_library, second) == 1
    with any_library.begin() as connection:
        connection.execute(
            text("UPDATE claim SET statement = :s WHERE id = :id"), {"s": CAFFEINE, "id": second}
        )
    # Keying the queue drops the claim's stored verdicts.
    with session_scope(any_library) as session:
        curation_check.prepare(session, writable=True)
    assert _pairs_of(any_library, second) == 0
    assert _checked_twice(any_library) == []


def test_a_deleted_claim_is_nobodys_duplicate(any_library: Engine) -> None:
    first = _add(any_library, SLEEP)
    second = _add(any_library, SLEEP + "!")
    third = _add(any_library, NEAR)
    found = _checked_twice(any_library)
    assert (first, "duplicate-statement", f"the same statement as claim {second}") in found
    with session_scope(any_library) as session:
        edits.apply(session, edits.DeleteClaim(second))
    assert not _valid_map(any_library)
    found = _checked_twice(any_library)
    assert [(c, code) for c, code, _ in found] == [
        (first, "near-duplicate-statement"),
        (third, "near-duplicate-statement"),
    ]
    # Plain SQL deletes too (the children go by their ON DELETE CASCADE).
    with any_library.begin() as connection:
        connection.execute(text("DELETE FROM claim WHERE id = :id"), {"id": third})
    assert not _valid_map(any_library)
    assert _checked_twice(any_library) == []


def test_the_stored_map_is_read_and_any_change_retires_it(any_library: Engine) -> None:
    first = _add(any_library, SLEEP)
    other = _add(any_library, CAFFEINE)
    assert _checked_twice(any_library) == []
    # Proof that a warm check reads the map: a row put there by hand is reported...
    with any_library.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO claim_duplicate (claim_id, other, exact, similarity)"
                " VALUES (:c, :o, :e, 1.0)"
            ),
            {"c": first, "o": other, "e": True},
        )
    assert _stored_check(any_library) == [
        (first, "duplicate-statement", f"the same statement as claim {other}")
    ]
    # ... until anything a map is made of changes: here a claim added, unrelated.
    _add(any_library, "Creatine improves sprint performance in young adults")
    assert _checked_twice(any_library) == []


def test_a_change_between_the_reads_and_the_store_is_not_stored(any_library: Engine) -> None:
    first = _add(any_library, SLEEP)
    second = _add(any_library, CAFFEINE)
    with session_scope(any_library) as session:
        curation_check.prepare(session, writable=True)
    results: list[dict[str, object]] = []
    with session_scope(any_library) as session:
        assert not [
            p for p in curation_check.check_library(session, results=results) if "dup" in p.code
        ]
    # Another curator makes the two the same before this check stores what it found.
    with session_scope(any_library) as session:
        edits.apply(session, edits.EditClaim(second, statement=SLEEP))
    with session_scope(any_library) as session:
        curation_check.store_results(session, results)  # type: ignore[arg-type]
    assert not _valid_map(any_library)
    assert [p[:2] for p in _checked_twice(any_library)] == [
        (first, "duplicate-statement"),
        (second, "duplicate-statement"),
    ]


@pytest.mark.postgresql
def test_a_truncate_retires_the_map(pg_server: PgServer) -> None:
    name = pg_server.new_database()
    engine = open_library(pg_server.url(name))
    try:
        _add(engine, SLEEP)
        _add(engine, SLEEP)
        assert len(_checked_twice(engine)) == 2
        with engine.begin() as connection:
            connection.execute(text("TRUNCATE claim CASCADE"))
        assert not _valid_map(engine)
        assert _stored_check(engine) == []
    finally:
        engine.dispose()
        pg_server.drop_database(name)


@pytest.mark.postgresql
def test_no_token_while_an_edit_is_under_way(pg_server: PgServer) -> None:
    """An edit whose trigger ran before the token existed cannot leave it standing."""
    name = pg_server.new_database()
    engine = open_library(pg_server.url(name))
    try:
        first = _add(engine, SLEEP)
        second = _add(engine, CAFFEINE)
        assert _checked_twice(engine) == []
        _add(engine, CAFFEINE + " in the heat")  # no token left standing
        editing = Session(engine)
        edits.apply(editing, edits.EditClaim(second, statement=SLEEP))  # not committed yet
        finished = threading.Event()

        def library_check() -> None:
            with session_scope(engine) as session:
                curation_check.prepare(session, writable=True)
            finished.set()

        worker = threading.Thread(target=library_check, daemon=True)
        worker.start()
        try:
            # The check does not wait for the edit, and adds no token meanwhile.
            assert finished.wait(30), "the library check waited for an edit under way"
            with engine.connect() as connection:
                tokens = connection.execute(
                    text("SELECT count(*) FROM claim_duplicate_state")
                ).scalar()
            assert tokens == 0
        finally:
            editing.commit()
            editing.close()
            worker.join(60)
        assert [p[:2] for p in _checked_twice(engine)] == [
            (first, "duplicate-statement"),
            (second, "duplicate-statement"),
        ]
    finally:
        engine.dispose()
        pg_server.drop_database(name)


def test_checks_without_a_change_share_one_token(any_library: Engine) -> None:
    first = _add(any_library, SLEEP)
    second = _add(any_library, SLEEP)
    for _ in range(3):  # `curator check ID` prepares too, and stores no map
        with session_scope(any_library) as session:
            curation_check.prepare(session, writable=True)
    assert len(_checked_twice(any_library)) == 2
    with any_library.connect() as connection:
        tokens = connection.execute(text("SELECT count(*) FROM claim_duplicate_state")).scalar()
    assert tokens == 1
    with session_scope(any_library) as session:
        found = curation_check.check_claims(session, [first])
    assert [(p.claim, p.message) for p in found] == [
        (first, f"the same statement as claim {second}")
    ]


def test_a_queued_claim_changed_again_retires_the_map(any_library: Engine) -> None:
    first = _add(any_library, SLEEP)
    _add(any_library, CAFFEINE)
    assert _checked_twice(any_library) == []
    with any_library.begin() as connection:
        connection.execute(
            text("UPDATE claim SET statement = :s WHERE id = :id"), {"s": NEAR, "id": first}
        )
        # A token added by hand while the claim is queued (a check never adds one then).
        connection.execute(
            text("INSERT INTO claim_duplicate_state (token, valid) VALUES ('t', :v)"), {"v": True}
        )
    # Changed again while queued: the trigger counts the change (migration 0014), and the
    # token goes as when a claim is first queued.
    with any_library.begin() as connection:
        connection.execute(
            text("UPDATE claim SET statement = :s WHERE id = :id"), {"s": CAFFEINE, "id": first}
        )
        changes = connection.execute(
            text("SELECT changes FROM claim_fingerprint_stale WHERE claim_id = :id"),
            {"id": first},
        ).scalar_one()
    assert changes == 1
    assert not _valid_map(any_library)
    assert [p[:2] for p in _checked_twice(any_library)][:1] == [(first, "duplicate-statement")]
