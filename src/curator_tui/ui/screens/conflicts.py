"""When a save is refused because someone else saved first: ask, and never lose the text.

Used by the main screen's ``EditFailed`` handler. The curator sees the saved version first,
then chooses to save theirs over it or to go back to their text in the dialog.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text

from curator_tui.cards.text import strip_controls
from curator_tui.services import edits
from curator_tui.services.cards import ClaimDetail
from curator_tui.services.history import RevisionInfo
from curator_tui.ui.guard import TypedText
from curator_tui.ui.screens.dialogs import ConfirmDialog

if TYPE_CHECKING:
    from curator_tui.ui.screens.main import MainScreen

# How much of the other curator's text the overwrite question shows (a dialog, not a diff).
THEIRS_SHOWN = 300


def changed_elsewhere(
    screen: MainScreen, edit: edits.Edit, reason: str, typed: TypedText | None
) -> None:
    """Someone saved the claim (or study) since the curator saw it: show theirs first."""
    if screen.detail is not None:
        screen.load_detail(screen.detail.id)
    screen.reload_list(screen.detail.id if screen.detail else None)
    if typed is None:
        screen.notify(
            f"Not changed: {reason}. The claim is shown again as it is now.",
            severity="warning",
            markup=False,
        )
        return

    def decided(overwrite: bool | None) -> None:
        if overwrite:
            # Theirs stays wherever this edit does not touch; this part becomes yours.
            inner = edit.edit if isinstance(edit, edits.Guarded) else edit
            if isinstance(inner, edits.EditStudy):
                inner = replace(inner, expected=None)
            screen.run_edit(inner)
        elif screen.detail is not None:
            # Opened on the claim as saved now (so saving again is not refused again).
            screen.reopen = typed
            screen.load_detail(screen.detail.id)

    screen.app.push_screen(
        ConfirmDialog(
            f"{reason[:1].upper()}{reason[1:]}. Save your text over it, or go back to "
            "your text (the claim now shows the saved version)?",
            yes="Save mine",
            no="Back to my text",
        ),
        decided,
    )


def ask_overwrite(
    screen: MainScreen, edit: edits.EditClaim, reason: str, now: ClaimDetail | None
) -> None:
    """The claim pane's save was refused: say who changed the claim and when, show what
    they saved in the fields this save touches, and ask whether to overwrite it."""

    def decided(overwrite: bool | None) -> None:
        if overwrite:
            screen.run_edit(replace(edit, expected_version=None))
        else:
            screen.notify(
                "Your text is still in the editor; escape discards it and shows the saved claim."
            )

    question = Text(f"{reason[:1].upper()}{reason[1:]}.")
    if now is not None:
        for name, mine, theirs in (
            ("statement", edit.statement, now.statement),
            ("synthesis summary", edit.synthesis, now.synthesis),
        ):
            if mine is not None:
                # Their text is data: a Text, never markup; control characters not drawn.
                question.append(f"\nTheir {name} now: ")
                question.append(shorten(strip_controls(theirs)), style="italic")
    question.append("\nOverwrite with your text?")
    screen.app.push_screen(
        ConfirmDialog(question, yes="Overwrite", no="Keep my text here"),
        decided,
    )


def shorten(text: str, limit: int = THEIRS_SHOWN) -> str:
    """``text`` on one line, cut to ``limit`` characters (with an ellipsis)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def ask_bring_back(screen: MainScreen, edit: edits.Edit, deletion: RevisionInfo) -> bool:
    """The claim of a refused save was deleted elsewhere: offer to bring it back with the
    curator's text saved in it. False when this edit cannot be saved that way (its parts
    come back with new ids): the caller says why and keeps the text."""
    inner = edit.edit if isinstance(edit, edits.Guarded) else edit
    if not isinstance(inner, edits.EditClaim):
        return False
    claim_id = inner.claim_id

    def decided(bring_back: bool | None) -> None:
        if bring_back:
            mine = replace(inner, expected_version=None)
            screen.run_edit(edits.Revived(claim_id, deletion.revision, mine))
        else:
            screen.notify(
                "Your text is still in the editor. The claim stays deleted; "
                f"`curator restore {claim_id} {deletion.revision}` brings it back.",
                markup=False,
            )

    screen.app.push_screen(
        ConfirmDialog(
            f"{deleted_by(claim_id, deletion)} since you opened it. Bring it back as it was,"
            " with your text saved in it?",
            yes="Bring back and save",
            no="Back to my text",
        ),
        decided,
    )
    return True


def deleted_by(claim_id: int, deletion: RevisionInfo) -> str:
    """ "Claim N was deleted elsewhere (by WHO, WHEN UTC)", from its history's entry."""
    return (
        f"Claim {claim_id} was deleted elsewhere"
        f" (by {deletion.author}, {deletion.at:%Y-%m-%d %H:%M} UTC)"
    )
