"""`curator backup` writes a consistent copy while the library is being written."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from .helpers import curator, one_clean_error
from .test_crash import STEPS, write_cards


def test_backup_while_an_import_writes(tmp_path: Path) -> None:
    write_cards(tmp_path / "cards", 300)
    library = tmp_path / "lib.db"
    assert (
        curator("import", "-q", str(tmp_path / "cards" / "card-0000.md"), db=library).returncode
        == 0
    )
    importer = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "curator_tui.cli",
            "--db",
            str(library),
            "import",
            "-q",
            str(tmp_path / "cards"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    sizes = []
    for n in range(5):
        target = tmp_path / f"backup-{n}.db"
        result = curator("backup", str(target), db=library)
        assert result.returncode == 0, result.stderr
        with sqlite3.connect(target) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            claims = db.execute("SELECT count(*) FROM claim").fetchone()[0]
            steps = db.execute("SELECT count(*) FROM mechanismstep").fetchone()[0]
            assert steps == claims * STEPS  # every claim whole: a consistent snapshot
            sizes.append(claims)
    importer.communicate(timeout=180)
    assert importer.returncode == 0
    assert sizes[0] >= 1


def test_backup_refuses_to_overwrite(tmp_path: Path) -> None:
    library = tmp_path / "lib.db"
    write_cards(tmp_path / "cards", 1)
    curator("import", "-q", str(tmp_path / "cards"), db=library)
    (tmp_path / "taken.db").write_text("precious")
    assert "exists" in one_clean_error(curator("backup", str(tmp_path / "taken.db"), db=library))
    assert (tmp_path / "taken.db").read_text() == "precious"
    assert curator("backup", "--force", str(tmp_path / "taken.db"), db=library).returncode == 0
