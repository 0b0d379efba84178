"""The claim pane: statement and synthesis summary, edited in place."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, TextArea

from curator_tui.cards.text import strip_controls
from curator_tui.services.cards import ClaimDetail
from curator_tui.services.edits import EditClaim
from curator_tui.ui.messages import EditRequested


class ClaimEditor(Vertical):
    """Two editors; ctrl+s saves, escape cancels (after asking when there are changes)."""

    BINDINGS = [
        Binding(
            "ctrl+s",
            "save",
            "Save",
            tooltip="Save the statement and synthesis",
            id="claim.save",
        ),
        Binding(
            "escape",
            "cancel",
            "Cancel",
            tooltip="Discard unsaved changes",
            id="claim.cancel",
        ),
    ]

    class CancelRequested(Message):
        """Escape: discard the unsaved text (after asking) or go back to the list."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.claim_id: int | None = None
        self.version: int | None = None
        self._saved = ("", "")

    def compose(self) -> ComposeResult:
        yield Label("Statement", classes="field-label")
        yield TextArea(
            id="statement", soft_wrap=True, show_line_numbers=False, tab_behavior="focus"
        )
        yield Label("Synthesis summary", classes="field-label")
        yield TextArea(
            id="synthesis", soft_wrap=True, show_line_numbers=False, tab_behavior="focus"
        )

    @property
    def statement(self) -> TextArea:
        """The statement editor."""
        return self.query_one("#statement", TextArea)

    @property
    def synthesis(self) -> TextArea:
        """The synthesis editor."""
        return self.query_one("#synthesis", TextArea)

    def show_claim(self, detail: ClaimDetail | None, *, force: bool = False) -> None:
        """Show a claim; unsaved text for the same claim is kept unless ``force``."""
        if detail is None:
            self.claim_id, self.version, self._saved = None, None, ("", "")
            self.statement.load_text("")
            self.synthesis.load_text("")
            self.disabled = True
            return
        self.disabled = False
        same = detail.id == self.claim_id
        if same and self.dirty and not force:
            # Never throw away what the curator is typing because the claim changed elsewhere.
            return
        self.claim_id, self.version = detail.id, detail.version
        self._saved = (detail.statement, detail.synthesis)
        # Control characters (escape sequences from a hostile file) are never drawn.
        statement, synthesis = strip_controls(detail.statement), strip_controls(detail.synthesis)
        self._saved = (statement, synthesis)
        for area, text in ((self.statement, statement), (self.synthesis, synthesis)):
            if area.text == text:
                continue
            if same:
                # The same claim again (its save trimmed a trailing space, say): the cursor
                # stays where it was, so the next key goes on where the curator typed.
                load_keeping_cursor(area, text)
            else:
                area.load_text(text)

    @property
    def values(self) -> tuple[str, str]:
        """What is in the editors now."""
        return self.statement.text, self.synthesis.text

    @property
    def dirty(self) -> bool:
        """Unsaved changes?"""
        return self.claim_id is not None and self.values != self._saved

    def changed_fields(self) -> list[str]:
        """The names of the editors whose text is not saved."""
        names = ("statement", "synthesis")
        return [
            name
            for name, now, saved in zip(names, self.values, self._saved, strict=True)
            if now != saved
        ]

    def put_draft(self, statement: str, synthesis: str, version: int | None) -> None:
        """Unsaved text back in the editors (from a draft), as of the version it was typed on.

        Saving it then checks that version: a claim changed since is a conflict, not
        silently overwritten.
        """
        self.statement.load_text(statement)
        self.synthesis.load_text(synthesis)
        if version is not None:
            self.version = version

    def pending_edit(self) -> EditClaim | str | None:
        """The edit that saves the typed text; a problem with it; None when nothing changed.

        It carries the version the text was typed on: a claim changed elsewhere since is a
        conflict, not silently overwritten.
        """
        if self.claim_id is None:
            return None
        statement, synthesis = self.values
        if not statement.strip():
            return "The statement cannot be empty."
        changed = self.changed_fields()
        if not changed:
            return None
        return EditClaim(
            self.claim_id,
            statement=statement if "statement" in changed else None,
            synthesis=synthesis if "synthesis" in changed else None,
            expected_version=self.version,
        )

    def action_save(self) -> None:
        edit = self.pending_edit()
        if isinstance(edit, str):
            self.notify(edit, severity="error")
        elif edit is None:
            self.notify("Nothing to save." if self.claim_id else "Select a claim first.")
        else:
            self.post_message(EditRequested(edit))

    def action_cancel(self) -> None:
        self.post_message(self.CancelRequested())

    def revert(self) -> None:
        """Back to the saved text."""
        self.statement.load_text(self._saved[0])
        self.synthesis.load_text(self._saved[1])


def load_keeping_cursor(area: TextArea, text: str) -> None:
    """Put ``text`` in ``area`` with the cursor where it was (within the new text)."""
    row, column = area.cursor_location
    area.load_text(text)
    row = min(row, area.document.line_count - 1)
    column = min(column, len(area.document.get_line(row)))
    area.move_cursor((row, column))
