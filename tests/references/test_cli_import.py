"""``curator import`` of reference files: lines, exit status, --dry-run, --update."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

RIS = (
    "TY  - JOUR\nTI  - Good\nAU  - Refalo, Martin C.\nDO  - 10.1000/good\nER  - \n"
    "TY  - JOUR\nTI  - Bad\nDO  - nonsense\nER  - \n"
    "TY  - JOUR\nTI  - No DOI\nER  - \n"
)


def test_a_broken_entry_exits_1_and_the_good_entries_import(tmp_path: Path, run_cli: Any) -> None:
    path = tmp_path / "mixed.ris"
    path.write_text(RIS, encoding="utf-8")
    db = tmp_path / "lib.db"
    done = run_cli("import", path, db=db)
    assert done.returncode == 1
    assert f"error: {path}:6: not a DOI: 'nonsense'" in done.stderr
    assert f"warning: {path}:10: skipped: no DOI" in done.stderr
    assert f"{path}: imported 3 entries, 1 new" in done.stdout
    assert "1 skipped (1 without DOI, 0 short DOI), 1 broken" in done.stdout
    listed = run_cli("import", "--dry-run", path, db=db)
    assert "dry run: 3 entries, 0 new, 0 filled, 1 unchanged" in listed.stdout


def test_dry_run_with_card_files_is_refused(tmp_path: Path, run_cli: Any) -> None:
    card = tmp_path / "card.txt"
    card.write_text("Claim\n", encoding="utf-8")
    done = run_cli("import", "--dry-run", card, db=tmp_path / "lib.db")
    assert done.returncode != 0
    assert "--dry-run applies to reference and retraction files" in done.stderr
    assert not (tmp_path / "lib.db").exists()


def test_differences_are_listed_and_update_takes_them(tmp_path: Path, run_cli: Any) -> None:
    db = tmp_path / "lib.db"
    first = tmp_path / "a.ris"
    first.write_text("TY  - JOUR\nTI  - Old title\nDO  - 10.1000/x\nER  - \n", encoding="utf-8")
    second = tmp_path / "b.ris"
    second.write_text("TY  - JOUR\nTI  - New title\nDO  - 10.1000/X\nER  - \n", encoding="utf-8")
    assert run_cli("import", first, db=db).returncode == 0
    kept = run_cli("import", second, db=db)
    assert kept.returncode == 0
    assert (
        f"{second}:1: study 10.1000/x: title differs: library 'Old title', file 'New title':"
        " kept the library's (--update takes the file's)"
    ) in kept.stderr
    taken = run_cli("import", "--update", second, db=db)
    assert "1 updated" in taken.stdout


def test_the_parsers_are_not_imported_by_the_headless_commands() -> None:
    code = (
        "import sys; import curator_tui.cli.cards, curator_tui.services.importing;"
        "print(sorted(m for m in ('bibtexparser', 'rispy', 'pylatexenc') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
