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
