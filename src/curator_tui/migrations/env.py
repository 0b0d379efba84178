"""Alembic environment: migrations run on the connection curator_tui.db hands over."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlmodel import SQLModel

from curator_tui import models  # noqa: F401  (registers the tables)

# Tables Alembic must not touch: the full-text index and its shadow tables (migration 0002).
EXCLUDED_PREFIXES = ("claim_fts",)


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Keep autogenerate away from the FTS5 tables it does not understand."""
    return not (type_ == "table" and name is not None and name.startswith(EXCLUDED_PREFIXES))


def run() -> None:
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
