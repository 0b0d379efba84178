"""PubMed's MEDLINE format (.nbib, .medline): ``PMID- …`` records, six-column tags.

A record starts at its ``PMID-`` line; a line starting with spaces continues the field
above. Authors come from ``AU`` (already ``Refalo MC``), else ``FAU``; the journal is
``JT`` (its full title), else ``TA``; the DOI is the ``LID`` or ``AID`` marked ``[doi]``.
"""

from __future__ import annotations

import re

from curator_tui.references import clean
from curator_tui.references.record import ParsedFile, ReferenceRecord

_TAG = re.compile(r"^([A-Z][A-Z0-9]{1,3})\s*-\s?(.*)$")


def parse_medline(path: str, data: bytes) -> ParsedFile:
    """Every record of a MEDLINE file (see the module docstring)."""
    parsed = ParsedFile(path)
    source = clean.decode(data, parsed)
    if source is None:
        return parsed
    records: list[tuple[int, dict[str, list[str]]]] = []
    fields: dict[str, list[str]] | None = None
    last = ""
    for number, line in enumerate(source.splitlines(), 1):
        if not line.strip():
            continue
        match = _TAG.match(line) if not line[:1].isspace() else None
        if match is None:
            if fields is not None and last and line[:1].isspace():
                fields[last][-1] += " " + line.strip()
            elif fields is not None:
                parsed.errors.append(f"{parsed.where(number)}: not a MEDLINE line: {line[:40]!r}")
            continue
        tag, value = match[1], match[2].strip()
        if tag == "PMID":
            fields = {}
            records.append((number, fields))
        if fields is None:
            continue  # text before the first record
        fields.setdefault(tag, []).append(value)
        last = tag
    for start, found in records:
        authors = found.get("AU") or found.get("FAU") or []
        record = ReferenceRecord(
            line=start,
            doi="",
            title=clean.text(" ".join(found.get("TI", []))),
            authors=clean.authors(authors),
            journal=clean.text(_first(found, "JT") or _first(found, "TA")),
            year=clean.year(_first(found, "DP")),
            volume=clean.text(_first(found, "VI")),
            issue=clean.text(_first(found, "IP")),
            pages=clean.pages(_first(found, "PG")),
            pmid=clean.pmid(_first(found, "PMID")),
        )
        dois = [
            v[: -len("[doi]")]
            for v in found.get("LID", []) + found.get("AID", [])
            if v.endswith("[doi]")
        ]
        clean.add_entry(parsed, start, dois[0] if dois else "", record)
    return parsed


def _first(fields: dict[str, list[str]], tag: str) -> str:
    values = fields.get(tag)
    return values[0] if values else ""
