"""BibTeX: real .bib files (Mendeley, JabRef, BibDesk) read into readable records."""

from __future__ import annotations

import re
from pathlib import Path

from curator_tui.references import parse_file

from .conftest import assert_readable, valid_doi

_ENTRY = re.compile(r"^\s*@(?!string|comment|preamble)\w+\s*\{", re.IGNORECASE | re.MULTILINE)
_DOI_FIELD = re.compile(r"^\s*doi\s*=\s*[{\"](.*?)[}\"]\s*,?\s*$", re.IGNORECASE | re.MULTILINE)


def _independent(path: Path) -> tuple[int, set[str]]:
    """Entries and distinct valid DOIs, counted with regular expressions over the file."""
    text = path.read_text(encoding="utf-8-sig")
    dois = {d for raw in _DOI_FIELD.findall(text) if (d := valid_doi(raw))}
    return len(_ENTRY.findall(text)), dois


def test_mendeley_export_counts_agree_with_an_independent_parse(corpus: Path) -> None:
    path = corpus / "mendeley_random.bib"
    entries, dois = _independent(path)
    parsed = parse_file(path, path.read_bytes())
    assert parsed.entries == entries == 229
    assert {r.doi for r in parsed.records} == dois
    assert len(parsed.records) == 163
    assert parsed.no_doi == entries - len(parsed.records)
    assert parsed.errors == []
    assert_readable(parsed.records)


def test_latex_braces_and_upper_case_dois_become_plain_text(corpus: Path) -> None:
    path = corpus / "mendeley_random.bib"
    by_doi = {r.doi: r for r in parse_file(path, path.read_bytes()).records}
    # H{\"{a}}ndchen, J{\"{o}}rg; upper-case DOI stored lower-case.
    gehring = by_doi["10.1038/ncomms9795"]
    assert gehring.authors.startswith("Gehring T; Händchen V; Duhme J;")
    assert by_doi["10.1103/physreva.67.042105"].title.startswith("Universally Valid")
    # {\_} inside a DOI is an underscore.
    assert "10.1007/978-3-662-46803-6_26" in by_doi
    # {{Title}} and {IEEE}: the braces go, the words stay.
    ieee = [r for r in by_doi.values() if "IEEE" in r.journal]
    assert ieee and all("{" not in r.journal for r in ieee)
    assert by_doi["10.1088/1367-2630/17/9/093046"].authors == "Dammeier L; Schwonnek R; Werner RF"
    assert by_doi["10.1038/nphoton.2011.35"].pages == "222–229"


def test_jabref_file_strings_accents_and_doi_links(corpus: Path) -> None:
    path = corpus / "jabref_complex.bib"
    entries, dois = _independent(path)
    parsed = parse_file(path, path.read_bytes())
    assert parsed.entries == entries
    # Two entries share 10.1109/msp.2004.81: both are read; the library keeps one study.
    assert {r.doi for r in parsed.records} == dois
    assert len(parsed.records) == 16
    by_line = {r.line: r for r in parsed.records}
    bostrom = next(r for r in parsed.records if r.doi == "10.1145/1137627.1137631")
    # Bostr\"{o}m, W\"{a}yrynen, Bod\'{e}n; the DOI field held http://doi.acm.org/...
    assert bostrom.authors.startswith("Boström G; Wäyrynen J; Bodén M; Beznosov K")
    # http://dx.doi.org/10.1109/MIC.2008.67: link cut off, lower case.
    assert any(r.doi == "10.1109/mic.2008.67" for r in by_line.values())
    # "von Hippel, Eric and Reagle, Jr., Joseph M.": particles and Jr. kept in place.
    complex_names = next(r for r in parsed.records if r.title == "Article with complex Authornames")
    assert complex_names.authors.startswith("von Hippel E; Reagle JM Jr.")
    assert_readable(parsed.records)


def test_crossref_children_take_their_parents_fields(corpus: Path) -> None:
    path = corpus / "bbt_crossref_3514.bib"
    parsed = parse_file(path, path.read_bytes())
    # BibDesk entries without DOIs: none imported, all counted.
    assert parsed.entries == 6 and parsed.records == [] and parsed.no_doi == 6
    child = next(r for r in parsed.without_doi if r.title.startswith("Lenguas"))
    # year and book title come from @book{Hauck_etal_2011} through crossref.
    assert child.year == 2011
    assert child.journal.startswith("Fronteiras da integração: dimensões culturais")
    assert child.pages == "130–153"
    assert_readable(parsed.without_doi)


def test_bare_month_macro_and_accent_in_braces(corpus: Path) -> None:
    path = corpus / "bibtexparser_traps.bib"
    parsed = parse_file(path, path.read_bytes())
    assert parsed.errors == []
    [entry] = parsed.without_doi
    assert entry.year == 2013 and entry.pages == "12–23"
    assert "Laidé" in entry.authors


def test_a_broken_entry_is_one_line_and_the_rest_is_read(tmp_path: Path, corpus: Path) -> None:
    good = (corpus / "mendeley_random.bib").read_text(encoding="utf-8")
    bad = "@article{broken,\n  title = {No closing brace,\n  doi = {10.1000/x}\n\n"
    path = tmp_path / "mixed.bib"
    path.write_text(bad + good, encoding="utf-8")
    parsed = parse_file(path, path.read_bytes())
    assert len(parsed.records) == 163
    assert len(parsed.errors) == 1
    assert parsed.errors[0].startswith(f"{path}:1: ")


def test_a_doi_field_that_is_not_a_doi_is_an_error_and_a_short_doi_is_skipped(
    tmp_path: Path,
) -> None:
    path = tmp_path / "dois.bib"
    path.write_text(
        "@article{a, title={A}, doi={10/b4mz6g}}\n"
        "@article{b, title={B}, doi={not a doi}}\n"
        "@article{c, title={C}, doi={https://doi.org/10.1080/02640414.2024.2321021}}\n",
        encoding="utf-8",
    )
    parsed = parse_file(path, path.read_bytes())
    assert [r.doi for r in parsed.records] == ["10.1080/02640414.2024.2321021"]
    assert parsed.short_doi == 1
    assert len(parsed.errors) == 1 and parsed.errors[0].startswith(f"{path}:2: not a DOI")


def test_math_in_a_title_becomes_text(tmp_path: Path) -> None:
    # Sports-science titles carry VO$_2$max; a math symbol and an escaped dollar too.
    bib = tmp_path / "math.bib"
    bib.write_text(
        "@article{a, title = {Effects of Training on {VO$_2$max} and $\\alpha$-Actinin at"
        " 10$^{-3}$ M, in m$^2$, for \\$5}, author = {Lee, A}, doi = {10.1000/math.1}}\n",
        encoding="utf-8",
    )
    [record] = parse_file(bib, bib.read_bytes()).records
    assert record.title == "Effects of Training on VO₂max and α-Actinin at 10⁻³ M, in m², for $5"
