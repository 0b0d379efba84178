"""Retraction Watch CSV: notices by original DOI, dates as ISO dates."""

from __future__ import annotations

from pathlib import Path

import pytest

from curator_tui.references import parse_file
from curator_tui.references.retractions import iso_date

HEADER = (
    "Record ID,Title,Subject,Institution,Journal,Publisher,Country,Author,URLS,ArticleType,"
    "RetractionDate,RetractionDOI,RetractionPubMedID,OriginalPaperDate,OriginalPaperDOI,"
    "OriginalPaperPubMedID,RetractionNature,Reason,Paywalled,Notes\n"
)


def test_a_real_row(corpus: Path) -> None:
    path = corpus / "retraction_watch_egonw.csv"
    parsed = parse_file(path, path.read_bytes())
    assert parsed.entries == 1 and parsed.errors == []
    [notice] = parsed.retractions
    assert (notice.doi, notice.nature, notice.date, notice.line) == (
        "10.1155/2021/6907871",
        "Retraction",
        "2023-08-16",
        2,
    )


def test_the_gravest_notice_wins_and_rows_without_doi_are_counted(tmp_path: Path) -> None:
    # Constructed rows in the dataset's column layout (see tests/corpus/references/README).
    rows = [
        "1,A,,,,,,,,,3/1/2020 0:00,,0,,10.1000/ONE,0,Correction,,No,",
        "2,A,,,,,,,,,5/1/2021 0:00,,0,,10.1000/one,0,Retraction,,No,",
        "3,A,,,,,,,,,6/1/2022 0:00,,0,,10.1000/one,0,Expression of concern,,No,",
        "4,B,,,,,,,,,2024-02-20,,0,,unavailable,0,Retraction,,No,",
        "5,C,,,,,,,,,not a date,,0,,10.1000/three,0,Retraction,,No,",
    ]
    path = tmp_path / "rw.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    parsed = parse_file(path, path.read_bytes())
    assert [(n.doi, n.nature, n.date) for n in parsed.retractions] == [
        ("10.1000/one", "Retraction", "2021-05-01")
    ]
    assert parsed.no_doi == 1
    assert parsed.errors == [f"{path}:6: not a date: 'not a date'"]


def test_a_csv_without_the_column_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    parsed = parse_file(path, path.read_bytes())
    assert parsed.errors == [
        f"{path}:1: not a Retraction Watch CSV: it has no OriginalPaperDOI column"
    ]


@pytest.mark.parametrize(
    ("text", "iso"),
    [("8/16/2023 0:00", "2023-08-16"), ("2023-08-16", "2023-08-16"), ("", "")],
)
def test_dates(text: str, iso: str) -> None:
    assert iso_date(text) == iso
