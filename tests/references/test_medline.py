"""PubMed's MEDLINE format (.nbib): a real 50-record export."""

from __future__ import annotations

import re
from pathlib import Path

from curator_tui.references import parse_file

from .conftest import assert_readable, valid_doi


def test_counts_and_pmids_agree_with_an_independent_parse(corpus: Path) -> None:
    path = corpus / "asreview_pubmed.nbib"
    text = path.read_text(encoding="utf-8")
    records = [r for r in re.split(r"\n(?=PMID- )", text) if r.startswith("PMID- ")]
    dois: dict[str, str] = {}
    for record in records:
        pmid = re.match(r"PMID- (\d+)", record)
        found = re.findall(r"^(?:LID|AID) - (\S+) \[doi\]", record, re.MULTILINE)
        if pmid and found and (doi := valid_doi(found[0])):
            dois[pmid[1]] = doi
    parsed = parse_file(path, path.read_bytes())
    assert parsed.entries == len(records) == 50
    assert {r.pmid: r.doi for r in parsed.records} == dois
    assert parsed.errors == []
    assert_readable(parsed.records)


def test_fields_of_a_record(corpus: Path) -> None:
    path = corpus / "asreview_pubmed.nbib"
    first = parse_file(path, path.read_bytes()).records[0]
    assert first.line == 1
    assert first.doi == "10.1016/j.ejmg.2019.03.004"
    assert first.pmid == "30922926"
    assert first.authors == "Griffin DK; Larkin DM; O'Connor RE"
    assert first.journal == "European journal of medical genetics"
    assert (first.year, first.volume, first.issue, first.pages) == (2020, "63", "2", "103640")
