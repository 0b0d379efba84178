"""Plain, immutable data for one claim card: what rendering takes and parsing gives."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Stance(StrEnum):
    """Whether a study supports or contradicts a claim."""

    SUPPORTING = "supporting"
    CONTRADICTING = "contradicting"


@dataclass(frozen=True)
class Mechanism:
    """A mechanism: a plain-language summary and its ordered steps."""

    summary: str = ""
    steps: tuple[str, ...] = ()


@dataclass(frozen=True)
class StudyRef:
    """A study linked to a claim, with the stance it takes."""

    doi: str
    stance: Stance = Stance.SUPPORTING
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
    note: str = ""


@dataclass(frozen=True)
class GoldItem:
    """One ideal study design in the gold-standard list."""

    design: str
    description: str = ""


@dataclass(frozen=True)
class Card:
    """One claim card. ``mechanisms[0]`` is the most probable; the rest are ranked alternatives."""

    statement: str
    synthesis: str = ""
    mechanisms: tuple[Mechanism, ...] = ()
    studies: tuple[StudyRef, ...] = field(default=())
    gold: tuple[GoldItem, ...] = ()

    def studies_with(self, stance: Stance) -> tuple[StudyRef, ...]:
        """The linked studies taking ``stance``, in card order."""
        return tuple(s for s in self.studies if s.stance is stance)

    @property
    def study_count(self) -> int:
        """The number of distinct studies linked as evidence."""
        return len({s.doi for s in self.studies})
