"""The CLI on a real terminal (a pseudo-terminal): show wraps, long output goes to a pager.

``curator show`` used to print with soft wrapping: paragraphs came out as one long line
(the terminal broke them mid-word) and numbered steps were cropped at the terminal's
width, cutting off their DOIs. ``curator list`` now pages like git: on a terminal, and
only when the output is longer than the screen.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shlex
import struct
import subprocess
import sys
import termios
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

RunCli = Callable[..., "subprocess.CompletedProcess[Any]"]
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
BOX = re.compile(r"^[\u2500-\u257f]+$")
DOI = re.compile(r"\b10\.\d{4,9}/[^\s)\]]*[^\s)\].,;]")
RECORDER = """
import os, shutil, sys
with open(sys.argv[1], "w", encoding="utf-8") as out:
    shutil.copyfileobj(sys.stdin, out)
with open(sys.argv[1] + ".less", "w", encoding="utf-8") as out:
    out.write(os.environ.get("LESS", "<unset>"))
"""


def on_terminal(
    *args: str | os.PathLike[str],
    columns: int,
    lines: int,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> tuple[int, str]:
    """Run ``curator ARGS`` with a pseudo-terminal of this size as stdin, stdout and stderr.

    Returns the exit status and what the terminal received (escape codes removed, LF
    line ends). The timeout only stops a hung test; nothing depends on speed.
    """
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    drop = {"CURATOR_DB", "COLUMNS", "LINES", "PAGER", "CURATOR_PAGER", "LESS"}
    environ = {k: v for k, v in os.environ.items() if k not in drop}
    environ.update({"TERM": "xterm-256color", "NO_COLOR": "1", **(env or {})})
    process = subprocess.Popen(
        [sys.executable, "-m", "curator_tui.cli", *map(str, args)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=environ,
        start_new_session=True,
    )
    os.close(slave)
    received = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while True:
            ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                process.kill()
                raise AssertionError(f"curator {args} hung; so far: {bytes(received)!r}")
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every process holding the terminal has ended
                break
            if not chunk:
                break
            received += chunk
        code = process.wait(timeout=timeout)
    finally:
        os.close(master)
    text = ESCAPES.sub("", received.decode("utf-8", errors="replace"))
    return code, text.replace("\r\n", "\n")


def cells(line: str) -> int:
    """How many terminal columns ``line`` takes."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in line
    )


def words(text: str) -> list[str]:
    """The words of rendered text, without the borders that depend on the line count."""
    return [word for word in text.split() if not BOX.match(word)]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, run_cli: RunCli, data_dir: Path) -> Path:
    db = tmp_path_factory.mktemp("terminal") / "library.db"
    assert run_cli("import", data_dir, db=db).returncode == 0
    return db


@pytest.fixture
def pager(tmp_path: Path) -> tuple[str, Path]:
    """A pager command that records what it was given (and $LESS), and the record's path."""
    script = tmp_path / "pager.py"
    script.write_text(RECORDER, encoding="utf-8")
    record = tmp_path / "paged.txt"
    return shlex.join([sys.executable, str(script), str(record)]), record


@pytest.mark.parametrize("claim_id", [1, 2])
def test_show_on_a_narrow_terminal_wraps_at_spaces_and_cuts_nothing(
    seeded: Path, run_cli: RunCli, claim_id: int
) -> None:
    markdown = run_cli("export", claim_id, db=seeded).stdout
    code, narrow = on_terminal("show", claim_id, "--no-pager", "--db", seeded, columns=50, lines=40)
    assert code == 0, narrow
    _, wide = on_terminal("show", claim_id, "--no-pager", "--db", seeded, columns=400, lines=40)

    # Every line fits the terminal: nothing is left for the terminal to break mid-word.
    too_long = [line for line in narrow.split("\n") if cells(line.rstrip()) > 50]
    assert not too_long
    # The same words as on a terminal wide enough for any line: no word was broken in
    # two ("lean mas" / "s vs training") and nothing was cropped.
    assert words(narrow) == words(wide)
    dois = set(DOI.findall(markdown))
    assert dois
    assert all(doi in narrow.split() or f"{doi}." in narrow.split() for doi in dois), dois
    assert "Gold Standard Evidence Needed" in narrow


def test_list_longer_than_the_screen_goes_to_the_pager(
    seeded: Path, pager: tuple[str, Path]
) -> None:
    command, record = pager
    code, screen = on_terminal("list", "--db", seeded, columns=120, lines=5, env={"PAGER": command})
    assert code == 0, screen
    paged = record.read_text(encoding="utf-8")
    assert paged.startswith("2 claim(s)\n")
    assert "Over eight weeks" in paged and "When performing" in paged
    assert "claim(s)" not in screen  # all of it went to the pager, none to the screen
    assert Path(f"{record}.less").read_text(encoding="utf-8") == "FRX"


def test_list_that_fits_on_the_screen_is_not_paged(seeded: Path, pager: tuple[str, Path]) -> None:
    command, record = pager
    code, screen = on_terminal(
        "list", "--db", seeded, columns=120, lines=40, env={"PAGER": command}
    )
    assert code == 0, screen
    assert "Over eight weeks" in screen
    assert not record.exists()


@pytest.mark.parametrize("where", ["after", "before"])
def test_no_pager_option(seeded: Path, pager: tuple[str, Path], where: str) -> None:
    command, record = pager
    args = ["list", "--no-pager"] if where == "after" else ["--no-pager", "list"]
    code, screen = on_terminal(*args, "--db", seeded, columns=120, lines=5, env={"PAGER": command})
    assert code == 0, screen
    assert "Over eight weeks" in screen and "When performing" in screen
    assert not record.exists()


@pytest.mark.parametrize("choice", ["cat", "", "no-such-pager-on-this-machine"])
def test_no_pager_chosen_or_none_installed_prints_directly(seeded: Path, choice: str) -> None:
    code, screen = on_terminal("list", "--db", seeded, columns=120, lines=5, env={"PAGER": choice})
    assert code == 0, screen
    assert "Over eight weeks" in screen and "When performing" in screen
    assert "error" not in screen.lower() and "not found" not in screen


def test_output_that_is_not_a_terminal_is_never_paged(
    seeded: Path, pager: tuple[str, Path], run_cli: RunCli
) -> None:
    command, record = pager
    for args in (["list"], ["list", "--json"], ["show", "1"]):
        result = run_cli(*args, db=seeded, env={"PAGER": command, "LINES": "5"})
        assert result.returncode == 0, result.stderr
        assert result.stdout
    assert not record.exists()


def test_quitting_the_pager_early_is_not_an_error(
    tmp_path: Path, run_cli: RunCli, pager: tuple[str, Path]
) -> None:
    db = tmp_path / "library.db"
    assert run_cli("generate", "--claims", "1500", "--seed", "1", "-q", db=db).returncode == 0
    # A pager that reads the first line and quits, as when the user presses q at once.
    quits = shlex.join([sys.executable, "-c", "import sys; sys.stdin.readline()"])
    code, screen = on_terminal("list", "--db", db, columns=80, lines=10, env={"PAGER": quits})
    assert code == 0, screen
    assert "Traceback" not in screen and "error" not in screen.lower()
