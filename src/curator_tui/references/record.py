"""The plain records a reference or retraction file is read into."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The study fields a reference file can fill, in the order differences are listed.
RECORD_FIELDS = ("title", "authors", "journal", "year", "volume", "issue", "pages", "pmid")


@dataclass
class ReferenceRecord:
    """One entry of a reference file, its text cleaned; ``doi`` normalised."""

    line: int
    doi: str
    title: str = ""
    authors: str = ""
    journal: str = ""
    year: int | None = None
    volume: str = ""
    issue: str = ""
    pages: str = ""
    pmid: str = ""

    def fields(self) -> dict[str, Any]:
        """The fields this entry gives a value for."""
        values = {name: getattr(self, name) for name in RECORD_FIELDS}
        return {name: value for name, value in values.items() if value not in (None, "")}


@dataclass
class Retraction:
    """One row of a retraction file: the DOI of the paper, the notice's nature and date."""

    line: int
    doi: str
    nature: str
    date: str


@dataclass
class ParsedFile:
    """What a file holds: its good entries, what was skipped and what was broken."""

    path: str
    entries: int = 0
    records: list[ReferenceRecord] = field(default_factory=list)
    retractions: list[Retraction] = field(default_factory=list)
    # ``file:line: why`` for each entry skipped (no DOI, short DOI) and each broken one.
    skipped: list[str] = field(default_factory=list)
    no_doi: int = 0
    short_doi: int = 0
    errors: list[str] = field(default_factory=list)
    # Entries skipped for their DOI, as read: what they hold can still be checked.
    without_doi: list[ReferenceRecord] = field(default_factory=list)

    def where(self, line: int) -> str:
        """``file:line``."""
        return f"{self.path}:{line}"
