"""Noticing what other programs commit to the library, for the app's live updates.

- SQLite: ``PRAGMA data_version`` on a connection of our own changes whenever another
  connection commits. Reading it touches no table, so polling costs nothing when nothing
  changed.
- PostgreSQL: every transaction that writes sends ``NOTIFY curator_changes`` just before
  it commits (``_announce`` below, for every engine, whatever wrote: a service, an import,
  a copy), and the watcher ``LISTEN``s on a connection of its own in autocommit mode.
  The payload is empty: listeners look up what changed (an 8000-byte payload could not
  carry the ids of a large import anyway), and PostgreSQL delivers one notification per
  transaction, only once it has committed.

Plain Python: the app runs ``ChangeWatcher.wait`` in a thread worker.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

CHANNEL = "curator_changes"
_WROTE = "curator_wrote"
_WRITES = ("INSERT", "UPDATE", "DELETE", "COPY", "CREATE", "DROP", "ALTER", "TRUNCATE")


@event.listens_for(Engine, "before_cursor_execute")
def _note_write(
    conn: Connection, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
) -> None:
    if conn.dialect.name == "postgresql" and statement.lstrip()[:8].upper().startswith(_WRITES):
        conn.info[_WROTE] = True


@event.listens_for(Engine, "commit")
def _announce(conn: Connection) -> None:
    # Runs just before the driver's COMMIT, in the same transaction: the notification
    # goes out with the commit, or not at all on a rollback.
    if conn.info.pop(_WROTE, False):
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        cursor = dbapi.cursor()
        try:
            cursor.execute(f"NOTIFY {CHANNEL}")
        finally:
            cursor.close()


@event.listens_for(Engine, "rollback")
def _forget(conn: Connection) -> None:
    conn.info.pop(_WROTE, None)


class ChangeWatcher:
    """Waits for commits made by other connections to the library of ``engine``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._raw: Any = None
        self._version: int | None = None

    def _connect(self) -> Any:
        if self._raw is None:
            raw = self.engine.raw_connection()
            driver: Any = raw.driver_connection
            if self.engine.dialect.name == "postgresql":
                driver.autocommit = True
                driver.execute(f"LISTEN {CHANNEL}")
            else:
                self._version = self._data_version(driver)
            self._raw = raw
        return self._raw.driver_connection

    @staticmethod
    def _data_version(driver: Any) -> int:
        return int(driver.execute("PRAGMA data_version").fetchone()[0])

    def wait(self, timeout: float) -> bool:
        """True as soon as another connection has committed since the last call.

        Waits at most ``timeout`` seconds: PostgreSQL answers when a notification comes,
        SQLite looks now and once more after ``timeout``. Raises the driver's error when
        the library cannot be reached; the next call connects again.
        """
        try:
            driver = self._connect()
            if self.engine.dialect.name == "postgresql":
                seen = False
                for _ in driver.notifies(timeout=timeout, stop_after=1):
                    seen = True
                if seen:  # the rest of a burst (an import commits many times)
                    for _ in driver.notifies(timeout=0.05):
                        pass
                return seen
            version = self._data_version(driver)
            if version == self._version and timeout > 0:
                time.sleep(timeout)
                version = self._data_version(driver)
            changed = version != self._version
            self._version = version
            return changed
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        """Give the connection back (a listening one is discarded, never reused)."""
        raw, self._raw = self._raw, None
        if raw is None:
            return
        try:
            if self.engine.dialect.name == "postgresql":
                raw.invalidate()
            else:
                raw.close()
        except Exception:  # closing a connection the server already dropped
            pass
