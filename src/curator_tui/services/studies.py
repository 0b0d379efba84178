"""The library's studies as rows: listing them, the claims citing retracted ones, and
filling their records from looked-up fields (Crossref) through ``EditStudy``.

A study is one record shared by every claim that cites it, so filling it is one edit
whatever the number of claims; ``EditStudy`` notes the change in each citing claim's
history, and the claims' stored renderings are cleared by the library's triggers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from curator_tui.cards.words import fold
from curator_tui.models import Claim, Evidence, Study
from curator_tui.services.edits import EditStudy, apply
from curator_tui.services.evidence import doi_or_error
from curator_tui.study_fields import MISSING_FIELDS, RECORD_FIELDS

LOOKUP_FIELDS = ("title", "authors", "journal", "year", "volume", "issue", "pages")
"""The fields a Crossref record can give: a study missing one is worth looking up."""
_NUMBERS = {"year", "sample_size"}


@dataclass(frozen=True)
class StudyRow:
    """A study's record and how many claims cite it (plain data)."""

    id: int
    record: dict[str, Any]
    claims: int

    @property
    def doi(self) -> str:
        """The normalised DOI."""
        return str(self.record["doi"])

    def as_json(self) -> dict[str, Any]:
        """Every record field under its own name, plus ``claims``."""
        return {**self.record, "claims": self.claims}


def _empty(name: str) -> Any:
    column = getattr(Study, name)
    return col(column).is_(None) if name in _NUMBERS else col(column) == ""


def list_studies(
    session: Session, search: str | None = None, missing: str | None = None
) -> list[StudyRow]:
    """The studies by DOI, with their claim counts.

    ``search``: every word (folded as the filter folds: case, accents) somewhere in the
    DOI, title, authors, journal or PMID. ``missing``: only studies whose field of that name is empty.
    """
    if missing is not None and missing not in MISSING_FIELDS:
        raise ValueError(f"a study has no field {missing!r}")
    cited = (
        sa_select(col(Evidence.study_id), func.count(col(Evidence.id)).label("claims"))
        .group_by(col(Evidence.study_id))
        .subquery()
    )
    columns = [col(getattr(Study, name)) for name in RECORD_FIELDS]
    query = (
        sa_select(col(Study.id), func.coalesce(cited.c.claims, 0), *columns)
        .outerjoin(cited, cited.c.study_id == col(Study.id))
        .order_by(col(Study.doi))
    )
    if missing is not None:
        query = query.where(_empty(missing))
    words = fold(search or "").split()
    rows: list[StudyRow] = []
    for study_id, claims, *values in session.connection().execute(query):
        record = dict(zip(RECORD_FIELDS, values, strict=True))
        if words:
            # Folded as the app's filter folds (case and marks: "muller" finds "Müller"),
            # in Python, not SQL: the same answer on both backends for any script.
            haystack = fold(
                " ".join(
                    str(record[name] or "")
                    for name in ("doi", "title", "authors", "journal", "pmid")
                )
            )
            if not all(word in haystack for word in words):
                continue
        rows.append(StudyRow(int(study_id), record, int(claims)))
    return rows


@dataclass(frozen=True)
class AffectedClaim:
    """A claim citing a study with a retraction notice."""

    claim_id: int
    statement: str
    doi: str
    stance: str
    retraction_nature: str
    retraction_date: str

    def as_json(self) -> dict[str, Any]:
        """The claim, the study and its notice, by name."""
        return {
            "claim": self.claim_id,
            "statement": self.statement,
            "doi": self.doi,
            "stance": self.stance,
            "retraction_nature": self.retraction_nature,
            "retraction_date": self.retraction_date,
        }


def retracted_claims(session: Session) -> list[AffectedClaim]:
    """Every claim citing a study marked retracted (or corrected, ...), by claim then DOI."""
    query = (
        sa_select(
            col(Claim.id),
            col(Claim.statement),
            col(Study.doi),
            col(Evidence.stance),
            col(Study.retraction_nature),
            col(Study.retraction_date),
        )
        .join(Evidence, col(Evidence.claim_id) == col(Claim.id))
        .join(Study, col(Study.id) == col(Evidence.study_id))
        .where(col(Study.retraction_nature) != "")
        .order_by(col(Claim.id), col(Study.doi))
    )
    return [
        AffectedClaim(int(claim_id or 0), statement, doi, stance, nature, date)
        for claim_id, statement, doi, stance, nature, date in session.connection().execute(query)
    ]


def study_ids(session: Session, dois: Sequence[str]) -> dict[str, int | None]:
    """The library's study id for each DOI (normalised; None when it has no such study).

    Raises ServiceError for text that is not a DOI.
    """
    wanted = {doi_or_error(doi): None for doi in dois}
    found: dict[str, int | None] = dict.fromkeys(wanted)
    if wanted:
        query = select(Study.doi, Study.id).where(col(Study.doi).in_(list(wanted)))
        for doi, study_id in session.exec(query):
            found[doi] = study_id
    return found


def missing_lookups(session: Session) -> list[str]:
    """The DOIs of studies with a field empty that Crossref could fill."""
    query = select(Study.doi).where(or_(*(_empty(name) for name in LOOKUP_FIELDS)))
    return list(session.exec(query.order_by(col(Study.doi))))


@dataclass(frozen=True)
class Filled:
    """What filling a record from looked-up fields did."""

    doi: str
    filled: tuple[str, ...] = ()
    """Fields that were empty and now hold the looked-up value."""
    updated: tuple[tuple[str, Any, Any], ...] = ()
    """(field, old, new): differing values replaced (``update=True``)."""
    kept: tuple[tuple[str, Any, Any], ...] = ()
    """(field, library's, looked-up): differing values left as they were."""
    claims: int = 0
    """How many claims cite the study (each sees the change)."""


def _same(name: str, ours: Any, theirs: Any) -> bool:
    if name in _NUMBERS:
        return bool(ours == theirs)
    return str(ours or "").strip() == str(theirs or "").strip()


def fill_study(
    session: Session, study_id: int, fields: Mapping[str, Any], *, update: bool = False
) -> Filled:
    """Fill a study's empty fields from ``fields``; differing ones only with ``update``.

    One ``EditStudy`` (history notes in every citing claim) in the caller's transaction;
    it refuses with Conflict if the record changed between reading and writing.
    """
    study = session.get(Study, study_id)
    if study is None:
        from curator_tui.services.errors import NotFound

        raise NotFound(f"no study with id {study_id}")
    filled: list[str] = []
    updated: list[tuple[str, Any, Any]] = []
    kept: list[tuple[str, Any, Any]] = []
    for name in (*LOOKUP_FIELDS, "pmid"):
        if name not in fields or fields[name] in (None, ""):
            continue
        ours, theirs = getattr(study, name), fields[name]
        if ours in (None, ""):
            filled.append(name)
        elif not _same(name, ours, theirs):
            (updated if update else kept).append((name, ours, theirs))
    changes = [*filled, *(name for name, _, _ in updated)]
    claims = int(
        session.connection()
        .execute(sa_select(func.count(col(Evidence.id))).where(col(Evidence.study_id) == study_id))
        .scalar_one()
    )
    if changes:
        values = tuple((name, fields[name]) for name in changes)
        expected = tuple((name, getattr(study, name)) for name in changes)
        apply(session, EditStudy(study_id, values, expected=expected))
    return Filled(study.doi, tuple(filled), tuple(updated), tuple(kept), claims)
