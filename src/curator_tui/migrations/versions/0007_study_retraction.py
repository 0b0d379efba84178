"""A study can be marked retracted: the nature and date of the notice (Retraction Watch).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23

``study.retraction_nature`` holds what the notice is ("Retraction", "Correction",
"Expression of Concern", ...; '' when none is known) and ``study.retraction_date`` its date,
an ISO date (``2019-10-04``) or ''. Both are plain text with a server default of '', so every
existing study reads as not retracted and the columns are added in place (``ADD COLUMN``
on both backends: no table rebuild, no row rewritten on SQLite). The study's trigger that
clears its claims' stored rendering fires on any update of ``study``, so these columns are
covered without a new trigger.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("retraction_nature", "retraction_date")


def upgrade() -> None:
    for name in _COLUMNS:
        op.add_column(
            "study", sa.Column(name, sa.String(), nullable=False, server_default=sa.text("''"))
        )


def downgrade() -> None:
    with op.batch_alter_table("study") as batch_op:
        for name in reversed(_COLUMNS):
            batch_op.drop_column(name)
