"""The session's undo history: each entry knows how to reverse one edit through the services."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

UNDO_DEPTH = 100


@dataclass(frozen=True)
class UndoEntry:
    """One reversible edit: what it was, and the function that reverses it."""

    label: str
    undo: Callable[[Session], int | None]
    """Reverses the edit in a session; returns the claim to show afterwards (or None)."""


class UndoStack:
    """Most recent edit last; the oldest are dropped beyond ``depth``."""

    def __init__(self, depth: int = UNDO_DEPTH) -> None:
        self._entries: deque[UndoEntry] = deque(maxlen=depth)

    def push(self, entry: UndoEntry) -> None:
        """Remember an edit."""
        self._entries.append(entry)

    def pop(self) -> UndoEntry | None:
        """The most recent edit, removed; None when there is nothing to undo."""
        return self._entries.pop() if self._entries else None

    def __len__(self) -> int:
        return len(self._entries)
