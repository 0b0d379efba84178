"""A queued claim counts the changes of its statement, so the check never keys an old one.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23

Migration 0008's triggers queue a claim in ``claim_fingerprint_stale`` when it is added or
its statement changes, with an insert that does nothing when the claim is queued already.
On PostgreSQL a statement could then change while a check keyed the queue: the change's
trigger found the claim queued, the check read the statement as it was (the change not yet
committed), stored its keys and took the claim off the queue. The claim was left keyed for a
statement it no longer had, and its duplicates were missed until the statement changed again.

``claim_fingerprint_stale.changes``: the triggers now add one to it when the claim is queued
already (``ON CONFLICT (claim_id) DO UPDATE``: SQLite 3.24 and later, PostgreSQL), which on
PostgreSQL also locks the row until the change commits. services/curation_check.py takes a
claim off the queue only if the count is still the one it read before reading the
statement, and reads the queue skipping locked rows (a change under way): a claim whose
statement changed meanwhile stays queued and is keyed again.

SQLite runs an upsert that updates the row's ``AFTER UPDATE`` triggers, not its ``AFTER
INSERT`` ones: ``claim_duplicate_requeued`` deletes the duplicate map's tokens then, as
migration 0012's ``claim_duplicate_queued`` does when a claim is queued (PostgreSQL's
statement trigger runs for every INSERT, whatever the conflict clause does).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_QUEUE = """INSERT INTO claim_fingerprint_stale (claim_id) VALUES (new.id)
            ON CONFLICT (claim_id) DO UPDATE SET changes = claim_fingerprint_stale.changes + 1"""


def _sqlite_triggers(queue: str) -> list[str]:
    return [
        f"""CREATE TRIGGER claim_fingerprint_insert AFTER INSERT ON claim BEGIN
            {queue};
        END""",
        f"""CREATE TRIGGER claim_fingerprint_update
        AFTER UPDATE OF statement ON claim WHEN old.statement IS NOT new.statement BEGIN
            {queue};
        END""",
    ]


_SQLITE_REQUEUED = """CREATE TRIGGER claim_duplicate_requeued
    AFTER UPDATE ON claim_fingerprint_stale BEGIN
        DELETE FROM claim_duplicate_state;
    END"""

_SQLITE_0008_QUEUE = "INSERT OR IGNORE INTO claim_fingerprint_stale (claim_id) VALUES (new.id)"


def _pg_function(queue: str) -> str:
    return f"""CREATE OR REPLACE FUNCTION claim_fingerprint_stale() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                DELETE FROM claim_fingerprint WHERE claim_id = OLD.id;
                DELETE FROM claim_fingerprint_stale WHERE claim_id = OLD.id;
            ELSE
                {queue};
            END IF;
            RETURN NULL;
        END $$"""


_PG_0008_QUEUE = """INSERT INTO claim_fingerprint_stale (claim_id) VALUES (new.id)
                ON CONFLICT DO NOTHING"""


def _replace_queueing(sqlite_queue: str, pg_queue: str) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS claim_fingerprint_insert")
        op.execute("DROP TRIGGER IF EXISTS claim_fingerprint_update")
        for sql in _sqlite_triggers(sqlite_queue):
            op.execute(sql)
    elif dialect == "postgresql":
        # The triggers (0008) call the function by name: replacing it is enough.
        op.execute(_pg_function(pg_queue))


def upgrade() -> None:
    op.add_column(
        "claim_fingerprint_stale",
        sa.Column("changes", sa.Integer(), nullable=False, server_default="0"),
    )
    _replace_queueing(_QUEUE, _QUEUE)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(_SQLITE_REQUEUED)


def downgrade() -> None:
    _replace_queueing(_SQLITE_0008_QUEUE, _PG_0008_QUEUE)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS claim_duplicate_requeued")
    # Not a batch rebuild: on SQLite, renaming the rebuilt table fails while triggers on
    # ``claim`` name it. SQLite drops a column itself since 3.35 (no trigger names it now).
    op.execute("ALTER TABLE claim_fingerprint_stale DROP COLUMN changes")
