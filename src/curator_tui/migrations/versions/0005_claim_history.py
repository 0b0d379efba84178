"""The claims' history: an append-only table of revisions, with a first one for each claim.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

Each existing claim gets revision 1, "history began", holding its Markdown as the library
has it now (the stored rendering, or rendered here where it was cleared), so that every
later change, including a deletion, has a text to be a delta from.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WINDOW = 1000


def upgrade() -> None:
    table = op.create_table(
        "claim_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("summary", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_revision")),
        sa.UniqueConstraint(
            "claim_id", "revision", name=op.f("uq_claim_revision_claim_id_revision")
        ),
    )
    _backfill(op.get_bind(), table)


def _backfill(connection: sa.Connection, table: sa.Table) -> None:
    # Imported here: only a library with claims needs them.
    from sqlmodel import Session

    from curator_tui.cards.render import render_markdown
    from curator_tui.delta import pack_full
    from curator_tui.services.cards import iter_cards

    now = datetime.now(UTC)
    last = 0
    session = Session(bind=connection)
    while True:
        rows = connection.execute(
            sa.text("SELECT id, markdown FROM claim WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last, "n": _WINDOW},
        ).all()
        if not rows:
            break
        last = rows[-1][0]
        missing = [claim_id for claim_id, text in rows if text is None]
        rendered = {cid: render_markdown(card) for cid, card in iter_cards(session, missing)}
        connection.execute(
            table.insert(),
            [
                {
                    "claim_id": claim_id,
                    "revision": 1,
                    "at": now,
                    "author": "",
                    "summary": "history began",
                    "kind": "created",
                    "full": True,
                    "data": pack_full(text if text is not None else rendered[claim_id]),
                }
                for claim_id, text in rows
            ],
        )


def downgrade() -> None:
    op.drop_table("claim_revision")
