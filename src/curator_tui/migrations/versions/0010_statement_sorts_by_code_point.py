"""Claims sort by statement the same way on PostgreSQL as on SQLite: by code point.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23

SQLite compares text with BINARY (UTF-8 bytes, which is code point order); a PostgreSQL
column compares with its database's collation, often a language's (``en_US``, ICU), which
ignores case and accents first: the list sorted by statement came out in another order on
a team library than on a file, and `curator copy` between them moved claims around. On
PostgreSQL ``claim.statement`` gets the "C" collation (byte order: the same as SQLite's),
and the indexes on it are rebuilt by the ALTER. PostgreSQL refuses to change a column that
a trigger's definition names, so the triggers of ``claim`` that name ``statement`` are
dropped first and made again from their own stored definitions, in the same transaction.
Nothing to do on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TRIGGERS = text(
    "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger"
    " WHERE tgrelid = 'claim'::regclass AND NOT tgisinternal"
    " AND pg_get_triggerdef(oid) LIKE '%statement%'"
)


def _collate(collation: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    triggers = bind.execute(_TRIGGERS).all()
    for name, _ in triggers:
        op.execute(f'DROP TRIGGER "{name}" ON claim')
    op.execute(f'ALTER TABLE claim ALTER COLUMN statement TYPE VARCHAR COLLATE "{collation}"')
    for _, definition in triggers:
        op.execute(definition)


def upgrade() -> None:
    _collate("C")


def downgrade() -> None:
    _collate("default")
