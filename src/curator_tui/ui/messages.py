"""The app's messages: what panes ask for (upward) and what workers report (typed results).

Panes never call the screen: they post an intent (``EditRequested``, ``DialogRequested``,
``DiffRequested``) that bubbles up to the main screen. Thread workers post a typed result
(``Edited``, ``EditFailed``, ``DetailLoaded``, ...) instead of calling back into the UI,
so a test can watch them with ``message_hook``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from textual.message import Message

from curator_tui.cards.problems import Problem
from curator_tui.services.cards import ClaimDetail
from curator_tui.services.claims import ClaimRow
from curator_tui.services.edits import Applied, Edit
from curator_tui.services.history import RevisionInfo
from curator_tui.ui.drafts import Draft, Origin

# --- intents (posted by panes, handled by the main screen) ----------------------------------


class EditRequested(Message):
    """Run this edit; ``confirm``: a question to ask first (a destructive edit)."""

    def __init__(self, edit: Edit, confirm: str | None = None) -> None:
        super().__init__()
        self.edit = edit
        self.confirm = confirm


class DialogRequested(Message):
    """Open the dialog an origin names (the same one a draft reopens), for the current claim."""

    def __init__(self, origin: Origin) -> None:
        super().__init__()
        self.origin = origin


class DiffRequested(Message):
    """Show how a claim differs now from one of its revisions."""

    def __init__(self, claim_id: int, revision: int) -> None:
        super().__init__()
        self.claim_id = claim_id
        self.revision = revision


# --- results (posted by workers) ----------------------------------------------------------


class Edited(Message):
    """An edit (or an undo) was committed; ``detail``: the claim to show now (None: gone).

    ``undone``: when this was an undo, the summary of the edit it undid.
    """

    def __init__(self, applied: Applied, detail: ClaimDetail | None, undone: str | None) -> None:
        super().__init__()
        self.applied = applied
        self.detail = detail
        self.undone = undone


class EditFailed(Message):
    """The library refused an edit; ``conflict``: the claim changed elsewhere since it was read.

    ``now``: on a conflict, the claim as the library holds it now (what the other curator
    saved), when it could be read. ``deleted``: the claim was deleted elsewhere; its
    history's deletion entry (who, when, and the revision that brings it back).
    """

    def __init__(
        self,
        edit: Edit,
        reason: str,
        conflict: bool,
        undone: str | None,
        now: ClaimDetail | None = None,
        deleted: RevisionInfo | None = None,
    ) -> None:
        super().__init__()
        self.edit = edit
        self.reason = reason
        self.conflict = conflict
        self.undone = undone
        self.now = now
        self.deleted = deleted


class AccessChecked(Message):
    """Whether the curator may change the library (``read_only``: browse and export only)."""

    def __init__(self, read_only: bool) -> None:
        super().__init__()
        self.read_only = read_only


class DetailLoaded(Message):
    """A claim, read for the panes (None: it is gone); ``request``: newer ones win."""

    def __init__(self, request: int, detail: ClaimDetail | None) -> None:
        super().__init__()
        self.request = request
        self.detail = detail


class HistoryLoaded(Message):
    """A claim's history entries, newest first."""

    def __init__(self, claim_id: int, entries: list[RevisionInfo]) -> None:
        super().__init__()
        self.claim_id = claim_id
        self.entries = entries


class DiffLoaded(Message):
    """The unified diff of a claim's revision against now (empty: the same text)."""

    def __init__(self, claim_id: int, revision: int, diff: str) -> None:
        super().__init__()
        self.claim_id = claim_id
        self.revision = revision
        self.diff = diff


@dataclass(frozen=True)
class ImportResult:
    """What an import from the app did, for the notice and the list."""

    summary: str
    failed: list[str]
    first_claim: int | None
    studies: list[str] = field(default_factory=list)
    """One notice per study-record file (references, retractions): its counts, then the
    first of its differences with the library and broken entries, a line each."""
    studies_failed: bool = False
    """A study-record file had broken entries (its good entries were imported)."""


class Imported(Message):
    """Card files were imported (or failed to be)."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__()
        self.result = result


class DraftsLoaded(Message):
    """Drafts to put back, with the claims they belong to (None: the claim is gone)."""

    def __init__(
        self,
        drafts: list[Draft],
        details: dict[int, ClaimDetail | None],
        restored: Callable[[], None],
    ) -> None:
        super().__init__()
        self.drafts = drafts
        self.details = details
        self.restored = restored


class NothingToUndo(Message):
    """ctrl+z found no edit of this session left to undo."""


class ListLoaded(Message):
    """The claim list's count and the page around the cursor (reload number ``request``)."""

    def __init__(
        self, request: int, total: int, index: int | None, offset: int, rows: list[ClaimRow]
    ) -> None:
        super().__init__()
        self.request = request
        self.total = total
        self.index = index
        self.offset = offset
        self.rows = rows


class HintsLoaded(Message):
    """Where each row of a page matched the filter ``search`` outside its statement."""

    def __init__(self, generation: int, search: str, offset: int, found_in: dict[int, str]) -> None:
        super().__init__()
        self.generation = generation
        self.search = search
        self.offset = offset
        self.found_in = found_in


class PageLoaded(Message):
    """A page of claim rows the list asked for (``generation``: the list it was asked by)."""

    def __init__(self, generation: int, offset: int, rows: list[ClaimRow]) -> None:
        super().__init__()
        self.generation = generation
        self.offset = offset
        self.rows = rows


# --- the curation check (issue 13) ----------------------------------------------------------


class ProblemChosen(Message):
    """Go to the part of a claim a problem names (Enter in the Problems pane)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__()
        self.problem = problem


class ProblemsChecked(Message):
    """A check finished: the problems of ``claim_ids`` (every claim checked, with or
    without problems); ``library``: the whole library was checked (``total``: how many
    problems it found in all; ``problems`` holds the first of them)."""

    def __init__(
        self,
        claim_ids: tuple[int, ...],
        problems: list[Problem],
        *,
        library: bool = False,
        total: int = 0,
        errors: frozenset[int] = frozenset(),
    ) -> None:
        super().__init__()
        self.claim_ids = claim_ids
        self.problems = problems
        self.library = library
        self.total = total
        # A library check: every claim with an error (``problems`` may hold only some).
        self.errors = errors
