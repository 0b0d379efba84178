"""RIS (.ris) through rispy, made lenient: real exports are messier than the format.

rispy's parser is subclassed so that a file is read whatever its producer did: a
byte-order mark and Windows line ends (Scopus, Citavi, Zotero), text before the first
``TY`` (Ovid's "Record #1 of 2" headers), any ``TY`` value (``EJOUR``, ``TY  -  JOUR``),
continuation lines (Scopus's ``N1  - References:`` runs over hundreds of lines), a last
entry without ``ER`` and an entry whose ``ER`` is missing before the next ``TY``. Each
entry remembers the line its ``TY`` is on, and an entry rispy cannot take is one error
line, the others still read. Dates such as Zotero's ``DA  - 2019/10//undefined`` give
their year.
"""

from __future__ import annotations

from typing import Any

from curator_tui.references import clean
from curator_tui.references.record import ParsedFile, ReferenceRecord

# Tags that repeat: each line one value.
_LIST_TAGS = ["AU", "A1", "A2", "A3", "A4", "KW", "N1", "UR", "L1", "L2", "L4", "AD", "SN"]
_AUTHORS = ("AU", "A1")
_JOURNAL = ("T2", "JF", "JO", "JA", "J2", "T3", "BT")
_TITLE = ("TI", "T1", "CT")
_LINE = "__line__"


class _Tags(dict[str, str]):
    """Every tag maps to itself: fields are read by their RIS tag, whatever it is."""

    def __missing__(self, key: str) -> str:
        return key


def _parser_class() -> Any:
    # Imported here: only an import of a .ris pays for rispy.
    from rispy.parser import RisParser

    class LenientRisParser(RisParser):  # type: ignore[misc]
        """rispy's parser, reading what real exports hold (see the module docstring)."""

        def __init__(self) -> None:
            super().__init__(
                mapping=_Tags(),
                list_tags=_LIST_TAGS,
                delimiter_tags_mapping={},
                enforce_list_tags=True,
            )
            self.errors: list[tuple[int, str]] = []

        def parse_line(self, line: str) -> tuple[str | None, str]:
            stripped = line.rstrip("\r\n")
            # "TY  - JOUR", "TY  -  JOUR", "ER  -" (no space after the dash).
            tag = stripped[:2]
            if stripped[2:5] == "  -" and tag.isalnum() and tag[:1].isupper():
                return tag, stripped[6:].strip()
            return None, stripped.strip()

        def parse_lines(self, lines: Any) -> list[dict[str, Any]]:
            result: list[dict[str, Any]] = []
            record: dict[str, Any] | None = None
            last_tag: str | None = None
            for number, line in enumerate(lines, 1):
                tag, content = self.parse_line(line)
                if tag == self.START_TAG:
                    if record is not None:
                        result.append(record)  # its ER was missing: it ends here
                    record = {self.mapping[tag]: content, _LINE: number}
                    last_tag = None
                    continue
                if record is None:
                    continue  # text before the first entry
                if tag == self.END_TAG:
                    result.append(record)
                    record, last_tag = None, None
                    continue
                try:
                    if tag is None:
                        if content and last_tag is not None:
                            self._add_tag(record, last_tag, content, extend_multiline=True)
                        continue
                    if tag in self.ignore:
                        continue
                    self._add_tag(record, tag, content)
                    last_tag = tag
                except Exception as exc:  # rispy's own checks: this entry only
                    self.errors.append((number, f"cannot read this line ({exc})"))
            if record is not None:
                result.append(record)
            return result

    return LenientRisParser


def parse_ris(path: str, data: bytes) -> ParsedFile:
    """Every entry of a .ris file, as records (see the module docstring)."""
    parsed = ParsedFile(path)
    source = clean.decode(data, parsed)
    if source is None:
        return parsed
    parser = _parser_class()()
    entries = parser.parse_lines(source.splitlines())
    for number, message in parser.errors:
        parsed.errors.append(f"{parsed.where(number)}: {message}")
    for entry in entries:
        line = int(entry[_LINE])
        record = ReferenceRecord(
            line=line,
            doi="",
            title=clean.text(_first(entry, _TITLE)),
            authors=clean.authors(_all(entry, _AUTHORS)),
            journal=clean.text(_first(entry, _JOURNAL)),
            year=clean.year(_first(entry, ("PY",)), _first(entry, ("DA",)), _first(entry, ("Y1",))),
            volume=clean.text(_first(entry, ("VL",))),
            issue=clean.text(_first(entry, ("IS", "CP"))),
            pages=clean.pages(_first(entry, ("SP",)), _first(entry, ("EP",))),
        )
        clean.add_entry(parsed, line, _first(entry, ("DO", "DI")), record)
    return parsed


def _first(entry: dict[str, Any], tags: tuple[str, ...]) -> str:
    for tag in tags:
        value = entry.get(tag)
        if isinstance(value, list):
            value = next((v for v in value if v), "")
        if value:
            return str(value)
    return ""


def _all(entry: dict[str, Any], tags: tuple[str, ...]) -> list[str]:
    for tag in tags:
        value = entry.get(tag)
        if value:
            return [str(v) for v in (value if isinstance(value, list) else [value])]
    return []
