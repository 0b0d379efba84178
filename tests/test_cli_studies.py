"""``curator studies`` (the list, ``--retracted``) and ``curator studies fetch`` (Crossref).

On a SQLite file, then on a PostgreSQL database; Crossref is the local server of
tests/crossref_server.py, reached through ``CURATOR_CROSSREF_URL``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col

from crossref_server import CrossrefServer, running
from curator_tui.cli import main
from curator_tui.db import open_library, session_scope
from curator_tui.models import Study
from curator_tui.services import history
from curator_tui.services.claims import create_claim
from curator_tui.services.evidence import get_or_create_study, link_study
from curator_tui.services.history import with_author
from curator_tui.services.studies import RECORD_FIELDS

SHARED = "10.1080/02640414.2024.2321021"  # cited by claims 1 and 2; Crossref knows it
STARK = "10.1002/pssc.201200953"  # cited by claim 2; typed in by hand, partly
UNKNOWN = "10.9999/unknown.study"  # cited by claim 3; Crossref does not know it
LONELY = "10.1007/978-3-030-12345-6_7"  # cited by no claim


@pytest.fixture
def server() -> Iterator[CrossrefServer]:
    yield from running()


@pytest.fixture
def library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, any_db: str, server: CrossrefServer
) -> str:
    """Three claims citing three studies (one shared), and a study no claim cites."""
    config = tmp_path / "config.toml"
    config.write_text('mailto = "ada@example.org"\n', encoding="utf-8")
    monkeypatch.setenv("CURATOR_CONFIG", str(config))
    monkeypatch.setenv("CURATOR_AUTHOR", "Ada")
    monkeypatch.setenv("CURATOR_CROSSREF_URL", server.url)
    monkeypatch.setenv("CURATOR_CROSSREF_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("NO_COLOR", "1")
    engine = with_author(open_library(any_db), "Ada")
    with session_scope(engine) as session:
        first = create_claim(session, "Training to failure adds no muscle")
        second = create_claim(session, "Exercise order changes [bold] strength gains")
        third = create_claim(session, "Ångström-scale claims need Ångström studies")
        link_study(session, first, SHARED)
        link_study(session, second, SHARED)
        link_study(session, second, STARK)
        link_study(session, third, UNKNOWN)
        get_or_create_study(session, STARK, journal="Phys. Status Solidi C", year=2013)
        get_or_create_study(
            session, UNKNOWN, title="Lattice spacing", authors="Ångström AJ", year=1999
        )
        get_or_create_study(session, LONELY, title="Sample size & power", pmid="123")
    engine.dispose()
    return any_db


def run(capfd: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capfd.readouterr()
    status = main(list(argv))
    captured = capfd.readouterr()
    return status, captured.out, captured.err


def studies_json(capfd: pytest.CaptureFixture[str], db: str, *args: str) -> list[dict[str, Any]]:
    status, out, err = run(capfd, "--db", db, "studies", "--json", *args)
    assert status == 0, err
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


def record(db: str, doi: str) -> dict[str, Any]:
    engine = open_library(db)
    with session_scope(engine) as session:
        study = session.exec(Study.__table__.select().where(Study.doi == doi)).one()  # type: ignore[attr-defined]
        values = dict(study._mapping)
    engine.dispose()
    return values


def revisions(db: str, claim_id: int) -> list[str]:
    engine = open_library(db)
    with session_scope(engine) as session:
        summaries = [entry.summary for entry in history.revisions(session, claim_id)]
    engine.dispose()
    return summaries


# ------------------------------------------------------------------------------ the list


def test_json_carries_every_record_field_and_the_claim_count(
    library: str, capfd: pytest.CaptureFixture[str]
) -> None:
    rows = studies_json(capfd, library)
    assert [row["doi"] for row in rows] == sorted([SHARED, STARK, UNKNOWN, LONELY])
    for row in rows:
        assert list(row) == [*RECORD_FIELDS, "claims"]
    by_doi = {row["doi"]: row for row in rows}
    assert {doi: row["claims"] for doi, row in by_doi.items()} == {
        SHARED: 2,
        STARK: 1,
        UNKNOWN: 1,
        LONELY: 0,
    }
    assert by_doi[LONELY]["pmid"] == "123"
    assert by_doi[STARK]["year"] == 2013 and by_doi[STARK]["title"] == ""
    assert by_doi[SHARED]["retraction_nature"] == "" and by_doi[SHARED]["year"] is None


def test_search_and_missing(library: str, capfd: pytest.CaptureFixture[str]) -> None:
    # Every word, case-insensitively, in any script, on both backends.
    assert [r["doi"] for r in studies_json(capfd, library, "--search", "ÅNGSTRÖM lattice")] == [
        UNKNOWN
    ]
    assert [r["doi"] for r in studies_json(capfd, library, "--search", "pssc")] == [STARK]
    # Accents folded as the app's filter folds them: typed without, found with.
    assert [r["doi"] for r in studies_json(capfd, library, "--search", "angstrom")] == [UNKNOWN]
    assert studies_json(capfd, library, "--search", "lattice nowhere") == []
    missing_title = [r["doi"] for r in studies_json(capfd, library, "--missing", "title")]
    assert missing_title == sorted([SHARED, STARK])
    missing_year = [r["doi"] for r in studies_json(capfd, library, "--missing", "year")]
    assert missing_year == sorted([SHARED, LONELY])
    with pytest.raises(SystemExit) as exit:
        main(["--db", library, "studies", "--missing", "colour"])
    assert exit.value.code == 2
    assert "invalid choice: 'colour'" in capfd.readouterr().err


def test_piped_output_is_a_line_per_study(library: str, capfd: pytest.CaptureFixture[str]) -> None:
    engine = open_library(library)
    with session_scope(engine) as session:
        # Written behind the services' back (another tool): a tab and a line end.
        session.connection().execute(
            update(Study).where(col(Study.doi) == LONELY).values(title="Two\tlines\nhere")
        )
    engine.dispose()
    status, out, _ = run(capfd, "--db", library, "studies")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split("\t") == [
        "DOI",
        "Claims",
        "Year",
        "Authors",
        "Title",
        "Journal",
        "Retraction",
    ]
    assert len(lines) == 5 and all(line.count("\t") == 6 for line in lines)
    lonely = next(line.split("\t") for line in lines if line.startswith(LONELY))
    assert (
        lonely[1] == "0"
        and lonely[4] == "Two\N{REPLACEMENT CHARACTER}lines\N{REPLACEMENT CHARACTER}here"
    )


def test_retracted_lists_the_claims_affected(
    library: str, capfd: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capfd, "--db", library, "studies", "--retracted", "--json")
    assert (status, json.loads(out)) == (0, [])
    engine = open_library(library)
    with session_scope(engine) as session:
        session.connection().execute(
            update(Study)
            .where(col(Study.doi) == SHARED)
            .values(retraction_nature="Retraction", retraction_date="2025-01-31")
        )
    engine.dispose()
    status, out, _ = run(capfd, "--db", library, "studies", "--retracted", "--json")
    assert status == 0
    assert [(r["claim"], r["doi"], r["retraction_nature"]) for r in json.loads(out)] == [
        (1, SHARED, "Retraction"),
        (2, SHARED, "Retraction"),
    ]
    status, out, _ = run(capfd, "--db", library, "studies", "--retracted")
    lines = out.splitlines()
    assert lines[0].split("\t") == ["Claim", "Statement", "DOI", "Stance", "Notice", "Date"]
    assert lines[2].split("\t") == [
        "2",
        "Exercise order changes [bold] strength gains",
        SHARED,
        "supporting",
        "Retraction",
        "2025-01-31",
    ]
    assert [r["retraction_date"] for r in studies_json(capfd, library, "--search", "02640414")] == [
        "2025-01-31"
    ]
    status, _, err = run(capfd, "--db", library, "studies", "--retracted", "--search", "x")
    assert status == 1 and err.count("\n") == 1 and "--retracted" in err


# ------------------------------------------------------------------------------ fetch


def test_fetch_fills_a_shared_study_once(
    library: str, capfd: pytest.CaptureFixture[str], server: CrossrefServer
) -> None:
    before = {claim: revisions(library, claim) for claim in (1, 2)}
    # The same study three ways: it is looked up and edited once.
    status, out, err = run(
        capfd, "--db", library, "studies", "fetch", SHARED, SHARED.upper(), "doi:" + SHARED
    )
    assert (status, err) == (0, "")
    assert out == (
        f"{SHARED}: filled title, authors, journal, year, volume, issue, pages (2 claims)\n"
    )
    assert server.asked(SHARED) == 1
    assert server.requests[0].query["mailto"] == ["ada@example.org"]
    study = record(library, SHARED)
    assert study["authors"] == "Refalo MC; Helms ER; de la Fontaine JP"
    assert (study["year"], study["pages"]) == (2024, "2209–2222")
    for claim in (1, 2):
        assert revisions(library, claim) == [
            f"edited the record of the study {SHARED}",
            *before[claim],
        ]
    # The claims' cards show the record now.
    status, out, _ = run(capfd, "--db", library, "show", "1")
    assert status == 0 and "Refalo MC" in out and "2209–2222" in out


def test_fetch_keeps_differing_fields_unless_update(
    library: str, capfd: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capfd, "--db", library, "studies", "fetch", STARK)
    assert status == 0
    assert out.startswith(f"{STARK}: filled title, authors, volume, issue, pages; kept journal ")
    assert "'Phys. Status Solidi C' (Crossref: 'physica status solidi (c)')" in out
    assert "--update takes Crossref's" in out
    assert record(library, STARK)["journal"] == "Phys. Status Solidi C"
    assert record(library, STARK)["year"] == 2013  # the same year: nothing said
    status, out, _ = run(capfd, "--db", library, "studies", "fetch", STARK, "--update")
    assert (status, out) == (0, f"{STARK}: updated journal (1 claim)\n")
    assert record(library, STARK)["journal"] == "physica status solidi (c)"
    status, out, _ = run(capfd, "--db", library, "studies", "fetch", STARK)
    assert (status, out) == (0, f"{STARK}: nothing to fill\n")


def test_fetch_missing_looks_up_only_studies_with_empty_fields(
    library: str, capfd: pytest.CaptureFixture[str], server: CrossrefServer
) -> None:
    server.works[UNKNOWN] = {"title": ["Lattice spacing"], "volume": "3"}
    server.works[LONELY]["volume"] = "7"
    server.works[LONELY]["issue"] = "1"
    server.works[LONELY]["page"] = "1-9"
    assert run(capfd, "--db", library, "studies", "fetch", "--missing")[0] == 0
    asked = {request.doi for request in server.requests}
    assert asked == {SHARED, STARK, UNKNOWN, LONELY}
    server.requests.clear()
    # Only the unknown study still has gaps (no journal, issue or pages from Crossref).
    status, out, _ = run(capfd, "--db", library, "studies", "fetch", "--missing")
    assert (status, out) == (0, f"{UNKNOWN}: nothing to fill\n")
    assert server.requests == []  # and its answer came from the cache


def test_fetch_whose_reader_went_away_still_fills_every_study(
    library: str, server: CrossrefServer, run_cli: Any
) -> None:
    # `curator studies fetch --missing | head -1`: the first failed write ended the
    # look-ups, with status 0 and the other studies left empty.
    result = run_cli("studies", "fetch", "--missing", db=library, reader_gone=True)
    # Crossref does not know UNKNOWN: that, and only that, fails the command.
    assert result.returncode == 1
    assert result.stderr == f"curator: error: {UNKNOWN}: not found on Crossref\n"
    assert {request.doi for request in server.requests} == {SHARED, STARK, LONELY, UNKNOWN}
    assert record(library, LONELY)["title"]
    assert record(library, STARK)["pages"]


def test_fetch_failures_are_one_line_each_and_the_rest_is_filled(
    library: str, capfd: pytest.CaptureFixture[str], dump_library: Any
) -> None:
    status, out, err = run(
        capfd,
        "--db",
        library,
        "studies",
        "fetch",
        UNKNOWN,
        "10.5555/not.cited",
        "nonsense",
        SHARED,
    )
    assert status == 1
    assert (
        out == f"{SHARED}: filled title, authors, journal, year, volume, issue, pages (2 claims)\n"
    )
    lines = err.splitlines()
    assert len(lines) == 3 and all(line.startswith("curator: error: ") for line in lines)
    assert any("not a DOI: 'nonsense'" in line for line in lines)
    assert any("10.5555/not.cited: not in the library" in line for line in lines)
    assert any(f"{UNKNOWN}: not found on Crossref" in line for line in lines)
    assert record(library, UNKNOWN)["title"] == "Lattice spacing"


def test_fetch_offline_is_one_line_and_changes_nothing(
    library: str,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    dump_library: Any,
) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("CURATOR_CROSSREF_URL", f"http://127.0.0.1:{port}")
    before = dump_library(library)
    status, out, err = run(capfd, "--db", library, "studies", "fetch", "--missing")
    assert (status, out) == (1, "")
    (line,) = err.splitlines()
    assert line.startswith(f"curator: error: cannot reach Crossref at http://127.0.0.1:{port}: ")
    assert line.endswith("; 3 other DOI(s) not looked up")
    assert dump_library(library) == before


def test_fetch_needs_dois_or_missing(library: str, capfd: pytest.CaptureFixture[str]) -> None:
    for argv in (["studies", "fetch"], ["studies", "fetch", SHARED, "--missing"]):
        status, _, err = run(capfd, "--db", library, *argv)
        assert status == 1 and err.count("\n") == 1 and "--missing" in err


def test_a_bad_config_is_one_line(
    library: str, capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "config.toml").write_text('mailto = "nobody"\n', encoding="utf-8")
    status, _, err = run(capfd, "--db", library, "studies", "fetch", SHARED)
    assert status == 1 and err.count("\n") == 1 and "mailto must be an e-mail address" in err


# ------------------------------------------------------------------------ terminal, imports


@pytest.mark.parametrize("backend", ["sqlite"])
def test_on_a_terminal_a_table_with_text_never_markup(
    library: str, capfd: pytest.CaptureFixture[str]
) -> None:
    from test_cli_terminal import on_terminal

    engine = open_library(library)
    with session_scope(engine) as session:
        session.connection().execute(
            update(Study).where(col(Study.doi) == LONELY).values(title="[bold]Power[/bold] [red]")
        )
    engine.dispose()
    status, screen = on_terminal("studies", "--no-pager", "--db", library, columns=200, lines=50)
    assert status == 0, screen
    assert "4 studies" in screen
    assert re.search(r"┃ DOI +┃ Claims ┃ Year ┃", screen), screen
    assert "[bold]Power[/bold] [red]" in screen
    assert all(doi in screen for doi in (SHARED, STARK, UNKNOWN, LONELY))
    # At 80 columns too, each DOI on one line (the title gives up the room; tmux trial:
    # "10.1000/ab" / "c.2020.1" split over two lines).
    status, narrow = on_terminal("studies", "--no-pager", "--db", library, columns=80, lines=50)
    assert status == 0, narrow
    assert all(doi in narrow for doi in (SHARED, STARK, UNKNOWN, LONELY)), narrow


@pytest.mark.parametrize("backend", ["sqlite"])
def test_listing_studies_does_not_import_httpx_or_textual(library: str) -> None:
    code = (
        "import sys, io, contextlib\n"
        "from curator_tui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['--db', {library!r}, 'studies', '--json']) == 0\n"
        "print(sorted({n.split('.')[0] for n in sys.modules} & {'httpx', 'textual'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr
