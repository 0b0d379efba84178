"""The headless CLI through a subprocess, on real SQLite files and PostgreSQL databases.

The commands on a seeded library run on both backends (``seeded`` is parametrised);
what is about files (a missing file, a directory, a folder to write in) runs on files.

Errors are one line on stderr and exit status 1, never a traceback; exports are the
exact bytes of render_markdown; a path that is not a library is never created.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from curator_tui.cards.render import render_markdown
from curator_tui.db import open_library, session_scope
from curator_tui.filenames import card_filename
from curator_tui.services.cards import load_card
from curator_tui.services.claims import list_claims
from pg_server import BACKENDS

RunCli = Callable[..., "subprocess.CompletedProcess[Any]"]
SUBCOMMANDS = ["import", "list", "show", "export"]


class Seeded(NamedTuple):
    """A library made by ``curator import data/``, and what that import printed."""

    db: str
    result: subprocess.CompletedProcess[str]

    @property
    def on_server(self) -> bool:
        return self.db.startswith("postgresql")


def first_line(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("\n")[0]


def exports(db: Path | str) -> dict[int, tuple[str, str]]:
    """Each claim's statement and expected export, computed in-process."""
    engine = open_library(db, create=False)
    try:
        with session_scope(engine) as session:
            return {
                row.id: (row.statement, render_markdown(load_card(session, row.id)))
                for row in list_claims(session)
            }
    finally:
        engine.dispose()


def _between(text: str, parts: list[str]) -> list[str]:
    """What ``text`` holds besides ``parts``; ValueError unless it holds them in order."""
    rest, position = [], 0
    for part in parts:
        found = text.index(part, position)
        rest.append(text[position:found])
        position = found + len(part)
    return [*rest, text[position:]]


def assert_one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().split("\n")
    assert len(lines) == 1, result.stderr
    assert "error" in lines[0]
    return lines[0]


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(
    request: pytest.FixtureRequest, libraries: Any, run_cli: RunCli, data_dir: Path
) -> Iterator[Seeded]:
    """The sample library in a SQLite file, then in a PostgreSQL database."""
    db = libraries.target(request.param)
    yield Seeded(db, run_cli("import", data_dir, db=db))
    libraries.drop(db)


@pytest.fixture(scope="module")
def seed_statements(seed_paths: dict[str, Path]) -> set[str]:
    return {first_line(path) for path in seed_paths.values()}


def test_import_data(seeded: Seeded, seed_paths: dict[str, Path]) -> None:
    result = seeded.result
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    for path in seed_paths.values():
        [line] = [ln for ln in result.stdout.split("\n") if ln.startswith(f"{path}:")]
        assert "imported" in line
    assert seeded.on_server or Path(seeded.db).is_file()


def test_reimport_is_a_duplicate(
    seeded: Seeded, run_cli: RunCli, seed_paths: dict[str, Path], dump_library: Any
) -> None:
    before = dump_library(seeded.db)
    result = run_cli("import", *seed_paths.values(), db=seeded.db)
    assert result.returncode == 0, result.stderr
    for path in seed_paths.values():
        [line] = [ln for ln in result.stdout.split("\n") if ln.startswith(f"{path}:")]
        assert "already" in line or "duplicate" in line
        assert "imported as" not in line
    assert dump_library(seeded.db) == before


def test_replacing_a_claim_with_its_own_export_changes_nothing(
    seeded: Seeded, run_cli: RunCli, tmp_path: Path, dump_library: Any
) -> None:
    # Its export carries no study design or sample size; the library keeps them (a card's
    # empty field never clears the library's), so the claim reads the same: no new rows,
    # no new version, no revision.
    card = tmp_path / "one.md"
    assert run_cli("export", "1", "-o", card, db=seeded.db).returncode == 0
    before = dump_library(seeded.db)
    result = run_cli("import", "--replace", card, db=seeded.db)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        f"{card}: claim 1 already holds exactly this card: unchanged"
    )
    assert dump_library(seeded.db) == before
    # (tests/test_claims_json.py: a claim that differs is still replaced.)


def test_an_export_stream_imported_into_its_own_library_imports_nothing(
    seeded: Seeded, run_cli: RunCli, tmp_path: Path, dump_library: Any
) -> None:
    stream = tmp_path / "all.md"
    assert run_cli("export", "--all", "-o", stream, db=seeded.db).returncode == 0
    before = dump_library(seeded.db)
    result = run_cli("import", stream, db=seeded.db)
    assert result.returncode == 0, result.stderr
    # It said "imported as claim 1, 2" and counted them, though nothing was written.
    first, summary = result.stdout.splitlines()
    assert first.startswith(f"{stream}: every claim is already in the library, as ")
    assert summary == "1 file(s): 0 claim(s) imported or replaced, 0 failed"
    assert dump_library(seeded.db) == before


def test_import_with_a_bad_file(
    tmp_path: Path, run_cli: RunCli, seed_paths: dict[str, Path]
) -> None:
    good = [tmp_path / "a.txt", tmp_path / "c.txt"]
    for target, source in zip(good, seed_paths.values(), strict=True):
        shutil.copy(source, target)
    bad = tmp_path / "b.txt"
    lines = seed_paths["rir"].read_text(encoding="utf-8").split("\n")
    lines[lines.index("Mechanism")] = "Mechanisms"
    bad.write_text("\n".join(lines), encoding="utf-8")
    db = tmp_path / "library.db"

    result = run_cli("import", good[0], bad, good[1], db=db)

    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    errors = [ln for ln in result.stderr.split("\n") if "error" in ln.lower()]
    assert len(errors) == 1, result.stderr
    assert f"{bad}:2:" in errors[0]
    listed = json.loads(run_cli("list", "--json", db=db).stdout)
    assert len(listed) == 2


def test_list_json(seeded: Seeded, run_cli: RunCli, seed_statements: set[str]) -> None:
    result = run_cli("list", "--json", db=seeded.db)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert isinstance(rows, list) and len(rows) == 2
    for row in rows:
        assert {"id", "statement", "steps", "studies"} <= row.keys()
        assert isinstance(row["id"], int)
    assert {row["statement"] for row in rows} == seed_statements
    # Steps and studies, counted from the seeds: 4 + 4 and 4 steps, one study each.
    by_start = {row["statement"][:16]: (row["steps"], row["studies"]) for row in rows}
    assert by_start == {"Over eight weeks": (8, 1), "When performing ": (4, 1)}


def test_list_table(seeded: Seeded, run_cli: RunCli) -> None:
    result = run_cli("list", db=seeded.db)
    assert result.returncode == 0, result.stderr
    assert "Over eight weeks" in result.stdout
    assert "When performing" in result.stdout


def test_global_db_option_and_environment(seeded: Seeded, run_cli: RunCli, tmp_path: Path) -> None:
    expected = json.loads(run_cli("list", "--json", db=seeded.db).stdout)
    assert json.loads(run_cli("--db", seeded.db, "list", "--json").stdout) == expected
    from_env = run_cli("list", "--json", env={"CURATOR_DB": str(seeded.db)})
    assert json.loads(from_env.stdout) == expected
    # --db wins over CURATOR_DB.
    missing = tmp_path / "missing.db"
    both = run_cli("list", "--json", db=seeded.db, env={"CURATOR_DB": str(missing)})
    assert json.loads(both.stdout) == expected
    assert not missing.exists()


def test_show(seeded: Seeded, run_cli: RunCli) -> None:
    claim_id, (statement, _) = next(iter(exports(seeded.db).items()))
    result = run_cli("show", str(claim_id), db=seeded.db)
    assert result.returncode == 0, result.stderr
    assert statement[:30] in result.stdout
    assert "Most probable mechanism" in result.stdout
    assert "Gold Standard Evidence Needed" in result.stdout


def test_export_to_stdout_is_byte_exact(seeded: Seeded, run_cli: RunCli) -> None:
    for claim_id, (_, markdown) in exports(seeded.db).items():
        result = run_cli("export", str(claim_id), db=seeded.db, binary=True)
        assert result.returncode == 0, result.stderr
        assert result.stdout == markdown.encode("utf-8")


def test_export_to_file(seeded: Seeded, run_cli: RunCli, tmp_path: Path) -> None:
    claim_id, (_, markdown) = next(iter(exports(seeded.db).items()))
    target = tmp_path / "card.md"
    result = run_cli("export", str(claim_id), "-o", target, db=seeded.db)
    assert result.returncode == 0, result.stderr
    assert target.read_bytes() == markdown.encode("utf-8")
    assert result.stdout == ""
    assert [p.name for p in tmp_path.iterdir()] == ["card.md"]  # no temporary file left


def test_export_all_to_directory(seeded: Seeded, run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("export", "--all", "--out", out, db=seeded.db)
    assert result.returncode == 0, result.stderr
    expected = {
        card_filename(claim_id, statement): markdown
        for claim_id, (statement, markdown) in exports(seeded.db).items()
    }
    assert len(expected) == 2
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert [p.name for p in files] == sorted(expected)
    for path in files:
        assert path.parent == out
        assert path.resolve().is_relative_to(out.resolve())
        assert path.read_bytes() == expected[path.name].encode("utf-8")


def test_export_unknown_id(seeded: Seeded, run_cli: RunCli) -> None:
    result = run_cli("export", "9999", db=seeded.db)
    line = assert_one_error_line(result)
    assert "9999" in line
    assert result.stdout == ""


@pytest.mark.parametrize("command", [["list"], ["list", "--json"], ["show", "1"], ["export", "1"]])
def test_missing_library_is_not_created(
    command: list[str], run_cli: RunCli, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.db"
    result = run_cli(*command, db=missing)
    line = assert_one_error_line(result)
    assert str(missing) in line
    assert not missing.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [[], *([c] for c in SUBCOMMANDS)])
def test_help(command: list[str], run_cli: RunCli) -> None:
    result = run_cli(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout
    assert result.stderr == ""
    if command:
        assert command[0] in result.stdout.split("\n")[0]


def test_default_library_is_seeded(
    run_cli: RunCli, tmp_path: Path, seed_statements: set[str]
) -> None:
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    result = run_cli("list", "--json", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {row["statement"] for row in rows} == seed_statements
    # The library was made in the user data directory, not in the working directory.
    [library] = list(tmp_path.rglob("*.db"))
    assert library.is_relative_to(tmp_path / "data")
    # A second run uses it as it is (not seeded twice).
    again = json.loads(run_cli("list", "--json", env=env, cwd=tmp_path).stdout)
    assert [row["id"] for row in again] == [row["id"] for row in rows]


def test_export_all_then_import_into_a_new_library(
    seeded: Seeded, run_cli: RunCli, tmp_path: Path, data_dir: Path, libraries: Any
) -> None:
    stream = tmp_path / "all.md"
    assert run_cli("export", "--all", "-o", stream, db=seeded.db).returncode == 0
    expected = exports(seeded.db)
    # One stream: each card's export in id order, with nothing but blank lines between.
    gaps = _between(stream.read_text(encoding="utf-8"), [md for _, md in expected.values()])
    assert all(not gap.strip() for gap in gaps)

    fresh = libraries.target("postgresql") if seeded.on_server else str(tmp_path / "fresh.db")
    result = run_cli("import", data_dir / "studies.json", stream, db=fresh)
    assert result.returncode == 0, result.stderr
    again = exports(fresh)
    libraries.drop(fresh)
    assert sorted(md for _, md in again.values()) == sorted(md for _, md in expected.values())


def test_an_import_whose_reader_went_away_still_imports_every_file(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # `curator import DIR | head -3`: the reader quits after three lines, but the import
    # must not stop halfway and exit 0 (it did: the first failed write ended it). More
    # files than one batch (Importer: 250), so there is a second batch to lose.
    source = tmp_path / "source.db"
    assert run_cli("generate", "--claims", "300", "--seed", "4", "-q", db=source).returncode == 0
    cards = tmp_path / "cards"
    assert run_cli("export", "--all", "--out", cards, db=source).returncode == 0
    target = tmp_path / "target.db"
    result = run_cli("import", cards, db=target, reader_gone=True)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    listed = json.loads(run_cli("list", "--json", db=target).stdout)
    assert len(listed) == len(list(cards.iterdir())) == 300


@pytest.mark.parametrize("command", [["list"], ["import", "PLACEHOLDER"], ["export", "--all"]])
def test_a_file_that_is_not_a_library_is_left_alone(
    command: list[str], run_cli: RunCli, tmp_path: Path, seed_paths: dict[str, Path]
) -> None:
    not_a_library = tmp_path / "notes.md"
    not_a_library.write_text("# My notes\n\nNot a database.\n", encoding="utf-8")
    before = not_a_library.read_bytes()
    args = [str(seed_paths["rir"]) if a == "PLACEHOLDER" else a for a in command]
    line = assert_one_error_line(run_cli(*args, db=not_a_library))
    assert str(not_a_library) in line
    assert not_a_library.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md"]


def test_a_directory_is_not_a_library(run_cli: RunCli, tmp_path: Path) -> None:
    line = assert_one_error_line(run_cli("list", db=tmp_path))
    assert str(tmp_path) in line
    assert list(tmp_path.iterdir()) == []


def test_export_into_a_missing_directory(seeded: Seeded, run_cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "card.md"
    line = assert_one_error_line(run_cli("export", "1", "-o", target, db=seeded.db))
    assert "card.md" in line
    assert list(tmp_path.iterdir()) == []


def test_show_to_a_pipe_is_the_export(seeded: Seeded, run_cli: RunCli) -> None:
    for claim_id, (_, markdown) in exports(seeded.db).items():
        # Narrow, as a terminal might be: not a terminal, so nothing is wrapped or cut.
        result = run_cli("show", str(claim_id), db=seeded.db, binary=True, env={"COLUMNS": "40"})
        assert result.returncode == 0, result.stderr
        assert result.stdout == markdown.encode("utf-8")


@pytest.mark.parametrize(
    "command",
    [["backup"], ["export", "1", "-o"], ["export", "1", "--output"], ["export", "--all", "-o"]],
)
def test_writing_into_a_missing_folder_names_only_the_users_path(
    seeded: Seeded, run_cli: RunCli, tmp_path: Path, command: list[str]
) -> None:
    missing = tmp_path / "missing"
    target = missing / "x.db"
    line = assert_one_error_line(run_cli(*command, target, db=seeded.db))
    assert line == f"curator: error: cannot write {target}: {missing} does not exist"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "command", [["backup"], ["export", "1", "-o"], ["export", "--all", "--out"]]
)
def test_writing_under_a_file_says_it_is_not_a_folder(
    seeded: Seeded, run_cli: RunCli, tmp_path: Path, command: list[str]
) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder\n", encoding="utf-8")
    target = a_file / "x.db"
    line = assert_one_error_line(run_cli(*command, target, db=seeded.db))
    assert line.startswith("curator: error: cannot ")
    assert line.endswith(f" {target}: {a_file} is not a folder")
    assert ".tmp" not in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_backup_into_a_read_only_folder_names_only_the_users_path(
    seeded: Seeded, run_cli: RunCli, tmp_path: Path
) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as root: every folder is writable")
        target = folder / "x.db"
        line = assert_one_error_line(run_cli("backup", target, db=seeded.db))
        assert line == f"curator: error: cannot write {target}: Permission denied"
    finally:
        folder.chmod(0o700)


def test_backup_writes_a_copy(seeded: Seeded, run_cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    result = run_cli("backup", target, db=seeded.db)
    assert result.returncode == 0, result.stderr
    assert json.loads(run_cli("list", "--json", db=target).stdout) == json.loads(
        run_cli("list", "--json", db=seeded.db).stdout
    )
    assert [p.name for p in tmp_path.iterdir()] == ["copy.db"]  # no temporary left
