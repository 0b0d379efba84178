"""Finding a study's record by DOI for the add-study dialog: the library first, then Crossref.

``StudyLookup.find`` blocks (a database read, then an HTTP request): the dialog calls it
in a thread worker. What it returns is plain text per field, as the study form shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from curator_tui.cards.doi import DOIError, normalize_doi
from curator_tui.db import describe_db_error, session_scope
from curator_tui.services.cards import find_study
from curator_tui.services.crossref import CrossrefError, CrossrefSettings, lookup

# The fields of a record the add-study form shows (and a lookup may fill).
RECORD_FIELDS = ("title", "authors", "journal", "year", "volume", "issue", "pages", "pmid")


@dataclass(frozen=True)
class FoundStudy:
    """A DOI's record: from the library (linked as it is) or from Crossref (to create)."""

    doi: str
    source: Literal["library", "crossref"]
    fields: dict[str, str]


class LookupFailed(LookupError):
    """No record for the DOI; the message is one line for the curator."""


class StudyLookup:
    """Where to look a DOI up: the library (``engine``) and Crossref (``crossref``)."""

    def __init__(self, engine: Engine, crossref: CrossrefSettings) -> None:
        self.engine = engine
        self.crossref = crossref

    def find(self, doi: str) -> FoundStudy:
        """The DOI's record (blocking); raises LookupFailed with one line."""
        try:
            key = normalize_doi(doi)
        except DOIError as exc:
            raise LookupFailed(str(exc)) from None
        try:
            with session_scope(self.engine) as session:
                study = find_study(session, key)
        except SQLAlchemyError as exc:
            raise LookupFailed(f"cannot read the library: {describe_db_error(exc)}") from None
        if study is not None:
            shown = {name: getattr(study, name) for name in RECORD_FIELDS}
            return FoundStudy(key, "library", {k: _text(v) for k, v in shown.items()})
        try:
            fields = lookup(key, self.crossref)
        except CrossrefError as exc:
            raise LookupFailed(str(exc)) from None
        return FoundStudy(
            key, "crossref", {k: _text(fields.get(k)) for k in RECORD_FIELDS if fields.get(k)}
        )


def _text(value: object) -> str:
    return "" if value is None else str(value)
