"""Prefix indexes for filter-as-you-type; a cache of each claim's rendered Markdown.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

Filter-as-you-type asks for prefixes ("c", "cr", "cre"): FTS5's prefix indexes answer
one- to three-letter prefixes from one doclist instead of merging every matching token.

``claim.markdown`` holds the claim's export as last rendered, so ``curator export --all``
streams stored text instead of rendering 100,000 cards. The cache can never be stale (and a trigger writes only when there is something to clear,
so bulk inserts of children do not rewrite their claim row for each of them):
triggers clear it whenever anything it was rendered from changes, whoever changes it (the
app, the CLI, another tool writing SQL); a cleared cache is simply rendered again.
SQLite has FTS5 and its own triggers; PostgreSQL gets the same cache triggers as
PL/pgSQL functions (its search index is another migration's). A bulk insert of claims
that are already rendered skips the clearing on insert: SQLite drops the insert triggers
for it, PostgreSQL's read the transaction's ``curator.bulk_insert`` setting
(``curator_tui.db.suspended_triggers``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FTS_TRIGGERS = ("claim_fts_insert", "claim_fts_delete", "claim_fts_update")

# Children whose change clears their claim's cache: (table, how to reach the claim id).
_CHILDREN = {
    "mechanism": "{row}.claim_id",
    "mechanismstep": "(SELECT claim_id FROM mechanism WHERE id = {row}.mechanism_id)",
    "evidence": "{row}.claim_id",
    "goldstandarditem": "{row}.claim_id",
}


def _cache_triggers() -> list[str]:
    sql = [
        """CREATE TRIGGER claim_markdown_stale AFTER UPDATE OF statement, synthesis ON claim BEGIN
            UPDATE claim SET markdown = NULL WHERE id = new.id AND markdown IS NOT NULL;
        END""",
        """CREATE TRIGGER study_markdown_stale AFTER UPDATE ON study BEGIN
            UPDATE claim SET markdown = NULL
            WHERE id IN (SELECT claim_id FROM evidence WHERE study_id = new.id) AND markdown IS NOT NULL;
        END""",
    ]
    for table, claim in _CHILDREN.items():
        for event, row in (("INSERT", "new"), ("UPDATE", "new"), ("DELETE", "old")):
            sql.append(
                f"""CREATE TRIGGER {table}_{event.lower()}_markdown_stale AFTER {event} ON {table} BEGIN
                    UPDATE claim SET markdown = NULL WHERE id = {claim.format(row=row)} AND markdown IS NOT NULL;
                END"""
            )
        # A row moved to another claim clears the old claim's cache too.
        sql.append(
            f"""CREATE TRIGGER {table}_moved_markdown_stale AFTER UPDATE ON {table} BEGIN
                UPDATE claim SET markdown = NULL WHERE id = {claim.format(row="old")} AND markdown IS NOT NULL;
            END"""
        )
    return sql


def _trigger_names() -> list[str]:
    names = ["claim_markdown_stale", "study_markdown_stale"]
    for table in _CHILDREN:
        names += [f"{table}_{e}_markdown_stale" for e in ("insert", "update", "delete", "moved")]
    return names


# The transaction-local setting a bulk insert turns on (SET LOCAL) on PostgreSQL.
PG_BULK_SETTING = "curator.bulk_insert"


def _pg_clear(claim: str) -> str:
    return f"UPDATE claim SET markdown = NULL WHERE id = {claim} AND markdown IS NOT NULL;"


def _pg_cache_triggers() -> list[str]:
    """The cache triggers of ``_cache_triggers`` in PL/pgSQL: one function per table."""
    bulk = f"current_setting('{PG_BULK_SETTING}', true) = 'on'"
    sql = [
        f"""CREATE OR REPLACE FUNCTION claim_markdown_stale() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN {_pg_clear("NEW.id")} RETURN NULL; END $$""",
        """CREATE TRIGGER claim_markdown_stale AFTER UPDATE OF statement, synthesis ON claim
            FOR EACH ROW EXECUTE FUNCTION claim_markdown_stale()""",
        """CREATE OR REPLACE FUNCTION study_markdown_stale() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE claim SET markdown = NULL
                WHERE id IN (SELECT claim_id FROM evidence WHERE study_id = NEW.id)
                AND markdown IS NOT NULL;
                RETURN NULL;
            END $$""",
        """CREATE TRIGGER study_markdown_stale AFTER UPDATE ON study
            FOR EACH ROW EXECUTE FUNCTION study_markdown_stale()""",
    ]
    for table, claim in _CHILDREN.items():
        sql.append(
            f"""CREATE OR REPLACE FUNCTION {table}_markdown_stale() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' AND {bulk} THEN RETURN NULL; END IF;
                IF TG_OP <> 'INSERT' THEN {_pg_clear(claim.format(row="OLD"))} END IF;
                IF TG_OP <> 'DELETE' THEN {_pg_clear(claim.format(row="NEW"))} END IF;
                RETURN NULL;
            END $$"""
        )
        sql.append(
            f"""CREATE TRIGGER {table}_markdown_stale AFTER INSERT OR UPDATE OR DELETE
            ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_markdown_stale()"""
        )
    return sql


def _pg_trigger_tables() -> list[str]:
    return ["claim", "study", *_CHILDREN]


def upgrade() -> None:
    with op.batch_alter_table("claim") as batch_op:
        batch_op.add_column(sa.Column("markdown", sa.Text(), nullable=True))
    # Which rendering the stored Markdown came from: a version whose export differs clears it.
    meta = op.create_table(
        "library_meta",
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("value", sa.String(), nullable=False),
    )
    op.bulk_insert(meta, [{"key": "render_format", "value": "1"}])
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for statement in _pg_cache_triggers():
            op.execute(statement)
    if dialect != "sqlite":
        return
    for name in FTS_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS claim_fts")
    op.execute(
        """CREATE VIRTUAL TABLE claim_fts USING fts5(
            statement, synthesis, content='claim', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')"""
    )
    op.execute(
        """CREATE TRIGGER claim_fts_insert AFTER INSERT ON claim BEGIN
            INSERT INTO claim_fts(rowid, statement, synthesis) VALUES (new.id, new.statement, new.synthesis);
        END"""
    )
    op.execute(
        """CREATE TRIGGER claim_fts_delete AFTER DELETE ON claim BEGIN
            INSERT INTO claim_fts(claim_fts, rowid, statement, synthesis)
            VALUES ('delete', old.id, old.statement, old.synthesis);
        END"""
    )
    op.execute(
        """CREATE TRIGGER claim_fts_update AFTER UPDATE OF statement, synthesis ON claim BEGIN
            INSERT INTO claim_fts(claim_fts, rowid, statement, synthesis)
            VALUES ('delete', old.id, old.statement, old.synthesis);
            INSERT INTO claim_fts(rowid, statement, synthesis) VALUES (new.id, new.statement, new.synthesis);
        END"""
    )
    op.execute("INSERT INTO claim_fts(claim_fts) VALUES ('rebuild')")
    for statement in _cache_triggers():
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("library_meta")
    if op.get_bind().dialect.name == "sqlite":
        for name in _trigger_names():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif op.get_bind().dialect.name == "postgresql":
        for table in _pg_trigger_tables():
            op.execute(f"DROP TRIGGER IF EXISTS {table}_markdown_stale ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_markdown_stale()")
    with op.batch_alter_table("claim") as batch_op:
        batch_op.drop_column("markdown")
