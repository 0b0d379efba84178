"""Hostile text: markup and escape sequences are inert in the app and removed from exports."""

from __future__ import annotations

from pathlib import Path

from curator_tui.cards.render import render_markdown
from curator_tui.config import Config
from curator_tui.db import open_library, session_scope
from curator_tui.filenames import card_filename
from curator_tui.models import Claim
from curator_tui.services.cards import load_card
from curator_tui.ui.app import CuratorApp
from curator_tui.ui.widgets.claim_list import ClaimList

from .helpers import curator, settle

OSC52 = "\x1b]52;c;SGVsbG8gY2xpcGJvYXJk\x07"
HOSTILE = f"[bold red]Shout[/] {OSC52}\x1b[31mred\x1b[0m \x07bell \x9b2J *x* `y` [/]"


def hostile_library(path: Path) -> int:
    """A claim written by another tool, straight into the table (no cleaning on the way in)."""
    engine = open_library(path)
    with session_scope(engine) as session:
        claim = Claim(statement=HOSTILE, synthesis=HOSTILE)
        session.add(claim)
        session.flush()
        assert claim.id is not None
        return claim.id


def test_exports_remove_escape_sequences(tmp_path: Path) -> None:
    claim_id = hostile_library(tmp_path / "lib.db")
    with session_scope(open_library(tmp_path / "lib.db")) as session:
        text = render_markdown(load_card(session, claim_id))
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
    assert "]52;" not in text
    assert "\\[bold red\\]Shout\\[/\\]" in text
    result = curator("export", str(claim_id), db=tmp_path / "lib.db")
    assert result.returncode == 0 and "\x1b" not in result.stdout


async def test_the_app_shows_it_inert(tmp_path: Path) -> None:
    engine = open_library(tmp_path / "lib.db")
    hostile_library(tmp_path / "lib.db")
    app = CuratorApp(engine, Config())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        statement = app.screen.query_one("#statement").text
        assert "\x1b" not in statement and "[bold red]Shout[/]" in statement
        strip = app.screen.query_one(ClaimList).render_line(0)
        assert "[bold red]Shout[/]" in strip.text and "\x1b" not in strip.text
        # Nothing crashed, and the styles are ours, not the claim's.
        assert not any(
            seg.style and seg.style.color and seg.style.color.name == "red" for seg in strip
        )


def test_export_file_names_stay_inside_out(tmp_path: Path) -> None:
    nasty = [
        "../../etc/passwd",
        "/absolute/path",
        "CON",
        "nul.txt",
        "x" * 5000,
        "..",
        "\x1b]52;c;AA\x07",
        "",
    ]
    for n, statement in enumerate(nasty, 1):
        name = card_filename(n, statement)
        assert "/" not in name and "\\" not in name and ".." not in name
        assert len(name.encode()) <= 100
        assert (tmp_path / name).resolve().parent == tmp_path.resolve()
