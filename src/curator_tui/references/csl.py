"""CSL-JSON (.json, as Zotero, Better BibTeX and pandoc write it): a list of items.

Titles may carry HTML (``Frithuswith (<i>d.</i> 727)``): tags go, entities are decoded.
Names are ``{"family", "given"}`` or ``{"literal"}``; the year is the first of
``issued.date-parts`` (a number or a string), else of ``issued.raw``/``literal``.
Each item's line is where its object starts in the file.
"""

from __future__ import annotations

import json
from typing import Any

from curator_tui.references import clean
from curator_tui.references.record import ParsedFile, ReferenceRecord

# Keys that only CSL items have; our own study-record list has a lower-case ``doi``.
CSL_KEYS = frozenset(
    {"DOI", "type", "container-title", "issued", "author", "citation-key", "page", "PMID"}
)


def looks_like_csl(items: Any) -> bool:
    """A JSON list of CSL-JSON items (not the library's own study-record list)."""
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        return False
    if any("doi" in item for item in items):
        return False
    return any(
        "type" in item and ("id" in item or "title" in item or "DOI" in item) for item in items
    ) or any(len(CSL_KEYS & item.keys()) >= 2 for item in items)


def _items_with_lines(source: str) -> list[tuple[int, Any]]:
    """The top-level items of a JSON list, each with the line its object starts on."""
    decoder = json.JSONDecoder()
    position = len(source) - len(source.lstrip())
    if source[position : position + 1] == "{":
        item, _ = decoder.raw_decode(source, position)
        return [(source.count("\n", 0, position) + 1, item)]
    if source[position : position + 1] != "[":
        raise json.JSONDecodeError("expected a JSON list", source, position)
    position += 1
    out: list[tuple[int, Any]] = []
    while True:
        while position < len(source) and source[position] in " \t\r\n,":
            position += 1
        if position >= len(source) or source[position] == "]":
            return out
        item, end = decoder.raw_decode(source, position)
        out.append((source.count("\n", 0, position) + 1, item))
        position = end


def parse_csl(path: str, data: bytes) -> ParsedFile:
    """Every item of a CSL-JSON file (see the module docstring)."""
    parsed = ParsedFile(path)
    source = clean.decode(data, parsed)
    if source is None:
        return parsed
    try:
        items = _items_with_lines(source)
    except json.JSONDecodeError as exc:
        parsed.errors.append(f"{parsed.where(exc.lineno)}: not CSL-JSON ({exc.msg})")
        return parsed
    for line, item in items:
        if not isinstance(item, dict):
            parsed.entries += 1
            parsed.errors.append(
                f"{parsed.where(line)}: a CSL-JSON item is an object, not {type(item).__name__}"
            )
            continue
        container = item.get("container-title", "")
        if isinstance(container, list):
            container = container[0] if container else ""
        record = ReferenceRecord(
            line=line,
            doi="",
            title=clean.text(item.get("title", "")),
            authors="; ".join(
                filter(None, (_name(a) for a in item.get("author") or [] if isinstance(a, dict)))
            ),
            journal=clean.text(container),
            year=_year(item.get("issued")),
            volume=clean.text(item.get("volume", "")),
            issue=clean.text(item.get("issue", "")),
            pages=clean.pages(item.get("page", "")),
            pmid=clean.pmid(item.get("PMID", "")),
        )
        clean.add_entry(parsed, line, item.get("DOI") or item.get("doi") or "", record)
    return parsed


def _name(author: dict[str, Any]) -> str:
    if author.get("literal"):
        return clean.text(author["literal"])
    family = " ".join(
        str(author.get(k, "")) for k in ("non-dropping-particle", "family") if author.get(k)
    )
    return clean.person(family, str(author.get("given", "")), str(author.get("suffix", "")))


def _year(issued: Any) -> int | None:
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            found = clean.year(parts[0][0])
            if found is not None:
                return found
        return clean.year(issued.get("raw"), issued.get("literal"))
    return clean.year(issued)
