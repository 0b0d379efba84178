"""Text as a person reads it: one form for authors, pages with an en dash, DOIs checked."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import UTC, datetime

from curator_tui.cards.doi import DOIError, find_dois, normalize_doi
from curator_tui.cards.text import clean
from curator_tui.references.record import ParsedFile, ReferenceRecord

_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_SHORT_DOI = re.compile(r"^(?:https?://)?(?:dx\.)?(?:doi\.org/)?10/[A-Za-z0-9]+$", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(1[6-9]\d\d|2\d\d\d)(?!\d)")
_PMID = re.compile(r"[1-9][0-9]{0,8}")
_RANGE = re.compile(r"^\s*([^\s\-–—]+)\s*(?:-{1,3}|–|—|‐|‑)\s*([^\s\-–—]+)\s*$")
# Lower-case words that start a family name ("van der Berg", "de Paula").
_PARTICLES = {
    "van",
    "von",
    "der",
    "den",
    "de",
    "del",
    "della",
    "di",
    "da",
    "du",
    "la",
    "le",
    "dos",
    "ter",
    "ten",
    "bin",
    "al",
}


def text(value: object) -> str:
    """One paragraph with HTML tags and entities gone (CSL titles carry ``<i>``)."""
    raw = str(value or "")
    if "<" in raw:
        raw = _TAG.sub("", raw)
    if "&" in raw:
        raw = html.unescape(raw)
    return clean(raw)


def initials(given: str) -> str:
    """``Martin C.`` → ``MC``; ``Jean-Pierre`` → ``JP``; ``H.C.G.`` → ``HCG``."""
    parts = [p for p in re.split(r"[\s.\-‐]+", given) if p]
    return "".join(p[0].upper() for p in parts if p[0].isalpha())


def person(family: str, given: str = "", suffix: str = "") -> str:
    """One author in the library's form: ``Refalo MC`` (family name, then initials)."""
    family, given = text(family), text(given)
    if not family:
        return given
    out = f"{family} {initials(given)}".strip() if given else family
    return f"{out} {text(suffix)}".strip() if suffix else out


def split_name(name: str) -> tuple[str, str]:
    """(family, given) of a name written ``Family, Given``, ``Given Family`` or ``Family GI``."""
    name = text(name).strip(" ,")
    if "," in name:
        family, _, given = name.partition(",")
        return family.strip(), given.strip()
    words = name.split()
    if len(words) == 1:
        return name, ""
    # Already "Refalo MC" (PubMed): initials are a short all-capital last word.
    if len(words) >= 2 and re.fullmatch(r"[A-Z]{1,4}", words[-1]):
        return " ".join(words[:-1]), words[-1]
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in _PARTICLES:
        start -= 1
    return " ".join(words[start:]), " ".join(words[:start])


def authors(names: Iterable[str]) -> str:
    """Authors joined in one form: ``Refalo MC; Helms ER``."""
    out = []
    for name in names:
        family, given = split_name(name)
        if re.fullmatch(r"[A-Z]{1,4}", given):
            out.append(f"{family} {given}")  # already initials
        elif family:
            out.append(person(family, given))
    return "; ".join(a for a in out if a)


def pages(first: object, last: object = "") -> str:
    """A page range with an en dash: ``11--18`` → ``11–18``; ``SP``/``EP`` joined."""
    start, end = text(first), text(last)
    if end and end != start and not _RANGE.match(start):
        return f"{start}–{end}"
    match = _RANGE.match(start)
    if match:
        return f"{match[1]}–{match[2]}"
    return start


def year(*values: object) -> int | None:
    """The first plausible year found in the values (``2019/10//undefined`` → 2019)."""
    latest = datetime.now(UTC).year + 1
    for value in values:
        for match in _YEAR.finditer(str(value or "")):
            found = int(match[1])
            if 1600 <= found <= latest:
                return found
    return None


def pmid(value: object) -> str:
    """A PMID, or '' when the value is not one."""
    found = text(value)
    return found if _PMID.fullmatch(found) else ""


class SkipEntry(Exception):
    """The entry is skipped (no DOI, a short DOI): counted, not an error."""

    def __init__(self, message: str, *, short: bool) -> None:
        super().__init__(message)
        self.short = short


class BrokenEntry(Exception):
    """The entry is broken: one line naming what is wrong; the rest of the file goes on."""


def doi(value: object) -> str:
    """The normalised DOI; raises SkipEntry (none, short) or BrokenEntry (not a DOI)."""
    raw = text(value)
    if not raw:
        raise SkipEntry("no DOI", short=False)
    if _SHORT_DOI.match(raw):
        raise SkipEntry(f"short DOI {raw} (the library keys studies by full DOI)", short=True)
    try:
        return normalize_doi(raw)
    except DOIError as exc:
        # A DOI field holding a publisher's link (http://doi.acm.org/10.1145/...).
        found = find_dois(raw)
        if found:
            try:
                return normalize_doi(found[0])
            except DOIError:
                pass
        raise BrokenEntry(str(exc)) from None


def add_entry(parsed: ParsedFile, line: int, raw_doi: object, record: ReferenceRecord) -> None:
    """Count an entry and file it under records, skipped or errors, by its DOI."""
    parsed.entries += 1
    try:
        record.doi = doi(raw_doi)
    except SkipEntry as skip:
        if skip.short:
            parsed.short_doi += 1
        else:
            parsed.no_doi += 1
        parsed.skipped.append(f"{parsed.where(line)}: skipped: {skip}")
        parsed.without_doi.append(record)
        return
    except BrokenEntry as exc:
        parsed.errors.append(f"{parsed.where(line)}: {exc}")
        return
    parsed.records.append(record)


def decode(data: bytes, parsed: ParsedFile) -> str | None:
    """The file's text (UTF-8, with or without a byte-order mark); None and an error if not."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        parsed.errors.append(f"{parsed.where(line)}: not UTF-8 text (byte {exc.start})")
        return None
