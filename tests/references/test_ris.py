"""RIS: real exports (Zotero, Scopus, Citavi, MDPI, RefWorks, Cochrane, Ovid) read leniently."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from curator_tui.references import parse_file

from .conftest import assert_readable, valid_doi

_TY = re.compile(r"^(?:\ufeff)?TY  -", re.MULTILINE)
_DO = re.compile(r"^DO  - (.*?)\s*$", re.MULTILINE)

FILES = [
    "asreview_zotero.ris",  # Windows line ends, DA  - 2024///
    "asreview_scopus.ris",  # byte-order mark, N1  - Export Date: ...
    "asreview_citavi.ris",  # byte-order mark and Windows line ends, 100 entries
    "asreview_mdpi.ris",  # TY  - EJOUR (not a standard type), "ER  -" with no space
    "asreview_refworks.ris",  # a blank line before the first TY, N1  - undefined; ...
    "asreview_cochrane_endnote.ris",  # "TY  -  JOUR", a header before the first entry
    "asreview_eric_ovid.ris",  # Ovid: numbered records, no DO lines
    "bibx_scopus_first12.ris",  # Scopus's N1  - References: over hundreds of lines
    "rispy_bom.ris",  # byte-order mark, one entry
    "rispy_extraneous.ris",  # "Record #1 of 2" text between entries
]


@pytest.mark.parametrize("name", FILES)
def test_counts_agree_with_an_independent_parse(corpus: Path, name: str) -> None:
    path = corpus / name
    text = path.read_bytes().decode("utf-8-sig")
    entries = len(_TY.findall(text))
    dois = [d for raw in _DO.findall(text) if (d := valid_doi(raw))]
    parsed = parse_file(path, path.read_bytes())
    assert parsed.errors == []
    assert parsed.entries == entries
    assert sorted(r.doi for r in parsed.records) == sorted(dois)
    assert parsed.no_doi == entries - len(dois)
    assert_readable(parsed.records)


def test_windows_line_ends_and_zotero_dates(corpus: Path) -> None:
    path = corpus / "asreview_zotero.ris"
    assert b"\r\n" in path.read_bytes()
    parsed = parse_file(path, path.read_bytes())
    first = parsed.records[0]
    assert first.line == 1 and first.year == 2024
    assert first.authors == "Yang Z; Jiang B; Xu J; McNamara ME"
    assert first.journal == "Nature Communications"
    assert all("\r" not in r.title for r in parsed.records)


def test_scopus_reference_lists_do_not_leak_into_fields(corpus: Path) -> None:
    path = corpus / "bibx_scopus_first12.ris"
    longest = max(len(line) for line in path.read_text(encoding="utf-8").splitlines())
    assert longest > 300  # the N1 references run long
    parsed = parse_file(path, path.read_bytes())
    first = parsed.records[0]
    assert first.title == (
        "FORC signatures and switching-field distributions of dipolar coupled nanowire-based hysterons"
    )
    assert first.authors == "Pierrot A; Béron F; Blon T"
    for record in parsed.records:
        assert "References" not in record.title and len(record.journal) < 120


def test_a_zotero_undefined_day_gives_the_year(tmp_path: Path) -> None:
    # The example line: Zotero writes a missing day as "undefined".
    path = tmp_path / "zotero.ris"
    path.write_bytes(
        b"TY  - JOUR\r\nTI  - A\r\nDA  - 2019/10//undefined\r\nDO  - 10.1080/02640414.2019.1600001\r\nER  - \r\n"
    )
    [record] = parse_file(path, path.read_bytes()).records
    assert record.year == 2019


def test_an_entry_without_er_and_a_bad_doi(tmp_path: Path) -> None:
    path = tmp_path / "messy.ris"
    path.write_text(
        "TY  - JOUR\nTI  - First\nSP  - 11\nEP  - 18\nDO  - 10.1000/First\n"
        "TY  - JOUR\nTI  - Second\nDO  - doi: nonsense\nER  - \n"
        "TY  - JOUR\nTI  - Third\nDO  - https://doi.org/10.1000/THIRD\n",
        encoding="utf-8",
    )
    parsed = parse_file(path, path.read_bytes())
    assert [(r.line, r.doi, r.pages) for r in parsed.records] == [
        (1, "10.1000/first", "11–18"),
        (10, "10.1000/third", ""),
    ]
    assert len(parsed.errors) == 1 and parsed.errors[0].startswith(f"{path}:6: not a DOI")
