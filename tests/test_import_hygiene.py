"""The headless commands never import Textual: scripts and CI should not pay for the UI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from curator_tui.services.importing import import_paths

SCRIPT = """
import io, json, sys
from contextlib import redirect_stdout
{before}
from curator_tui.cli import main
with redirect_stdout(io.StringIO()) as out:
    code = main(["list", "--json", "--db", sys.argv[1]])
loaded = sorted(name for name in sys.modules if name.split(".")[0] == "textual")
print(json.dumps({{"code": code, "rows": json.loads(out.getvalue()), "textual": loaded}}))
"""


def run_list(db: Path, before: str = "") -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(before=before), str(db)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def seeded_db(library: Engine, data_dir: Path) -> Path:
    assert all(r.ok for r in import_paths(library, [data_dir]))
    assert library.url.database
    library.dispose()
    return Path(library.url.database)


def test_headless_list_does_not_import_textual(seeded_db: Path) -> None:
    report = run_list(seeded_db)
    assert report["code"] == 0
    assert isinstance(report["rows"], list) and len(report["rows"]) == 2
    assert report["textual"] == []


def test_the_check_can_see_textual(seeded_db: Path) -> None:
    # The same probe, with Textual imported first, must report it: the check is live.
    report = run_list(seeded_db, before="import textual.app")
    assert "textual" in report["textual"]


EXPORT_SCRIPT = """
import json, sys
{before}
from curator_tui.launcher import main
code = main(["--db", sys.argv[1], "export", sys.argv[2]])
with open(sys.argv[3], "w") as out:
    json.dump({{"code": code, "modules": sorted(sys.modules)}}, out)
"""

# What `curator export ID` must not load when the claim's text is stored: each of these
# once made every command start a tenth slower (bench/bench.py's start-up bound).
NOT_FOR_EXPORT = (
    "sqlalchemy.dialects.postgresql",  # loaded by dialect options on a table's index
    "curator_tui.services.edits",  # loaded by a parser listing study fields
    "curator_tui.cards.render",  # loaded by the stored-rendering hook, needed only to render
    "curator_tui.services.cards",
    "curator_tui.services.history",  # loaded to name the author (authors.py now)
    "curator_tui.ui",
)


def run_export(db: Path, claim_id: int, before: str = "") -> dict[str, object]:
    report = db.with_name("modules.json")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            EXPORT_SCRIPT.format(before=before),
            str(db),
            str(claim_id),
            str(report),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return {**json.loads(report.read_text()), "text": result.stdout}


def test_export_of_a_stored_claim_loads_only_what_it_needs(seeded_db: Path) -> None:
    report = run_export(seeded_db, 1)
    assert report["code"] == 0
    assert isinstance(report["text"], str) and report["text"].startswith("# ")
    modules = report["modules"]
    assert isinstance(modules, list)
    assert [name for name in NOT_FOR_EXPORT if name in modules] == []


def test_the_export_check_can_see_a_module(seeded_db: Path) -> None:
    report = run_export(seeded_db, 1, before="import curator_tui.services.edits")
    assert "curator_tui.services.edits" in report["modules"]  # type: ignore[operator]
