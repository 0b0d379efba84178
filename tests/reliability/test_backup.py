"""`curator backup` writes a consistent copy while the library is being written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .helpers import curator, one_clean_error


def counts(path: Path) -> tuple[int, int]:
    """(claims, steps) in a library file; integrity checked first."""
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        claims = db.execute("SELECT count(*) FROM claim").fetchone()[0]
        steps = db.execute("SELECT count(*) FROM mechanismstep").fetchone()[0]
    return claims, steps


def test_backup_while_an_import_writes(tmp_path: Path, card_files, gated_import) -> None:  # type: ignore[no-untyped-def]
    """Backups taken mid-import (the importer seen running before and after each) are whole.

    The import is held at two gates (see ``GatedImport``): at each, the library holds the
    files it reported and it still has more to write; between them it writes freely.
    """
    library = tmp_path / "lib.db"
    first = card_files.write(tmp_path / "first", [9999])
    assert curator("import", "-q", str(first), db=library).returncode == 0
    parts = [
        card_files.write(tmp_path / "a", range(300)),
        card_files.write(tmp_path / "b", range(300, 600)),
    ]
    run = gated_import(library, parts, [tmp_path / "gate-a.md", tmp_path / "gate-b.md"])
    backups = 0

    def backup(at_gate: int | None) -> int:
        nonlocal backups
        target = tmp_path / f"backup-{backups}.db"
        backups += 1
        live_before = counts(library)[0]
        assert run.running()
        result = curator("backup", str(target), db=library)
        assert result.returncode == 0, result.stderr
        assert run.running()  # the import is still under way when the backup is done
        claims, steps = counts(target)
        assert steps == claims * card_files.steps  # every claim whole: a consistent snapshot
        assert claims >= live_before  # it holds at least what was committed when it began
        if at_gate is not None:
            # Held at a gate, the importer wrote nothing meanwhile: exactly the library.
            assert run.at_gate(at_gate)
            assert claims == live_before == counts(library)[0]
        return claims

    run.wait_at_gate(0)
    at_first_gate = backup(at_gate=0)
    assert at_first_gate > 1, "the importer committed nothing before its first gate"
    run.wait_imported(at_first_gate - 1)  # what it reported is what the backup holds
    run.open_gate(0, card_files.text(1000))
    # Between the gates the importer writes while backups are taken (as many as fit).
    while not run.at_gate(1):
        backup(at_gate=None)
    at_second_gate = backup(at_gate=1)
    assert at_second_gate > at_first_gate
    run.open_gate(1, card_files.text(1001))
    status, out, err = run.finish()
    assert status == 0, err
    assert "locked" not in out + err
    assert counts(library) == (603, 603 * card_files.steps)
    assert backups >= 2


def test_backup_refuses_to_overwrite(tmp_path: Path, card_files) -> None:  # type: ignore[no-untyped-def]
    library = tmp_path / "lib.db"
    curator("import", "-q", str(card_files.write(tmp_path / "cards", [0])), db=library)
    (tmp_path / "taken.db").write_text("precious")
    assert "exists" in one_clean_error(curator("backup", str(tmp_path / "taken.db"), db=library))
    assert (tmp_path / "taken.db").read_text() == "precious"
    assert curator("backup", "--force", str(tmp_path / "taken.db"), db=library).returncode == 0
