"""Edits and undo in thread workers: one at a time, in order, each inverse kept for ctrl+z.

The main screen owns one ``EditRunner``. ``run`` applies an edit value (services/edits.py)
in its own transaction; ``undo`` applies the newest inverse the same way. Each reports a
typed message to the screen (``Edited``, ``EditFailed``, ``NothingToUndo``), never a
callback.
"""

from __future__ import annotations

import threading
from functools import partial
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from textual.screen import Screen

from curator_tui.db import describe_db_error, is_unreachable, session_scope
from curator_tui.services import edits, history
from curator_tui.services.cards import ClaimDetail, load_claim
from curator_tui.services.claims import claim_version
from curator_tui.services.errors import Conflict, NotFound, ServiceError
from curator_tui.services.history import RevisionInfo
from curator_tui.ui.messages import Edited, EditFailed, NothingToUndo
from curator_tui.undo import UNDO_DEPTH, InverseStack

# The worker group of everything that writes what the curator saved (quitting waits on it).
EDIT_GROUP = "edit"


class EditRunner:
    """Runs edits and undos in thread workers of ``screen``, one at a time."""

    def __init__(self, screen: Screen[Any], engine: Engine, depth: int = UNDO_DEPTH) -> None:
        self.screen = screen
        self.engine = engine
        self.stack = InverseStack(depth)
        # One edit at a time, in the order the curator made them; the stack is only
        # touched under it, so an undo pressed during an edit undoes that edit.
        self._lock = threading.Lock()

    def run(self, edit: edits.Edit) -> None:
        """Apply an edit in a worker; the screen hears ``Edited`` or ``EditFailed``."""
        self._start(partial(self._apply, edit))

    def undo(self) -> None:
        """Apply the newest inverse in a worker (``NothingToUndo`` when there is none)."""
        self._start(self._undo)

    def _start(self, work: Any) -> None:
        self.screen.run_worker(work, thread=True, group=EDIT_GROUP, exit_on_error=False)

    def _undo(self) -> None:
        with self._lock:
            entry = self.stack.pop()
            if entry is None:
                self.screen.post_message(NothingToUndo())
                return
            summary, inverse = entry
            self._run_locked(inverse, summary)

    def _apply(self, edit: edits.Edit) -> None:
        with self._lock:
            self._run_locked(edit, None)

    def _run_locked(self, edit: edits.Edit, undone: str | None) -> None:
        try:
            with session_scope(self.engine) as session:
                applied = edits.apply(session, edit)
        except Conflict as exc:
            # What the other curator saved, so the question to overwrite it is not blind.
            now = self._now(edit.claim_id) if isinstance(edit, edits.EditClaim) else None
            self.screen.post_message(EditFailed(edit, str(exc), True, undone, now))
            return
        except NotFound as exc:
            claim_id = getattr(edit, "claim_id", None)
            deleted = self._deletion(claim_id) if undone is None else None
            self.screen.post_message(EditFailed(edit, str(exc), False, undone, deleted=deleted))
            return
        except ServiceError as exc:
            self.screen.post_message(EditFailed(edit, str(exc), False, undone))
            return
        except SQLAlchemyError as exc:
            # A server that is down refused nothing: say it could not be reached.
            verdict = (
                "could not reach the library"
                if is_unreachable(exc)
                else "the library refused the change"
            )
            reason = f"{verdict}: {describe_db_error(exc)}"
            self.screen.post_message(EditFailed(edit, reason, False, undone))
            return
        if undone is None:
            self.stack.push(applied)
        else:
            self.stack.undone(applied)
        self.screen.post_message(Edited(applied, self._detail(applied.claim_id), undone))

    def _detail(self, claim_id: int | None) -> ClaimDetail | None:
        if claim_id is None:
            return None
        try:
            with session_scope(self.engine) as session:
                return load_claim(session, claim_id)
        except NotFound:
            return None

    def _deletion(self, claim_id: int | None) -> RevisionInfo | None:
        """The history's entry of the claim's deletion, if it is deleted now (else None)."""
        if claim_id is None:
            return None
        try:
            with session_scope(self.engine) as session:
                last = history.newest(session, claim_id)
                if last is None or last.kind != "deleted":
                    return None
                claim_version(session, claim_id)
                return None  # there again (restored meanwhile)
        except NotFound:
            return last
        except SQLAlchemyError:
            return None

    def _now(self, claim_id: int) -> ClaimDetail | None:
        """The claim as it is now, or None when it cannot be read (the question goes on)."""
        try:
            return self._detail(claim_id)
        except SQLAlchemyError:
            return None
