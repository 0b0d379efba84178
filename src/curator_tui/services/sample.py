"""The bundled sample library (``data/``), used to seed a new default library."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from sqlalchemy.engine import Engine

from curator_tui.services.importing import FileResult, import_paths


def sample_dir() -> Path:
    """Where ``data/`` is: inside the installed wheel, or at the root of a source checkout."""
    packaged = Path(str(files("curator_tui"))) / "data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "data"


def seed(engine: Engine) -> list[FileResult]:
    """Import the sample cards and study records into a (new) library."""
    return import_paths(engine, [sample_dir()])
