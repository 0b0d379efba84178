"""The real ``curator`` in a real terminal (tmux): keys typed, screen read, library checked."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from .conftest import Tmux, curator_argv, poll, run_curator


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


# --- nothing typed is lost on the way out ----------------------------------------------


def app_pid(tmux: Tmux) -> int:
    """The app's process: the one child of the shell that runs it in the pane."""
    shell = int(tmux.tmux("display-message", "-p", "-t", tmux.SESSION, "#{pane_pid}").stdout)
    children = poll(
        lambda: Path(f"/proc/{shell}/task/{shell}/children").read_text().split(),
        timeout=10,
        what="the app's process",
    )
    return int(children[0])  # type: ignore[index]


def gone(pid: int) -> bool:
    """Whether a process has ended (or is a zombie nobody has reaped yet)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] == "Z"
    except (OSError, IndexError):
        return True


def statement(db: Path) -> str:
    """The statement of the claim the app starts on (the first by statement: "Over eight…")."""
    rows = json.loads(run_curator("list", "--json", "--db", db).stdout)
    return str(min(rows, key=lambda r: r["statement"])["statement"])


def start_on_sample(tmux: Tmux, tmp_path: Path, data_dir: Path) -> Path:
    """The sample library in the app at 80x24, settled on the first claim."""
    db = tmp_path / "library.db"
    if not db.exists():
        run_curator("import", data_dir, "--db", db)
    tmux.start([*curator_argv(), "--db", str(db)], width=80, height=24, env=app_env(tmp_path))
    tmux.wait_for("Claims (2)", "MOST PROBABLE", "n New")
    return db


def assert_fits(screen: str) -> None:
    lines = screen.rstrip("\n").splitlines()
    assert len(lines) <= 24 and all(len(line) <= 80 for line in lines), screen
    assert "Traceback" not in screen


def test_ctrl_q_with_unsaved_text_asks_and_saves(
    tmux: Tmux, tmp_path: Path, data_dir: Path
) -> None:
    db = start_on_sample(tmux, tmp_path, data_dir)
    before = statement(db)
    tmux.keys("1")
    tmux.wait_for("^s Save")  # the claim pane has the keys: what is typed goes there
    tmux.type(" Typed in tmux")
    tmux.wait_for("Typed in tmux")
    tmux.keys("C-q")
    screen = tmux.wait_for("Quit with unsaved text?", "Typed in tmux", "Save (s)", "Cancel (c)")
    assert "Discard (d)" in screen
    assert_fits(screen)
    assert tmux.dead() is None
    tmux.keys("s")
    assert tmux.wait_exit() == 0
    assert statement(db) == before + " Typed in tmux"


def test_sigterm_with_unsaved_text_asks(tmux: Tmux, tmp_path: Path, data_dir: Path) -> None:
    db = start_on_sample(tmux, tmp_path, data_dir)
    before = statement(db)
    pid = app_pid(tmux)
    tmux.keys("1")
    tmux.wait_for("^s Save")  # the claim pane has the keys: what is typed goes there
    tmux.type(" KillTyped")
    tmux.wait_for("KillTyped")
    os.kill(pid, signal.SIGTERM)
    tmux.wait_for("Quit with unsaved text?", "Save (s)")
    tmux.keys("c")  # stay: the text is still there, unsaved
    poll(
        lambda: "Quit with unsaved" not in (screen := tmux.capture()) and "KillTyped" in screen,
        timeout=20,
        what="the question gone, the text still there",
    )
    assert tmux.dead() is None and not gone(pid)
    os.kill(pid, signal.SIGTERM)
    tmux.wait_for("Quit with unsaved text?", "Discard (d)")
    tmux.keys("d")
    assert tmux.wait_exit() == 0
    assert statement(db) == before
    # Nothing unsaved: SIGTERM quits at once, and the terminal is given back.
    tmux.tmux("kill-server", check=False)
    tmux.status_file.unlink(missing_ok=True)
    start_on_sample(tmux, tmp_path, data_dir)
    os.kill(app_pid(tmux), signal.SIGTERM)
    assert tmux.wait_exit() == 0
    assert "Claims (2)" not in tmux.capture()


def test_hangup_keeps_a_draft_that_the_next_start_restores(
    tmux: Tmux, tmp_path: Path, data_dir: Path
) -> None:
    db = start_on_sample(tmux, tmp_path, data_dir)
    drafts = tmp_path / "library.db.drafts.json"
    before = statement(db)
    pid = app_pid(tmux)
    tmux.keys("1")
    tmux.wait_for("^s Save")  # the claim pane has the keys: what is typed goes there
    tmux.type(" HangupTyped")
    tmux.wait_for("HangupTyped")
    # The terminal goes away (a closed SSH session): the pane's processes get SIGHUP.
    tmux.tmux("kill-session", "-t", tmux.SESSION)
    poll(lambda: gone(pid), timeout=20, what="the app to end on SIGHUP")
    assert drafts.exists()
    assert statement(db) == before

    tmux.status_file.unlink(missing_ok=True)
    tmux.start([*curator_argv(), "--db", str(db)], width=80, height=24, env=app_env(tmp_path))
    screen = tmux.wait_for("ended with unsaved text", "HangupTyped", "Restore (r)")
    assert_fits(screen)
    tmux.keys("r")
    poll(
        lambda: "Restore (r)" not in (screen := tmux.capture()) and "HangupTyped" in screen,
        timeout=20,
        what="the text back in the claim pane",
    )
    assert not drafts.exists()
    tmux.keys("C-s")
    poll(lambda: statement(db) == before + " HangupTyped", timeout=20, what="the save")
    tmux.keys("C-q")
    assert tmux.wait_exit() == 0


def prompt_value(screen: str) -> str | None:
    """What the export dialog's input shows (None: no such dialog on the screen)."""
    lines = screen.splitlines()
    for index, line in enumerate(lines):
        if "Export this claim's Markdown to" in line:
            for field in lines[index + 1 : index + 5]:
                if "▊" in field and "▎" in field and "▔" not in field and "▁" not in field:
                    return field.split("▊", 1)[1].rsplit("▎", 1)[0].strip()
    return None


def type_export_path(tmux: Tmux, path: Path) -> None:
    """Replace the suggested path with ``path``, seeing each step land on the screen."""
    tmux.keys("End", "C-u")  # wherever the cursor was: to the end, then all to its left
    poll(lambda: prompt_value(tmux.capture()) == "", timeout=20, what="the suggestion cleared")
    tmux.type(str(path))
    poll(
        lambda: (prompt_value(tmux.capture()) or "").endswith(path.name),
        timeout=20,
        what="the path typed",
    )


def test_export_asks_before_replacing_a_file(tmux: Tmux, tmp_path: Path, data_dir: Path) -> None:
    start_on_sample(tmux, tmp_path, data_dir)
    notes = tmp_path / "notes.md"
    notes.write_bytes(b"My notes, not a card\n")
    tmux.keys("x")
    tmux.wait_for("Export this claim's Markdown to")
    type_export_path(tmux, notes)
    tmux.keys("Enter")
    screen = tmux.wait_for("already exists", "Overwrite (y)", "Cancel (n)")
    assert_fits(screen)
    tmux.keys("n")
    tmux.wait_for("Not exported")
    assert notes.read_bytes() == b"My notes, not a card\n"
    tmux.keys("x")
    tmux.wait_for("Export this claim's Markdown to")
    type_export_path(tmux, notes)
    tmux.keys("Enter")
    tmux.wait_for("already exists", "Overwrite (y)")
    tmux.keys("y")
    tmux.wait_for("Exported to")
    assert notes.read_text(encoding="utf-8").startswith("# ")
    tmux.keys("C-q")
    assert tmux.wait_exit() == 0
