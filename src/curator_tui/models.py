"""The library's tables (SQLModel). Ordered children carry an explicit, contiguous position."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

# Named constraints, so that migrations (batch mode on SQLite) can find and alter them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Timestamps are stored in UTC."""
    return datetime.now(UTC)


def _parent(table: str) -> Column[int]:
    # ON DELETE CASCADE in the schema itself, so a delete from any client (sqlite3 shell,
    # another tool) keeps the library consistent, not only deletes made through the ORM.
    return Column(
        Integer, ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=False, index=True
    )


class Claim(SQLModel, table=True):
    """One synthesized scientific claim."""

    __table_args__ = (
        CheckConstraint("length(statement) > 0", name="statement_not_empty"),
        # Narrow copies of the sort keys: sorting a filter's matches reads these, not the
        # wide rows (migration 0004).
        Index("ix_claim_id_statement", "id", "statement"),
        Index("ix_claim_id_updated_at", "id", "updated_at"),
        # Not declared here: the partial index ix_claim_words_missing (claims whose words
        # are not stored, migration 0006). Its dialect options (sqlite_where,
        # postgresql_where) make SQLAlchemy import the PostgreSQL dialect on every start,
        # a tenth of `curator export ID`'s time on a SQLite library. The migrations create
        # every table and index; these models never do.
    )

    id: int | None = Field(default=None, primary_key=True)
    statement: str = Field(index=True)
    synthesis: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, index=True)
    # Bumped on every change to the claim or its children: optimistic locking for editors.
    version: int = 1
    # The export as last rendered; NULL when anything it came from changed (migration 0003's
    # triggers clear it). Never shown or edited: services/rendered.py keeps it.
    markdown: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The claim's words as the filter finds them (cards/words.py), kept with the rendering
    # (services/rendered.py); NULL when a part changed by plain SQL (migration 0006).
    words: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Mechanism(SQLModel, table=True):
    """A mechanism of a claim; rank 0 is the most probable, the rest are ranked alternatives."""

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(sa_column=_parent("claim"))
    rank: int = 0
    summary: str = ""


class MechanismStep(SQLModel, table=True):
    """One step of a mechanism, in order."""

    id: int | None = Field(default=None, primary_key=True)
    mechanism_id: int = Field(sa_column=_parent("mechanism"))
    position: int = 0
    text: str


class Study(SQLModel, table=True):
    """A study, shared by every claim that cites it; its DOI is stored normalised."""

    id: int | None = Field(default=None, primary_key=True)
    doi: str = Field(unique=True)
    title: str = ""
    authors: str = ""
    journal: str = ""
    year: int | None = None
    volume: str = ""
    issue: str = ""
    pages: str = ""
    pmid: str = ""
    design: str = ""
    sample_size: int | None = None
    # A retraction notice (migration 0007; Retraction Watch's RetractionNature, e.g.
    # "Retraction", "Correction", "Expression of Concern") and its ISO date; '' when none.
    retraction_nature: str = Field(default="", sa_column_kwargs={"server_default": ""})
    retraction_date: str = Field(default="", sa_column_kwargs={"server_default": ""})


class Evidence(SQLModel, table=True):
    """A study linked to a claim, supporting or contradicting it."""

    __table_args__ = (
        UniqueConstraint("claim_id", "study_id"),
        CheckConstraint("stance IN ('supporting', 'contradicting')", name="stance"),
    )

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(sa_column=_parent("claim"))
    study_id: int = Field(sa_column=_parent("study"))
    stance: str = "supporting"
    note: str = ""
    position: int = 0


class GoldStandardItem(SQLModel, table=True):
    """One ideal study design for settling a claim, strongest first."""

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(sa_column=_parent("claim"))
    position: int = 0
    design: str
    description: str = ""


class LibraryMeta(SQLModel, table=True):
    """Facts about the library itself (e.g. which rendering its stored Markdown came from)."""

    __tablename__ = "library_meta"

    key: str = Field(primary_key=True)
    value: str


class ClaimRevision(SQLModel, table=True):
    """One committed change to a claim: append-only, never rewritten (services/history.py).

    No foreign key to ``claim``: the history of a deleted claim stays, so it can be restored.
    """

    __tablename__ = "claim_revision"
    __table_args__ = (UniqueConstraint("claim_id", "revision"),)

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int
    # 1, 2, 3, ... for each claim.
    revision: int
    at: datetime = Field(default_factory=utcnow)
    author: str = ""
    summary: str = ""
    # created, edited, replaced, restored or deleted.
    kind: str = "edited"
    # The claim's Markdown after the change, compressed (delta.py): whole when ``full``,
    # else a delta from the previous revision's text. A deletion holds the text it deleted.
    full: bool = False
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
