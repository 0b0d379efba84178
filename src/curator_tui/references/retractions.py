"""The Retraction Watch data (a .csv; Crossref publishes it): notices by original DOI.

The columns read are ``OriginalPaperDOI``, ``RetractionNature`` ("Retraction",
"Correction", "Expression of Concern", ...) and ``RetractionDate``, which Crossref writes
``8/16/2023 0:00`` and others ``2023-08-16``; it is stored as an ISO date. A row without
an original DOI ("unavailable" included) is skipped and counted. When a paper has several
notices, the gravest wins (a retraction over an expression of concern over a
correction), then the latest.
"""

from __future__ import annotations

import csv
import re
from datetime import date

from curator_tui.references import clean
from curator_tui.references.record import ParsedFile, Retraction

_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s.*)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T\s].*)?$")
_GRAVITY = {"retraction": 3, "expression of concern": 2, "correction": 1}


def gravity(nature: str) -> int:
    """How grave a notice is: Retraction 3, Expression of Concern 2, Correction 1, other 0."""
    return _GRAVITY.get(nature.strip().lower(), 0)


def iso_date(text: str) -> str:
    """``8/16/2023 0:00`` or ``2023-08-16`` as ``2023-08-16``; '' when empty; ValueError."""
    text = text.strip()
    if not text:
        return ""
    if match := _US_DATE.match(text):
        month, day, year = int(match[1]), int(match[2]), int(match[3])
    elif match := _ISO_DATE.match(text):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    else:
        raise ValueError(f"not a date: {text!r}")
    return date(year, month, day).isoformat()


def parse_retractions(path: str, data: bytes) -> ParsedFile:
    """The notices of a Retraction Watch CSV, one per original DOI (see the docstring)."""
    parsed = ParsedFile(path)
    source = clean.decode(data, parsed)
    if source is None:
        return parsed
    reader = csv.DictReader(source.splitlines())
    columns = {name.strip().lower(): name for name in reader.fieldnames or []}
    if "originalpaperdoi" not in columns:
        parsed.errors.append(
            f"{parsed.where(1)}: not a Retraction Watch CSV: it has no OriginalPaperDOI column"
        )
        return parsed
    doi_key = columns["originalpaperdoi"]
    nature_key = columns.get("retractionnature")
    date_key = columns.get("retractiondate")
    best: dict[str, Retraction] = {}
    for row in reader:
        line = reader.line_num
        parsed.entries += 1
        raw = (row.get(doi_key) or "").strip()
        if raw.lower() in ("", "unavailable", "0"):
            # Counted, not listed: the full dataset has thousands of such rows.
            parsed.no_doi += 1
            continue
        try:
            doi = clean.doi(raw)
            when = iso_date(row.get(date_key) or "") if date_key else ""
        except (clean.SkipEntry, clean.BrokenEntry, ValueError) as exc:
            parsed.errors.append(f"{parsed.where(line)}: {exc}")
            continue
        nature = clean.text(row.get(nature_key) or "") if nature_key else ""
        notice = Retraction(line, doi, nature or "Retraction", when)
        kept = best.get(doi)
        if kept is None or (gravity(notice.nature), notice.date) > (
            gravity(kept.nature),
            kept.date,
        ):
            best[doi] = notice
    parsed.retractions = list(best.values())
    return parsed
