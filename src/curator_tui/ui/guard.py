"""Every edit the app sends names the claim version the curator saw (no silent overwrites).

The screen hands each edit to ``EditGuard.wrap`` with the claim it shows: the edit goes
out as ``edits.Guarded``, so the services refuse it (``Conflict``) when someone else saved
the claim since. An edit saved from a dialog also leaves its text here, so a refused save
can reopen the dialog with exactly what the curator typed: nothing typed is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

from curator_tui.services import edits
from curator_tui.services.cards import ClaimDetail
from curator_tui.ui.drafts import Origin

# Edits guarded otherwise: a new claim has no version yet; the claim pane's own save
# carries the version its text was loaded at (EditClaim.expected_version); a study record
# is shared by claims, so its edit compares the record's own values (EditStudy.expected),
# not the version of the claim it was opened from.
_UNGUARDED = (edits.CreateClaim, edits.EditClaim, edits.EditStudy)


@dataclass(frozen=True)
class TypedText:
    """A dialog's text as it was saved, and how to open that dialog again."""

    origin: Origin
    fields: dict[str, str]
    focused: str | None = None  # the field that had the cursor


class EditGuard:
    """Wraps edits with the version they were made on; keeps dialog text until it is saved."""

    def __init__(self) -> None:
        self._texts: list[tuple[edits.Edit, TypedText]] = []

    def wrap(
        self, edit: edits.Edit, detail: ClaimDetail | None, typed: TypedText | None = None
    ) -> edits.Edit:
        """The edit as it goes to the runner; ``typed``: the dialog text it was made from."""
        sent = edit
        if detail is not None and not isinstance(edit, (*_UNGUARDED, edits.Guarded)):
            sent = edits.Guarded(edit, detail.id, detail.version)
        if typed is not None:
            self._texts.append((sent, typed))
            del self._texts[:-20]  # saves answered long ago; keep the list short
        return sent

    def refused(self, edit: edits.Edit) -> TypedText | None:
        """The text of a refused edit, if it came from a dialog (forgotten here)."""
        for at, (sent, typed) in enumerate(self._texts):
            if sent is edit:
                del self._texts[at]
                return typed
        return None

    def saved(self, edit: edits.Edit) -> None:
        """Forget the text of an edit that was saved (``Applied.edit``: the inner edit)."""
        self._texts = [
            (sent, typed)
            for sent, typed in self._texts
            if sent is not edit and getattr(sent, "edit", None) is not edit
        ]
