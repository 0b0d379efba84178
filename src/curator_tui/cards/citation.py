"""A study's citation: the bibliographic part of its line, between its title and its DOI.

An export shows a study as ``*Title*. Authors (2024). Journal 42(1): 85–101. PMID 1.
[DOI ...](...)``, and importing the export reads every field back. That natural form
cannot say every record (authors without a year look like a journal; a journal with no
volume but ending in a number looks like one with a volume), so the renderer checks that
the reader gives back the record from it, and where it would not, writes the fields
labelled instead: ``Authors: Smith J. A.. Year: 2020`` with every ``.`` in a value
escaped (``Smith J\\. A\\.``), which reads back whatever the values hold. Either way
``parse_citation(citation_markdown(study)) == Citation.of(study)``.

The reader works on the citation's Markdown source: an escaped character (``\\.``) is
text, never structure. Pure functions; no database, no UI.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from curator_tui.cards.escape import escape_inline, escape_markdown
from curator_tui.cards.model import StudyRef
from curator_tui.cards.text import clean


class Citation(NamedTuple):
    """The fields of a study record that its line shows, besides its title and DOI."""

    authors: str = ""
    year: int | None = None
    journal: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    pmid: str = ""

    @classmethod
    def of(cls, study: StudyRef) -> Citation:
        """The citation fields of a study."""
        return cls(
            study.authors,
            study.year,
            study.journal,
            study.volume,
            study.issue,
            study.pages,
            study.pmid,
        )

    def present(self) -> dict[str, str | int]:
        """The fields this citation gives (an empty text or no year gives nothing)."""
        return {k: v for k, v in self._asdict().items() if v not in (None, "")}


_LABELS = {
    "authors": "Authors",
    "year": "Year",
    "journal": "Journal",
    "volume": "Volume",
    "issue": "Issue",
    "pages": "Pages",
    "pmid": "PMID",
}
_FIELD_OF = {label: name for name, label in _LABELS.items()}

# One character of Markdown source: an escape pair (text) or anything but a backslash.
_A = r"(?:\\.|[^\\])"
_BODY = re.compile(rf"({_A}*?)\.?", re.S)
_PMID = re.compile(rf"(?:({_A}*?)\. )?PMID ({_A}*)", re.S)
_YEAR_ONLY = re.compile(rf"\(([0-9]+)\)(?:\. ({_A}*))?", re.S)
_AUTHORS_YEAR = re.compile(rf"({_A}+?) \(([0-9]+)\)(?:\. ({_A}*))?", re.S)
_FIRST_PART = re.compile(rf"({_A}*?)\. ({_A}*)", re.S)
_PAGES = re.compile(rf"({_A}*): ({_A}*)", re.S)
_ISSUE = re.compile(rf"({_A}*)\(({_A}*)\)", re.S)
_VOLUME = re.compile(r"(?:((?:\\.|[^\\])*) )?((?:\\.|[^\\\s(])(?:\\.|[^\\\s])*)", re.S)
# A labelled citation's parts, cut at each ". " that is not escaped.
_PART = re.compile(r"((?:\\.|[^\\.]|\.(?! ))+)(?:\. |$)", re.S)
_LABELLED = re.compile(rf"({'|'.join(_LABELS.values())}): ({_A}+)", re.S)
_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _text(raw: str) -> str:
    return clean(_UNESCAPE.sub(r"\1", raw))


def natural_citation(citation: Citation) -> str:
    """The plain bibliographic line: authors (year). journal vol(issue): pages. PMID n."""
    parts: list[str] = []
    if citation.authors:
        parts.append(citation.authors + (f" ({citation.year})" if citation.year else ""))
    elif citation.year:
        parts.append(f"({citation.year})")
    where = citation.journal
    if citation.volume:
        where = f"{where} {citation.volume}".strip()
    if citation.issue:
        where += f"({citation.issue})"
    if citation.pages:
        where = f"{where}: {citation.pages}" if where else citation.pages
    if where:
        parts.append(where)
    if citation.pmid:
        parts.append(f"PMID {citation.pmid}")
    return ". ".join(parts)


def _value_markdown(value: str | int) -> str:
    # Every "." escaped: no value can hold a ". " that ends its part.
    return escape_inline(str(value)).replace(".", "\\.")


def _labelled_markdown(citation: Citation) -> str:
    return ". ".join(
        f"{_LABELS[name]}: {_value_markdown(value)}" for name, value in citation.present().items()
    )


def _labelled_plain(citation: Citation) -> str:
    return ". ".join(f"{_LABELS[name]}: {value}" for name, value in citation.present().items())


def _natural(raw: str) -> Citation:
    pmid = ""
    if match := _PMID.fullmatch(raw):
        raw, pmid = match[1] or "", match[2]
    authors, year, where = "", None, raw
    if match := _YEAR_ONLY.fullmatch(raw):
        year, where = int(match[1]), match[2] or ""
    elif match := _AUTHORS_YEAR.fullmatch(raw):
        authors, year, where = match[1], int(match[2]), match[3] or ""
    elif match := _FIRST_PART.fullmatch(raw):
        authors, where = match[1], match[2]
    pages = issue = volume = ""
    if match := _PAGES.fullmatch(where):
        where, pages = match[1], match[2]
    # "Journal (1985)" is a journal's name; "Journal 12(3)" has an issue.
    if (match := _ISSUE.fullmatch(where)) and not match[1].endswith(" "):
        where, issue = match[1], match[2]
    if (match := _VOLUME.fullmatch(where)) and any(c.isdigit() for c in match[2]):
        where, volume = match[1] or "", match[2]
    return Citation(
        _text(authors), year, _text(where), _text(volume), _text(issue), _text(pages), _text(pmid)
    )


def _labelled(raw: str) -> Citation | None:
    parts: list[str] = []
    position = 0
    while position < len(raw):
        if not (cut := _PART.match(raw, position)):
            return None
        parts.append(cut[1])
        position = cut.end()
    values: dict[str, str | int] = {}
    order = list(_LABELS)
    last = -1
    for part in parts:
        match = _LABELLED.fullmatch(part)
        if not match:
            return None
        name = _FIELD_OF[match[1]]
        if order.index(name) <= last:
            return None
        last = order.index(name)
        if name == "year":
            if not re.fullmatch("[0-9]+", match[2]):
                return None
            values[name] = int(match[2])
        else:
            values[name] = _text(match[2])
    return Citation(**values)  # type: ignore[arg-type]


def parse_citation(raw: str) -> Citation:
    """The fields of a citation's Markdown source (its final ``.`` optional)."""
    match = _BODY.fullmatch(raw.strip())
    body = match[1].strip() if match else raw.strip()
    if not body:
        return Citation()
    labelled = _labelled(body)
    return labelled if labelled is not None else _natural(body)


def _forms(study: StudyRef, line_start: bool) -> tuple[str, str]:
    if study.year is None and not (
        study.authors or study.journal or study.volume or study.issue or study.pages or study.pmid
    ):
        return "", ""  # no citation (Citation.present() would be empty), quickly
    citation = Citation.of(study)
    if not citation.present():
        return "", ""
    plain = natural_citation(citation)
    if plain:
        markdown = escape_markdown(plain) if line_start else escape_inline(plain)
        if parse_citation(markdown) == citation:
            return markdown, plain
    return _labelled_markdown(citation), _labelled_plain(citation)


def citation_markdown(study: StudyRef, *, line_start: bool = False) -> str:
    """The citation as Markdown source, without its final ``.`` ("" when there is none).

    ``line_start``: it starts the list item (the study has no title), where a leading
    ``1.`` or ``-`` would start a list.
    """
    return _forms(study, line_start)[0]


def citation_plain(study: StudyRef, *, line_start: bool = False) -> str:
    """The citation as the plain-text card shows it: the Markdown stripped of its syntax."""
    return _forms(study, line_start)[1]
