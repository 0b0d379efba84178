"""The real ``curator`` in a real terminal (tmux): keys typed, screen read, library checked."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import Tmux, curator_argv, run_curator


def app_env(tmp_path: Path) -> dict[str, str]:
    """No animations, and a config file that does not exist (the default keys)."""
    return {"TEXTUAL_ANIMATIONS": "none", "CURATOR_CONFIG": str(tmp_path / "no-such-config.toml")}


def test_type_a_claim_a_mechanism_and_a_step_then_export(tmux: Tmux, tmp_path: Path) -> None:
    db = tmp_path / "library.db"
    tmux.start([*curator_argv(), "--db", str(db)], width=100, height=30, env=app_env(tmp_path))
    tmux.wait_for("No claims yet", "Claims (0)")

    tmux.keys("n")
    tmux.wait_for("New claim: the statement")
    tmux.type("Tmux typed claim")
    tmux.wait_for("Tmux typed claim")
    tmux.keys("C-s")
    # The dialog is gone (the count changed) and the new row is drawn (not a loading "…").
    tmux.wait_for("Claims (1)", "No mechanism yet", "Tmux typed claim")

    tmux.keys("2", "A")
    tmux.wait_for("Most probable mechanism: summary")
    tmux.type("Typed mechanism summary")
    tmux.wait_for("Typed mechanism summary")
    tmux.keys("C-s")
    screen = tmux.wait_for("MOST PROBABLE MECHANISM", "Typed mechanism summary")
    assert "No mechanism yet" not in screen

    tmux.keys("a")
    tmux.wait_for("New step")
    tmux.type("Typed first step")
    tmux.wait_for("Typed first step")
    tmux.keys("C-s")
    tmux.wait_for(" 1. Typed first step")

    tmux.keys("C-q")
    assert tmux.wait_exit() == 0
    assert "Traceback" not in tmux.capture()

    rows = json.loads(run_curator("list", "--json", "--db", db).stdout)
    assert [r["statement"] for r in rows] == ["Tmux typed claim"]
    assert rows[0]["steps"] == 1
    markdown = run_curator("export", str(rows[0]["id"]), "--db", db).stdout
    assert "Tmux typed claim" in markdown
    assert "Typed mechanism summary" in markdown
    assert "Typed first step" in markdown
    assert markdown == run_curator("export", "--all", "--db", db).stdout


def test_sample_library_at_80x24_starts_and_quits_cleanly(
    tmux: Tmux, tmp_path: Path, data_dir: Path
) -> None:
    db = tmp_path / "library.db"
    run_curator("import", data_dir, "--db", db)
    tmux.start([*curator_argv(), "--db", str(db)], width=80, height=24, env=app_env(tmp_path))
    # Settled: both sample claims listed, the first one's mechanisms shown, and the footer
    # showing the claim list's keys (it shows only the app's keys until the list has focus).
    screen = tmux.wait_for(
        "Claims (2)", "Over eight", "When perform", "MOST PROBABLE", "n New", "c Copy"
    )
    lines = screen.rstrip("\n").splitlines()
    assert len(lines) == 24 and all(len(line) <= 80 for line in lines)
    assert "curator-tui" in lines[0]
    footer = lines[-1]
    assert "n New" in footer and "c Copy" in footer and "^q" in footer, screen
    assert "Traceback" not in screen

    tmux.keys("C-q")
    assert tmux.wait_exit() == 0
    after = tmux.capture()
    assert "Traceback" not in after
    assert "Error" not in after
    # The terminal was given back: the app's screen (alternate buffer) is gone.
    assert "Claims (2)" not in after and "Over eight weeks" not in after
