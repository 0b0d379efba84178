"""BibTeX and BibLaTeX (.bib) through bibtexparser 2: @string macros, crossref, LaTeX decoded.

The parse stack is bibtexparser's default (``@string`` and month macros resolved, enclosing
braces removed) plus its name middlewares (co-authors split, names split into parts, so a
braced ``{World Health Organization}`` stays one name) and its LaTeX decoding middleware
(``Bostr\\"{o}m`` → Boström, ``{IEEE}`` → IEEE). Names are decoded part by part with the
same decoder, since the middleware leaves split names alone. ``crossref`` is resolved here:
a child takes the fields it lacks from its parent (BibTeX's rule); ``booktitle`` serves as
the journal of a paper in proceedings.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from curator_tui.references import clean
from curator_tui.references.record import ParsedFile, ReferenceRecord

_INHERITED = ("journal", "journaltitle", "booktitle", "year", "date", "volume", "number", "issue")


# Math that is only a sub- or superscript (VO$_2$max, 10$^{-3}$, m$^2$): written with
# Unicode's sub- and superscript characters where it has one for each character (the
# decoder would give "VO_2max"). An escaped dollar (\$, Mendeley's {\$}) is text.
_SCRIPT_MATH = re.compile(r"(?<!\\)\$([_^])(?:\{([^{}$\\]*)\}|([^{}$\\\s]))\$")
_SUB = dict(zip("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎", strict=True))
_SUPER = dict(zip("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ", strict=True))


def _script(match: re.Match[str]) -> str:
    table = _SUB if match.group(1) == "_" else _SUPER
    body = (match.group(2) if match.group(2) is not None else match.group(3)).strip()
    if body and all(c in table for c in body):
        return "".join(table[c] for c in body)
    return match.group(0)


def parse_bibtex(path: str, data: bytes) -> ParsedFile:
    """Every entry of a .bib file, as records (see the module docstring)."""
    # Imported here: only an import of a .bib pays for bibtexparser and pylatexenc.
    from bibtexparser.entrypoint import parse_string
    from bibtexparser.middlewares import (
        LatexDecodingMiddleware,
        SeparateCoAuthors,
        SplitNameParts,
    )
    from bibtexparser.model import Entry

    # bibtexparser logs each aborted block as a warning; with no handler configured Python
    # would print it to stderr beside our own line for that entry.
    logging.getLogger("bibtexparser").addHandler(logging.NullHandler())
    parsed = ParsedFile(path)
    source = clean.decode(data, parsed)
    if source is None:
        return parsed
    source = _SCRIPT_MATH.sub(_script, source.replace("\r\n", "\n").replace("\r", "\n"))
    # Math decoded too ($\alpha$ is α): a title is read as text, not typeset.
    latex = LatexDecodingMiddleware(keep_math_mode=False)
    library = parse_string(source, append_middleware=[SeparateCoAuthors(), SplitNameParts(), latex])
    for failed in library.failed_blocks:
        line = (failed.start_line or 0) + 1
        error = getattr(failed, "error", None)
        reason = getattr(error, "abort_reason", "") or str(error or "") or "cannot be read"
        parsed.entries += 1
        parsed.errors.append(f"{parsed.where(line)}: broken entry: {reason.splitlines()[0]}")

    def decode(value: str) -> str:
        return str(latex._transform_python_value_string(value)[0])

    entries: dict[str, Entry] = {e.key.lower(): e for e in library.entries}
    for entry in library.entries:
        values = _values(entry)
        parent_key = str(values.get("crossref", "")).strip().lower()
        parent = entries.get(parent_key)
        if parent is not None and parent is not entry:
            for name, value in _values(parent).items():
                if name in _INHERITED and name not in values:
                    values[name] = value
                if name == "title" and "booktitle" not in values:
                    values["booktitle"] = value
        line = (entry.start_line or 0) + 1
        record = ReferenceRecord(
            line=line,
            doi="",
            title=clean.text(values.get("title", "")),
            authors=_authors(values.get("author"), decode),
            journal=clean.text(
                values.get("journal") or values.get("journaltitle") or values.get("booktitle", "")
            ),
            year=clean.year(values.get("year"), values.get("date")),
            volume=clean.text(values.get("volume", "")),
            issue=clean.text(values.get("number") or values.get("issue", "")),
            pages=clean.pages(values.get("pages", "")),
            pmid=clean.pmid(values.get("pmid", "")),
        )
        clean.add_entry(parsed, line, _raw_doi(entry), record)
    return parsed


def _values(entry: Any) -> dict[str, Any]:
    return {field.key.lower(): field.value for field in entry.fields}


def _raw_doi(entry: Any) -> str:
    """The DOI field, without the TeX escapes and braces that decoding may leave."""
    raw = ""
    for field in entry.fields:
        if field.key.lower() == "doi":
            raw = field.value
    value = str(raw or "")
    value = re.sub(r"\\([_&%#$])", r"\1", value)
    return value.replace("{", "").replace("}", "")


def _authors(value: Any, decode: Any) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        return clean.authors(part for part in re.split(r"\s+and\s+", value))
    names = []
    for parts in value:
        if isinstance(parts, str):
            names.append(clean.person(*clean.split_name(decode(parts))))
            continue
        family = " ".join(decode(p) for p in [*parts.von, *parts.last])
        given = " ".join(decode(p) for p in parts.first)
        suffix = " ".join(decode(p) for p in parts.jr)
        names.append(clean.person(family, given, suffix))
    return "; ".join(name for name in names if name)
