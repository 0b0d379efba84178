"""A task for a read-ahead worker that says which heavy modules the worker has loaded."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

HEAVY = ("sqlalchemy", "sqlmodel", "curator_tui.services", "curator_tui.db", "curator_tui.models")


def loaded(paths: Sequence[Path | str]) -> list[list[str]]:
    """Read the files as an import's worker does, then name the heavy modules loaded."""
    from curator_tui.cards.files import read_card_files

    read_card_files(paths)
    return [[name for name in HEAVY if name in sys.modules]]
