"""Tasks for read-ahead workers: which heavy modules a worker loads; which process ran what."""

from __future__ import annotations

import multiprocessing
import sys
import time
from collections.abc import Sequence
from pathlib import Path

HEAVY = ("sqlalchemy", "sqlmodel", "curator_tui.services", "curator_tui.db", "curator_tui.models")


def loaded(paths: Sequence[Path | str]) -> list[list[str]]:
    """Read the files as an import's worker does, then name the heavy modules loaded."""
    from curator_tui.cards.files import read_card_files

    read_card_files(paths)
    return [[name for name in HEAVY if name in sys.modules]]


def gated(items: Sequence[tuple[str, int, bool]]) -> list[tuple[int, str]]:
    """Each item's number and where it ran: ``here`` (the calling process) or ``worker``.

    An item is (gate file, number, last). A worker waits for the gate file (at most 10 s,
    so a broken read-ahead fails instead of hanging); this process creates it when it runs
    the item marked last: the worker cannot finish a chunk before this process has worked
    through to the end itself.
    """
    out = []
    for gate, number, last in items:
        if multiprocessing.parent_process() is None:
            if last:
                Path(gate).touch()
            out.append((number, "here"))
        else:
            deadline = time.monotonic() + 10
            while not Path(gate).exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            out.append((number, "worker"))
    return out
