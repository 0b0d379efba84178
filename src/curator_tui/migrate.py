"""Schema versions: create and upgrade a library with Alembic, all or nothing.

The whole upgrade, from an empty file or from any older revision, runs in one database
transaction. On SQLite that needs care: Python's sqlite3 module opens transactions only
before INSERT/UPDATE/DELETE, so each CREATE TABLE of a migration would commit on its own
and a kill in the middle would leave half a schema. The migration therefore runs on an
engine of its own whose driver connection is in autocommit mode (``isolation_level =
None``) and which issues ``BEGIN IMMEDIATE`` itself (SQLAlchemy's documented pysqlite
recipe). SQLite's DDL is transactional, so a kill at any statement leaves the library as
it was before, and the next command upgrades it again. PostgreSQL has transactional DDL too:
there the transaction first takes an advisory lock (what BEGIN IMMEDIATE does on SQLite, so
two processes opening a new library at once do not both create it), and the migrations'
SQLite-only parts (FTS5, its triggers) are skipped by the migrations themselves. A server
library gets no backup file: that is the server's administrator's (pg_dump).

An older library is copied to a timestamped backup beside it before it is upgraded; a
library from a newer curator-tui is refused. On SQLite the migrations run with foreign keys
OFF (a batch migration rebuilds tables, and with them ON SQLite's rebuild would
cascade-delete every child row) and end with ``PRAGMA foreign_key_check`` inside the same
transaction, so broken references roll the whole upgrade back.

Earlier versions could leave a library half made (see ``check_complete``): such a library
is never stamped as a revision it does not have. An empty one is rebuilt; one with data
is refused with a line naming the backup to restore.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

# The revision that matches the tables of libraries made before migrations existed.
BASELINE = "0001"

# The tables each revision has (cumulative). A library that names a revision but lacks one
# of its tables was left half made by an interrupted upgrade of an earlier version.
BASELINE_TABLES = frozenset(
    {"claim", "study", "evidence", "goldstandarditem", "mechanism", "mechanismstep"}
)
REVISION_TABLES: dict[str, frozenset[str]] = {
    "0001": BASELINE_TABLES,
    "0002": BASELINE_TABLES | {"claim_fts"},
    "0003": BASELINE_TABLES | {"claim_fts", "library_meta"},
    "0004": BASELINE_TABLES | {"claim_fts", "library_meta"},
    "0005": BASELINE_TABLES | {"claim_fts", "library_meta", "claim_revision"},
    "0006": BASELINE_TABLES | {"claim_fts", "library_meta", "claim_revision"},  # columns only
    "0007": BASELINE_TABLES | {"claim_fts", "library_meta", "claim_revision"},  # columns only
    "0008": BASELINE_TABLES
    | {"claim_fts", "library_meta", "claim_revision"}
    | {"claim_fingerprint", "claim_fingerprint_stale"},  # the check's statement index
    "0009": BASELINE_TABLES
    | {"claim_fts", "library_meta", "claim_revision"}
    | {"claim_fingerprint", "claim_fingerprint_stale", "claim_check"},  # and its results
    "0010": BASELINE_TABLES
    | {"claim_fts", "library_meta", "claim_revision"}
    | {"claim_fingerprint", "claim_fingerprint_stale", "claim_check"},  # a collation only
    "0011": BASELINE_TABLES
    | {"claim_fts", "library_meta", "claim_revision"}
    | {"claim_fingerprint", "claim_fingerprint_stale", "claim_check"},  # a column only
    "0012": BASELINE_TABLES
    | {"claim_fts", "library_meta", "claim_revision"}
    | {"claim_fingerprint", "claim_fingerprint_stale", "claim_check"}
    | {"claim_pair", "claim_duplicate", "claim_duplicate_state"},  # the duplicate map
    "0013": BASELINE_TABLES
    | {"claim_fts", "library_meta", "claim_revision"}
    | {"claim_fingerprint", "claim_fingerprint_stale", "claim_check"}
    | {"claim_pair", "claim_duplicate", "claim_duplicate_state"},  # a storage setting only
    "0014": BASELINE_TABLES
    | {"claim_fts", "library_meta", "claim_revision"}
    | {"claim_fingerprint", "claim_fingerprint_stale", "claim_check"}
    | {"claim_pair", "claim_duplicate", "claim_duplicate_state"},  # a column and triggers
    "0015": BASELINE_TABLES
    | {"claim_fts", "library_meta", "claim_revision"}
    | {"claim_fingerprint", "claim_fingerprint_stale", "claim_check"}
    | {"claim_pair", "claim_duplicate", "claim_duplicate_state"},  # triggers only
}
# Tables only a SQLite library has (the FTS5 index): not expected of a PostgreSQL one.
SQLITE_ONLY_TABLES = frozenset({"claim_fts"})
# The baseline's indexes, created if missing when a pre-migration library is adopted: an
# interrupted first migration of an earlier version could stop between a table and its index.
BASELINE_INDEXES = {
    "ix_claim_statement": ("claim", "statement"),
    "ix_claim_updated_at": ("claim", "updated_at"),
    "ix_evidence_claim_id": ("evidence", "claim_id"),
    "ix_evidence_study_id": ("evidence", "study_id"),
    "ix_goldstandarditem_claim_id": ("goldstandarditem", "claim_id"),
    "ix_mechanism_claim_id": ("mechanism", "claim_id"),
    "ix_mechanismstep_mechanism_id": ("mechanismstep", "mechanism_id"),
}
# Alembic's scratch tables of a batch migration (``_alembic_tmp_claim``): left behind by an
# interrupted upgrade of an earlier version, they would make the next one fail.
SCRATCH_PREFIX = "_alembic_tmp_"

# Test-only hook: kill this process with SIGKILL before the Nth statement of the migration
# transaction, or at a named point ("backup"). Crash tests use it to kill at observed
# points rather than after guessed delays. Unset in normal use.
KILL_AT_ENV = "CURATOR_TEST_KILL_AT"
# The PostgreSQL advisory lock a migration holds (any number; "cura" in ASCII).
_PG_LOCK = 0x63757261


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


def _kill_point(name: str) -> None:
    if os.environ.get(KILL_AT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _as_the_database_owner(connection: Connection) -> None:
    """On PostgreSQL, make the library's tables as the role that owns the database.

    With a login role for each curator, all members of the team's role (``createdb -O
    curators lib1``), the tables would otherwise belong to whoever first opened the
    library, and the others could not even read them ("permission denied for table
    claim"). A member of the owning role creates them as that role, for the length of this
    transaction; anyone else (the owner itself, an administrator) as themselves.
    """
    owner = connection.exec_driver_sql(
        "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
        " AND pg_get_userbyid(datdba) <> current_user"
        " AND pg_has_role(current_user, datdba, 'MEMBER')"
    ).scalar()
    if owner is not None:
        from psycopg import sql

        # SET takes no bound parameters: the name is quoted as an identifier here.
        query = sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(owner)).as_string(None)
        connection.exec_driver_sql(query)


def _migration_engine(engine: Engine, *, foreign_keys_off: bool) -> Engine:
    """An engine for one migration transaction; on SQLite, the transaction is ours."""
    from curator_tui.db import engine_options

    migration = create_engine(engine.url, poolclass=NullPool, **engine_options(engine.url))
    kill_at = os.environ.get(KILL_AT_ENV, "")
    if migration.dialect.name == "postgresql":

        def lock(connection: Connection) -> None:
            # What BEGIN IMMEDIATE does on SQLite: two processes opening a new library at
            # once do not both create it; the second waits, then finds it made. The lock
            # is the transaction's, released at its commit or rollback.
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK})")
            _as_the_database_owner(connection)

        event.listen(migration, "begin", lock)
        if kill_at.isdigit():
            _count_statements(migration, int(kill_at))
        return migration
    if migration.dialect.name != "sqlite":
        return migration

    def connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver must neither open nor end transactions itself; pragmas that cannot
        # change inside a transaction are set first.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA foreign_keys={'OFF' if foreign_keys_off else 'ON'}")
        cursor.close()

    def begin(connection: Connection) -> None:
        # IMMEDIATE: take the write lock now, so two processes opening a new library at
        # once do not both start creating it; the second waits, then finds it made.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    event.listen(migration, "connect", connect)
    event.listen(migration, "begin", begin)
    if kill_at.isdigit():
        _count_statements(migration, int(kill_at))
    return migration


def _count_statements(migration: Engine, kill_at: int) -> None:
    """Test-only: SIGKILL before statement ``kill_at``; report the count at the end."""
    seen = [0]

    def before(*_args: Any) -> None:
        seen[0] += 1
        if seen[0] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    def commit(_connection: Connection) -> None:
        # The commit is a kill point too (after it, the upgrade is done).
        seen[0] += 1
        if seen[0] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        print(f"curator-test: migration statements: {seen[0]}", file=sys.stderr)

    event.listen(migration, "before_cursor_execute", before)
    event.listen(migration, "commit", commit)


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _has_rows(connection: Connection, tables: Iterable[str]) -> bool:
    for table in sorted(tables):
        if table.startswith(("claim_fts", SCRATCH_PREFIX)) or table == "alembic_version":
            continue
        quoted = connection.dialect.identifier_preparer.quote(table)
        if connection.exec_driver_sql(f"SELECT 1 FROM {quoted} LIMIT 1").first() is not None:
            return True
    return False


def _newest_backup(database: str | None) -> Path | None:
    if not database or database == ":memory:":
        return None
    path = Path(database)
    backups = sorted(path.parent.glob(f"{path.name}.bak-*"), key=lambda p: p.stat().st_mtime)
    backups = [b for b in backups if not b.name.endswith(".partial")]
    return backups[-1] if backups else None


def missing_tables(tables: set[str], revision: str | None, dialect: str = "sqlite") -> set[str]:
    """The tables ``revision`` should have that the library lacks (None: pre-migrations)."""
    expected = REVISION_TABLES.get(revision or BASELINE, BASELINE_TABLES)
    if dialect != "sqlite":
        expected = expected - SQLITE_ONLY_TABLES
    return set(expected - tables)


def check_complete(connection: Connection, revision: str | None, database: str | None) -> bool:
    """Whether a library that has tables holds all of its revision's; False: rebuild it.

    Raises SchemaError for a half-made library with data: the user restores the backup.
    """
    tables = _table_names(connection)
    missing = missing_tables(tables, revision, connection.dialect.name)
    if not missing:
        return True
    if not _has_rows(connection, tables):
        return False
    backup = _newest_backup(database)
    where = f"restore the backup {backup}" if backup else "no backup of it was found"
    raise SchemaError(
        f"the library was left half made by an interrupted upgrade (it lacks the "
        f"table{'s' if len(missing) > 1 else ''} {', '.join(sorted(missing))}): {where}"
    )


def _rebuild_empty(connection: Connection) -> None:
    """Drop every table of an empty, half-made library, so it is created anew."""
    names = _table_names(connection)
    if connection.dialect.name == "sqlite":
        for (trigger,) in connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        ).all():
            connection.exec_driver_sql(f'DROP TRIGGER IF EXISTS "{trigger}"')
    # The full-text table first: dropping it drops its shadow tables too. PostgreSQL
    # refuses to drop a table others refer to unless told to drop the references too.
    cascade = "" if connection.dialect.name == "sqlite" else " CASCADE"
    for name in sorted(names, key=lambda n: (n != "claim_fts", n)):
        quoted = connection.dialect.identifier_preparer.quote(name)
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {quoted}{cascade}")


def _drop_scratch_tables(connection: Connection) -> None:
    for name in sorted(_table_names(connection)):
        if name.startswith(SCRATCH_PREFIX):
            quoted = connection.dialect.identifier_preparer.quote(name)
            connection.exec_driver_sql(f"DROP TABLE {quoted}")


def _adopt_baseline(connection: Connection) -> None:
    """Stamp a pre-migration library as the baseline, with the baseline's indexes."""
    for name, (table, column) in BASELINE_INDEXES.items():
        connection.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column})")
    from alembic import command

    command.stamp(alembic_config(connection), BASELINE)


def upgrade(engine: Engine, *, foreign_keys_off: bool = True) -> Path | None:
    """Bring the library to the head revision in one transaction; returns the backup made.

    ``foreign_keys_off=False`` exists only so a test can show what it protects against.
    """
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
    database = engine.url.database
    with engine.connect() as probe:
        tables = _table_names(probe)
        has_data = bool(tables) and _has_rows(probe, tables)
        if tables - {"alembic_version"} or current is not None:
            # Before any backup: a half-made library must name the backup made before it.
            check_complete(probe, current, database)
    is_sqlite = engine.dialect.name == "sqlite"
    backup = None
    if has_data and is_sqlite and database and database != ":memory:":
        backup = _write_backup(Path(database), current or "unversioned")
    migration = _migration_engine(engine, foreign_keys_off=foreign_keys_off)
    try:
        with migration.begin() as connection:
            _upgrade_in(connection, head, database, backup)
    finally:
        migration.dispose()
    return backup


def _write_backup(database: Path, revision: str) -> Path:
    # Written beside its final name and renamed: a kill leaves no backup that looks whole.
    target = backup_path(database, revision)
    partial = target.with_name(target.name + ".partial")
    backup_sqlite(database, partial)
    _kill_point("backup")
    os.replace(partial, target)
    return target


def _upgrade_in(
    connection: Connection, head: str, database: str | None, backup: Path | None
) -> None:
    """The upgrade's work, inside the caller's transaction."""
    from alembic import command

    # Read again under the write lock: another process may have upgraded it meanwhile.
    current = MigrationContext.configure(connection).get_current_revision()
    if current == head:
        return
    _drop_scratch_tables(connection)
    tables = _table_names(connection) - {"alembic_version"}
    if (tables or current is not None) and not check_complete(connection, current, database):
        _rebuild_empty(connection)
        current, tables = None, set()
    config = alembic_config(connection)
    if current is None and tables:
        _adopt_baseline(connection)
    command.upgrade(config, "head")
    if current is None and not tables:
        # A new library holds no stored renderings yet: it is at this version's export
        # format (migration 0003 writes the format of its day, for libraries it upgrades).
        from curator_tui.services.rendered import RENDER_FORMAT, format_key

        connection.execute(
            text("UPDATE library_meta SET value = :value WHERE key = :key"),
            {"value": RENDER_FORMAT, "key": format_key()},
        )
    if connection.dialect.name == "sqlite":
        problems = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
        if problems:
            raise SchemaError(
                f"the upgrade would leave {len(problems)} broken reference(s); the library "
                f"was left as it was (a copy is in {backup})"
            )
