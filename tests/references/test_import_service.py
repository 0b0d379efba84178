"""Merging reference and retraction files into the library: never clobbering (both backends)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from curator_tui.cards.model import Card, StudyRef
from curator_tui.db import session_scope
from curator_tui.models import Claim, Study
from curator_tui.services import history
from curator_tui.services.cards import create_from_card
from curator_tui.services.importing import import_file, import_paths
from curator_tui.services.rendered import iter_markdown

BIB = """@article{refalo2024,
  author = {Refalo, Martin C. and Helms, Eric R.},
  title = {Influence of resistance training proximity-to-failure},
  journal = {Journal of Sports Sciences},
  year = {2024},
  volume = {42},
  pages = {1--20},
  doi = {https://doi.org/10.1080/02640414.2024.2321021}
}
@article{other,
  author = {Bostr\\"{o}m, Gustav},
  title = {A {IEEE} study},
  journal = {Other Journal},
  year = {2020},
  doi = {10.1000/OTHER.1}
}
"""


def _study(engine: Engine, doi: str) -> dict[str, Any]:
    with Session(engine) as session:
        study = session.execute(select(Study).where(Study.doi == doi)).scalar_one()
        return study.model_dump()


def _claim_citing(engine: Engine, doi: str, **fields: Any) -> int:
    card = Card(statement=f"A claim citing {doi}", studies=(StudyRef(doi=doi, **fields),))
    with session_scope(engine) as session:
        return create_from_card(session, card)


def _markdown(engine: Engine, claim_id: int) -> str:
    with Session(engine) as session:
        [(_, _, text)] = list(iter_markdown(session, [claim_id]))
        return text


def test_new_studies_then_fill_then_differences_kept(any_library: Engine, tmp_path: Path) -> None:
    claim = _claim_citing(any_library, "10.1080/02640414.2024.2321021", title="Curator's own title")
    before_version = _version(any_library, claim)
    path = tmp_path / "refs.bib"
    path.write_text(BIB, encoding="utf-8")
    result = import_file(any_library, path)
    assert result.ok and result.status == "studies" and not result.errors
    # The study already cited kept its title (a difference, listed) and got its empty fields.
    refalo = _study(any_library, "10.1080/02640414.2024.2321021")
    assert refalo["title"] == "Curator's own title"
    assert refalo["authors"] == "Refalo MC; Helms ER"
    assert (refalo["journal"], refalo["year"], refalo["pages"]) == (
        "Journal of Sports Sciences",
        2024,
        "1–20",
    )
    assert any(
        w.startswith(f"{path}:1: study 10.1080/02640414.2024.2321021: title differs")
        for w in result.warnings
    )
    assert "1 new, 1 filled" in result.message and "1 difference(s)" in result.message
    other = _study(any_library, "10.1000/other.1")
    assert (other["authors"], other["title"]) == ("Boström G", "A IEEE study")
    # The citing claim changed: a new version, its Markdown shows the record, history names it.
    assert _version(any_library, claim) == before_version + 1
    assert "Refalo MC; Helms ER" in _markdown(any_library, claim)
    with Session(any_library) as session:
        newest = history.newest(session, claim)
    assert newest is not None
    assert newest.summary == (
        "imported the record of the study 10.1080/02640414.2024.2321021 from refs.bib"
    )
    # Again: nothing to fill, the same difference, nothing changed.
    again = import_file(any_library, path)
    assert "0 new, 0 filled" in again.message and "2 unchanged" in again.message
    assert _version(any_library, claim) == before_version + 1


def test_update_takes_the_files_values(any_library: Engine, tmp_path: Path) -> None:
    _claim_citing(any_library, "10.1080/02640414.2024.2321021", title="Curator's own title")
    path = tmp_path / "refs.bib"
    path.write_text(BIB, encoding="utf-8")
    result = import_file(any_library, path, update=True)
    assert "1 updated" in result.message
    assert _study(any_library, "10.1080/02640414.2024.2321021")["title"] == (
        "Influence of resistance training proximity-to-failure"
    )


def test_dry_run_changes_nothing_and_says_what_would(
    any_library: Engine, tmp_path: Path, dump_library: Any
) -> None:
    _claim_citing(any_library, "10.1080/02640414.2024.2321021", title="Curator's own title")
    before = dump_library(any_library)
    path = tmp_path / "refs.bib"
    path.write_text(BIB, encoding="utf-8")
    result = import_file(any_library, path, dry_run=True, update=True)
    assert result.message.startswith("dry run: 2 entries, 1 new, 0 filled, 1 updated")
    assert dump_library(any_library) == before


def test_retraction_file_marks_matching_studies(any_library: Engine, tmp_path: Path) -> None:
    claim = _claim_citing(any_library, "10.1155/2021/6907871", title="A paper")
    corpus = Path(__file__).resolve().parents[1] / "corpus" / "references"
    result = import_file(any_library, corpus / "retraction_watch_egonw.csv")
    assert result.message == "1 entry, 1 study marked, 0 not in the library"
    study = _study(any_library, "10.1155/2021/6907871")
    assert (study["retraction_nature"], study["retraction_date"]) == ("Retraction", "2023-08-16")
    with Session(any_library) as session:
        newest = history.newest(session, claim)
    assert newest is not None and newest.summary.startswith(
        "marked the study 10.1155/2021/6907871 retracted (Retraction, 2023-08-16)"
    )


def test_broken_entries_are_lines_and_the_good_ones_import(
    any_library: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.ris"
    path.write_text(
        "TY  - JOUR\nTI  - Good\nDO  - 10.1000/good\nER  - \n"
        "TY  - JOUR\nTI  - Bad\nDO  - nonsense\nER  - \n",
        encoding="utf-8",
    )
    result = import_file(any_library, path)
    assert result.ok
    assert result.errors == [
        f"{path}:5: not a DOI: 'nonsense' (expected 10.<registrant>/<suffix>, e.g. 10.1080/02640414.2024.2321021)"
    ]
    assert _study(any_library, "10.1000/good")["title"] == "Good"


def test_csl_json_and_our_own_json_list_both_import(any_library: Engine, tmp_path: Path) -> None:
    csl = tmp_path / "zotero.json"
    csl.write_text(
        json.dumps(
            [
                {
                    "id": "a",
                    "type": "article-journal",
                    "DOI": "10.1000/CSL",
                    "title": "<i>In vivo</i> work",
                }
            ]
        ),
        encoding="utf-8",
    )
    own = tmp_path / "studies.json"
    own.write_text(json.dumps([{"doi": "10.1000/own", "title": "Own"}]), encoding="utf-8")
    results = import_paths(any_library, [tmp_path])
    assert all(r.ok for r in results), [r.message for r in results]
    assert _study(any_library, "10.1000/csl")["title"] == "In vivo work"
    assert _study(any_library, "10.1000/own")["title"] == "Own"


def _version(engine: Engine, claim_id: int) -> int:
    with Session(engine) as session:
        claim = session.get(Claim, claim_id)
        assert claim is not None
        return claim.version


def test_a_doi_twice_in_one_file_keeps_the_first_entry(any_library: Engine) -> None:
    # JabRef's complex.bib gives 10.1109/MSP.2004.81 to two different articles.
    path = Path(__file__).resolve().parents[1] / "corpus" / "references" / "jabref_complex.bib"
    result = import_file(any_library, path, update=True)
    assert result.ok and not result.errors
    study = _study(any_library, "10.1109/msp.2004.81")
    assert study["title"] == "Article with complex Authornames"
    [line] = [w for w in result.warnings if "10.1109/msp.2004.81: title" in w]
    assert "differs from line 154 of the same file" in line and "kept line 154's" in line
    assert "15 new" in result.message and "4 skipped (4 without DOI, 0 short DOI)" in result.message
