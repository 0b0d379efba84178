"""The session's undo history: the inverses of the edits made (services/edits.py), newest last."""

from __future__ import annotations

from collections import deque

from curator_tui.services.edits import Applied, Edit

UNDO_DEPTH = 100


class InverseStack:
    """Undo as edits (services/edits.py): the inverses of this session's edits, newest last.

    After an undo restores a claim under a new version, the older entries for that claim
    are retargeted to it (``Edit.retarget``), so they still apply, while a change made
    elsewhere in between is still refused.
    """

    def __init__(self, depth: int = UNDO_DEPTH) -> None:
        self._entries: deque[tuple[str, Edit]] = deque(maxlen=depth)

    def push(self, applied: Applied) -> None:
        """Remember an applied edit's inverse."""
        self._entries.append((applied.summary, applied.inverse))

    def pop(self) -> tuple[str, Edit] | None:
        """(summary, inverse) of the most recent edit, removed; None when there is none."""
        return self._entries.pop() if self._entries else None

    def undone(self, applied: Applied) -> None:
        """Record what an undo did, so older entries expect the claim's new version."""
        for claim_id, old, new in applied.restored:
            self._entries = deque(
                ((summary, edit.retarget(claim_id, old, new)) for summary, edit in self._entries),
                maxlen=self._entries.maxlen,
            )

    def __len__(self) -> int:
        return len(self._entries)
