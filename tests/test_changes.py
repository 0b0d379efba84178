"""What the app's live updates hear: commits by other programs, and nothing else.

On SQLite the watcher reads ``PRAGMA data_version``; on PostgreSQL it LISTENs for the
NOTIFY that every writing transaction sends as it commits (services/changes.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from curator_tui.db import open_library, session_scope
from curator_tui.services import edits
from curator_tui.services.changes import ChangeWatcher
from curator_tui.services.claims import list_claims

# Long enough for a notification to arrive on a loaded machine; a passing test that
# expects one returns as soon as it arrives. Only "nothing came" waits it out.
WAIT = 5.0


def other_program(library: Engine) -> Engine:
    """Another program on the same library: its own engine, its own connections."""
    url = library.url.render_as_string(hide_password=False)
    return open_library(url.removeprefix("sqlite:///"))


def heard(watcher: ChangeWatcher, timeout: float) -> bool:
    """Did the watcher hear a commit within ``timeout``? (SQLite answers at once.)"""
    return watcher.wait(timeout)


@pytest.fixture
def watched(any_library: Engine) -> tuple[Engine, ChangeWatcher]:
    with session_scope(any_library) as session:
        edits.apply(session, edits.CreateClaim("A claim", "Its synthesis"))
    watcher = ChangeWatcher(any_library)
    assert not heard(watcher, 0.1)  # connects; nothing new yet
    yield any_library, watcher
    watcher.close()


def test_a_commit_elsewhere_is_heard_once(watched: tuple[Engine, ChangeWatcher]) -> None:
    library, watcher = watched
    other = other_program(library)
    try:
        with session_scope(other) as session:
            edits.apply(session, edits.EditClaim(1, synthesis="Changed by someone else"))
        assert heard(watcher, WAIT)
        assert not heard(watcher, 0.2)
    finally:
        other.dispose()


def test_reads_and_rollbacks_are_not_changes(watched: tuple[Engine, ChangeWatcher]) -> None:
    library, watcher = watched
    other = other_program(library)
    try:
        with session_scope(other) as session:
            assert list_claims(session)
        with pytest.raises(RuntimeError), session_scope(other) as session:
            edits.apply(session, edits.EditClaim(1, synthesis="Never saved"))
            raise RuntimeError("the save fails after the write")
        assert not heard(watcher, 1.0)
        # A plain-SQL write (a script) is heard too.
        with other.begin() as connection:
            connection.execute(text("UPDATE claim SET synthesis = 'By a script' WHERE id = 1"))
        assert heard(watcher, WAIT)
    finally:
        other.dispose()


def test_the_watcher_connects_again_after_an_error(tmp_path: Path) -> None:
    library = open_library(tmp_path / "lib.db")
    watcher = ChangeWatcher(library)
    assert not watcher.wait(0)
    watcher._raw.driver_connection.close()  # the connection is gone under it
    with pytest.raises(Exception):  # noqa: B017 - whatever the driver raises
        watcher.wait(0)
    assert not watcher.wait(0)  # a new connection, nothing new since
    with session_scope(library) as session:
        edits.apply(session, edits.CreateClaim("New", ""))
    assert watcher.wait(0)
    watcher.close()
