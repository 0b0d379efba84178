"""CSL-JSON: Better BibTeX's exports, with short DOIs, HTML in titles, en dashes."""

from __future__ import annotations

import json
from pathlib import Path

from curator_tui.references import parse_file
from curator_tui.references.csl import looks_like_csl

from .conftest import assert_readable, valid_doi


def _independent(path: Path) -> tuple[int, list[str], int]:
    items = json.loads(path.read_text(encoding="utf-8"))
    raw = [str(item.get("DOI", "")) for item in items]
    valid = [d for r in raw if (d := valid_doi(r))]
    short = sum(r.startswith("10/") for r in raw)
    return len(items), valid, short


def test_short_dois_are_skipped_and_counted(corpus: Path) -> None:
    path = corpus / "bbt_csl_1179.json"
    items, valid, short = _independent(path)
    parsed = parse_file(path, path.read_bytes(), "csl")
    assert parsed.entries == items == 26
    assert sorted(r.doi for r in parsed.records) == sorted(valid)
    assert parsed.short_doi == short == 15
    assert parsed.no_doi == items - short - len(valid)
    brittain = next(r for r in parsed.without_doi if r.authors == "Brittain I")
    assert (brittain.year, brittain.pages, brittain.line) == (2004, "429–452", 2)


def test_html_in_titles_goes(corpus: Path) -> None:
    path = corpus / "bbt_csl_825_html_title.json"
    assert "<i>d.</i>" in path.read_text(encoding="utf-8")
    parsed = parse_file(path, path.read_bytes(), "csl")
    [record] = parsed.records
    assert record.title == "Frithuswith (d. 727)"
    assert record.doi == "10.1093/ref:odnb/10183"
    assert record.line == 3
    assert_readable(parsed.records + parsed.without_doi)


def test_string_year_and_ranges(corpus: Path) -> None:
    path = corpus / "bbt_csl_3327_en_dash.json"
    [record] = parse_file(path, path.read_bytes(), "csl").records
    assert (record.year, record.issue, record.pages) == (2023, "7–8", "797–810")
    assert record.authors == "Alff H; Spies M"


def test_our_own_study_records_are_not_csl(corpus: Path) -> None:
    assert looks_like_csl(json.loads((corpus / "bbt_csl_1179.json").read_text(encoding="utf-8")))
    assert not looks_like_csl([{"doi": "10.1000/x", "title": "T", "year": 2020}])
    assert not looks_like_csl({"format": "curator-claims", "claims": []})
