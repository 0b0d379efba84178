"""Reference files and retraction data read into plain records: no database, no UI.

One module per format (bibtex, ris, csl, medline, retractions); each turns a file's bytes
into a ``ParsedFile`` of ``ReferenceRecord``s with readable text (``clean.py``: no LaTeX,
no HTML, authors in one form, pages with an en dash, DOIs normalised). Entries without a
DOI or with a short DOI are skipped and counted; a broken entry is one line
(``file:line: what is wrong``) and the others are still read. The services merge the
records into the library (services/reference_import.py).
"""

from __future__ import annotations

from pathlib import Path

from curator_tui.references.record import ParsedFile, ReferenceRecord, Retraction

__all__ = ["REFERENCE_SUFFIXES", "ParsedFile", "ReferenceRecord", "Retraction", "parse_file"]

# The file kinds read here, by suffix (CSL-JSON is a .json, told apart by its content).
REFERENCE_SUFFIXES = (".bib", ".ris", ".nbib", ".medline", ".csv")


def parse_file(path: Path, data: bytes, kind: str | None = None) -> ParsedFile:
    """Parse a reference or retraction file by its suffix (or ``kind``: "csl")."""
    name = str(path)
    kind = kind or path.suffix.lower().lstrip(".")
    if kind == "bib":
        from curator_tui.references.bibtex import parse_bibtex

        return parse_bibtex(name, data)
    if kind == "ris":
        from curator_tui.references.ris import parse_ris

        return parse_ris(name, data)
    if kind in ("nbib", "medline"):
        from curator_tui.references.medline import parse_medline

        return parse_medline(name, data)
    if kind == "csv":
        from curator_tui.references.retractions import parse_retractions

        return parse_retractions(name, data)
    if kind in ("csl", "json"):
        from curator_tui.references.csl import parse_csl

        return parse_csl(name, data)
    raise ValueError(f"not a reference file kind: {kind!r}")
