"""Live updates: what other curators and scripts save shows up without a keypress.

A thread of the screen's waits on ``services.changes.ChangeWatcher`` (``LISTEN`` on
PostgreSQL, ``PRAGMA data_version`` on SQLite) and posts ``LibraryChanged`` to the screen,
which reloads its list and, if the claim it shows changed, that claim. When the library
cannot be reached (a server restarting) it posts ``LibraryUnreachable`` once, tries again
every few seconds, and posts ``LibraryReachable`` when it is back.

A plain daemon thread rather than a Textual worker: it runs as long as the screen, and a
worker that never completes would hold up everything that waits for the workers to finish
(quitting after a save, and every test's ``wait_for_complete``). ``post_message`` is safe
to call from any thread.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy.engine import Engine
from textual.message import Message

from curator_tui.db import describe_db_error
from curator_tui.services.changes import ChangeWatcher

# How often SQLite is looked at, and how long PostgreSQL is waited on per round: a change
# shows within about this much time (plus the reload), well inside the 2 s promised.
POLL = 0.5
RETRY = 2.0


class LibraryChanged(Message):
    """Another program (or this app) committed a change to the library."""


class LibraryUnreachable(Message):
    """The library cannot be reached any more (``reason``: one line for the curator)."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class LibraryReachable(Message):
    """The library can be reached again after ``LibraryUnreachable``."""


class LiveUpdates:
    """Watches ``engine`` for commits and tells ``target`` (a screen) in messages."""

    def __init__(self, target: Any, engine: Engine) -> None:
        self.target = target
        self.watcher = ChangeWatcher(engine)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="curator-live", daemon=True)

    def start(self) -> None:
        """Start watching."""
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (returns at once; the thread ends within one round)."""
        self._stop.set()

    def _run(self) -> None:
        down = False
        try:
            while not self._stop.is_set():
                try:
                    changed = self.watcher.wait(POLL)
                except Exception as exc:  # any driver error: "unreachable"
                    if not down:
                        down = True
                        self.target.post_message(LibraryUnreachable(describe_db_error(exc)))
                    self._stop.wait(RETRY)
                    continue
                if down:
                    down, changed = False, True
                    self.target.post_message(LibraryReachable())
                if changed and not self._stop.is_set():
                    self.target.post_message(LibraryChanged())
        finally:
            self.watcher.close()


class ShownClaimChanged(Message):
    """The claim the screen shows is at ``version`` in the library (None: deleted)."""

    def __init__(self, claim_id: int, version: int | None) -> None:
        super().__init__()
        self.claim_id = claim_id
        self.version = version
