"""Schema versions: create and upgrade a library with Alembic, safely.

An older library is copied to a timestamped backup beside it before it is upgraded;
a library from a newer curator-tui is refused. On SQLite the migrations run with foreign
keys OFF (a batch migration rebuilds tables, and with them ON SQLite's rebuild would
cascade-delete every child row) and end with ``PRAGMA foreign_key_check``.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

# The revision that matches the tables of libraries made before migrations existed.
BASELINE = "0001"


class SchemaError(RuntimeError):
    """The library's schema cannot be used by this version: the message is for the user."""


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, pointing at the migrations inside the package."""
    config = Config()
    config.set_main_option("script_location", "curator_tui:migrations")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest schema revision this version knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The library's schema revision (None: new, or made before migrations)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def backup_path(path: Path, revision: str) -> Path:
    """``library.db.bak-<revision>-<UTC timestamp>`` beside the library."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return path.with_name(f"{path.name}.bak-{revision}-{stamp}")


def backup_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite library, even while it is in use (online backup API)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    dst.close()
    src.close()


def upgrade(engine: Engine, *, foreign_keys_off: bool = True) -> Path | None:
    """Bring the library to the head revision; returns the backup made, if any.

    ``foreign_keys_off=False`` exists only so a test can show what it protects against.
    """
    from alembic import command

    head = head_revision()
    script = ScriptDirectory.from_config(alembic_config())
    current = current_revision(engine)
    if current == head:
        return None
    if current is not None and current not in {rev.revision for rev in script.walk_revisions()}:
        raise SchemaError(
            f"this library was written by a newer curator-tui (schema {current}; this version "
            f"knows up to {head}): upgrade curator-tui to open it"
        )
    with engine.connect() as probe:
        has_tables = bool(inspect(probe).get_table_names())
    backup = None
    is_sqlite = engine.dialect.name == "sqlite"
    database = engine.url.database
    if has_tables and is_sqlite and database and database != ":memory:":
        backup = backup_path(Path(database), current or "unversioned")
        backup_sqlite(Path(database), backup)
    with engine.connect() as connection:
        if is_sqlite and foreign_keys_off:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            config = alembic_config(connection)
            if current is None and has_tables:
                command.stamp(config, BASELINE)
            command.upgrade(config, "head")
            connection.commit()
            if is_sqlite:
                problems = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
                if problems:
                    raise SchemaError(
                        f"the upgrade left {len(problems)} broken reference(s); the library is "
                        f"unchanged in the backup {backup}"
                    )
        finally:
            if is_sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
    return backup
