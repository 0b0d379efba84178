"""``curator history``, ``diff`` and ``restore``: who changed what, and going back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from curator_tui.cli import main
from curator_tui.db import open_library, session_scope
from curator_tui.services import edits

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, any_db: str) -> str:
    """A library file, then a PostgreSQL database, made by ``curator import``."""
    monkeypatch.setenv("CURATOR_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("CURATOR_AUTHOR", "Ada")
    assert main(["--db", any_db, "import", "-q", str(DATA / "card-rir-vs-failure.txt")]) == 0
    return any_db


def edit(path: str, edit: edits.Edit, author: str = "Grace") -> None:
    from curator_tui.services.history import with_author

    engine = with_author(open_library(path), author)
    with session_scope(engine) as session:
        edits.apply(session, edit)
    engine.dispose()


def out(capfd: pytest.CaptureFixture[str], *argv: str) -> str:
    capfd.readouterr()
    assert main(list(argv)) == 0
    return capfd.readouterr().out


def test_history_lists_entries_newest_first_with_author_and_summary(
    library: str, capfd: pytest.CaptureFixture[str]
) -> None:
    edit(library, edits.EditClaim(1, synthesis="A new synthesis"))
    rows = json.loads(out(capfd, "--db", str(library), "history", "1", "--json"))
    assert [(r["revision"], r["author"], r["summary"]) for r in rows] == [
        (2, "Grace", "edited the synthesis"),
        (1, "Ada", rows[1]["summary"]),
    ]
    assert all(r["at"].endswith("Z") for r in rows)
    text = out(capfd, "--db", str(library), "history", "1")
    assert text.index("edited the synthesis") < text.index("Ada")


def test_diff_shows_what_changed_between_the_previous_revision_and_now(
    library: str, capfd: pytest.CaptureFixture[str]
) -> None:
    edit(library, edits.EditClaim(1, synthesis="A [new] *synthesis*"))
    diff = out(capfd, "--db", str(library), "diff", "1")
    added = [line for line in diff.splitlines() if line.startswith("+") and "+++" not in line]
    assert added == ["+A \\[new\\] \\*synthesis\\*"]
    assert "\x1b[" not in diff  # not a terminal: no colours


def test_restore_makes_the_export_byte_identical_to_the_revision(
    library: str, capfd: pytest.CaptureFixture[str]
) -> None:
    first = out(capfd, "--db", str(library), "export", "1")
    edit(library, edits.EditClaim(1, synthesis="Changed"))
    edit(library, edits.AddGold(1, "Crossover", "4 weeks", 0))
    assert out(capfd, "--db", str(library), "export", "1") != first
    said = out(capfd, "--db", str(library), "restore", "1", "1")
    assert said == "claim 1: restored revision 1 (now revision 4)\n"
    assert out(capfd, "--db", str(library), "export", "1") == first
    rows = json.loads(out(capfd, "--db", str(library), "history", "1", "--json"))
    assert (rows[0]["summary"], rows[0]["author"]) == ("restored revision 1", "Ada")
    assert len(rows) == 4  # nothing rewritten


def test_a_deleted_claim_is_listed_and_comes_back_with_its_id(
    library: str, capfd: pytest.CaptureFixture[str]
) -> None:
    before = out(capfd, "--db", str(library), "export", "1")
    edit(library, edits.DeleteClaim(1))
    deleted = json.loads(out(capfd, "--db", str(library), "history", "--deleted", "--json"))
    assert [(d["claim_id"], d["author"]) for d in deleted] == [(1, "Grace")]
    assert deleted[0]["statement"].startswith("Over eight weeks")
    revision = deleted[0]["revision"] - 1
    out(capfd, "--db", str(library), "restore", "1", str(revision))
    assert out(capfd, "--db", str(library), "export", "1") == before
    assert json.loads(out(capfd, "--db", str(library), "history", "--deleted", "--json")) == []


def test_bad_revisions_are_one_clear_line(library: str, capfd: pytest.CaptureFixture[str]) -> None:
    for argv, message in (
        (["restore", "1", "9"], "claim 1 has no revision 9"),
        (["diff", "1"], "claim 1 has one revision"),
        (["history", "7"], "claim 7 has no history"),
    ):
        capfd.readouterr()
        assert main(["--db", str(library), *argv]) == 1
        err = capfd.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0], err


def test_the_author_comes_from_config_then_environment_then_login(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    import getpass

    config = tmp_path / "config.toml"
    monkeypatch.setenv("CURATOR_CONFIG", str(config))
    card = str(DATA / "card-rir-vs-failure.txt")
    authors = []
    for n, (config_text, env) in enumerate(
        (('author = "From Config"\n', "From Env"), ("", "From Env"), ("", None))
    ):
        config.write_text(config_text)
        if env is None:
            monkeypatch.delenv("CURATOR_AUTHOR", raising=False)
        else:
            monkeypatch.setenv("CURATOR_AUTHOR", env)
        path = tmp_path / f"lib{n}.db"
        assert main(["--db", str(path), "import", "-q", card]) == 0
        rows = json.loads(out(capfd, "--db", str(path), "history", "1", "--json"))
        authors.append(rows[0]["author"])
    assert authors == ["From Config", "From Env", getpass.getuser()]
