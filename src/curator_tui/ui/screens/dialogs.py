"""Modal dialogs: a text editor, a one-line prompt, the study form, and questions.

The editing dialogs share one rule: text the curator typed is never thrown away without
asking. Escape asks first when anything changed, and each dialog can hand its unsaved
text to the app (as a draft) when the app is asked to quit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea

from curator_tui.cards.model import StudyRef
from curator_tui.ui.drafts import Draft, Origin

ResultT = TypeVar("ResultT")


class EditDialog(ModalScreen[ResultT | None], Generic[ResultT]):
    """A dialog holding the curator's text (every Input and TextArea in it, by id).

    ``on_save`` receives the result when the curator saves, after the dialog has closed
    (from the app's message queue);
    ``draft`` (field id to text) starts the fields from unsaved text instead of their
    saved values, so the dialog still knows they changed; ``origin`` says how to open it
    again from a draft.
    """

    def __init__(
        self,
        title: str,
        on_save: Callable[[ResultT], None] | None = None,
        *,
        draft: dict[str, str] | None = None,
        origin: Origin | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.on_save = on_save
        self.origin = origin
        self._draft = draft or {}
        self._initial: dict[str, str] = {}
        self.saved_fields: dict[str, str] = {}
        # The field that had the cursor when the curator saved (see ``refocus``).
        self.saved_focus: str | None = None
        # Opened again after the library refused a save: the field to put the cursor in.
        # Without it the first field took it, all of its text selected, and the next key
        # typed (meant for the field the error was about) replaced the study's title.
        self.refocus: str | None = None
        # ...and why it was refused, shown in the dialog's error line (a notice alone sat
        # over the dialog's keys and went away).
        self.refused_because: str | None = None

    def start_editing(self) -> None:
        """Remember the saved values, then put any draft in the fields (call on mount)."""
        self._initial = self.fields()
        for name, text in self._draft.items():
            if name not in self._initial:
                continue
            widget = self.query_one(f"#{name}")
            if isinstance(widget, Input):
                widget.value = text
            elif isinstance(widget, TextArea):
                widget.load_text(text)
        if self.refocus is not None:
            # After the subclass's own first focus (its on_mount, which called this).
            self.call_after_refresh(self._focus_again, self.refocus)
        if self.refused_because and (error := self.query("#dialog-error")):
            error.first(Static).update(self.refused_because)

    def _focus_again(self, name: str) -> None:
        found = self.query(f"#{name}")
        if found:
            found.first().focus()

    def fields(self) -> dict[str, str]:
        """Each text field's id and its text now."""
        values: dict[str, str] = {}
        for widget in self.query("Input, TextArea"):
            if widget.id and isinstance(widget, Input):
                values[widget.id] = widget.value
            elif widget.id and isinstance(widget, TextArea):
                values[widget.id] = widget.text
        return values

    @property
    def changed(self) -> bool:
        """Has the curator changed any field?"""
        return self.is_mounted and self.fields() != self._initial

    def result(self, fields: dict[str, str]) -> tuple[str | None, ResultT | None]:
        """(a problem to show, the result to save) for these fields."""
        return None, None

    def save(self) -> bool:
        """Close with the result and hand it on; False (and a message) when it will not do."""
        fields = self.fields()
        problem, value = self.result(fields)
        if problem is not None or value is None:
            self.query_one("#dialog-error", Static).update(problem or "")
            return False
        # What was typed, kept after the dialog closes: a save the library refuses
        # (changed elsewhere) opens the dialog again with it.
        self.saved_fields = fields
        self.saved_focus = self.focused.id if self.focused is not None else None
        self.dismiss(value)
        if self.on_save is not None:
            # Through the app's queue: a question that on_save asks (overwrite?) must get
            # its answer back through a live requester, not this closing dialog.
            self.app.call_next(self.on_save, value)
        return True

    def action_save(self) -> None:
        self.save()

    def action_cancel(self) -> None:
        if not self.changed:
            self.dismiss(None)
            return

        def decided(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmDialog("Discard your changes?", yes="Discard", no="Keep editing"), decided
        )

    # --- HoldsText -------------------------------------------------------------------

    def unsaved_draft(self) -> Draft | None:
        """The typed text, if it changed."""
        if not self.changed:
            return None
        fields = self.fields()
        return Draft(
            where="dialog",
            title=self.title_text,
            fields=fields,
            claim_id=self.origin.claim_id if self.origin else None,
            origin=self.origin,
            changed=[name for name, text in fields.items() if text != self._initial.get(name)],
        )

    def save_unsaved(self) -> bool:
        """Save as ctrl+s (or enter) would."""
        return self.save()


class TextDialog(EditDialog[str]):
    """Edit a piece of text. ctrl+s saves; escape cancels (asks first if it changed).

    ``validate`` returns an error message to keep the dialog open with the text intact.
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="dialog.save", tooltip="Save and close"),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Close without saving"),
    ]

    def __init__(
        self,
        title: str,
        text: str = "",
        validate: Callable[[str], str | None] | None = None,
        on_save: Callable[[str], None] | None = None,
        *,
        draft: dict[str, str] | None = None,
        origin: Origin | None = None,
    ) -> None:
        super().__init__(title, on_save, draft=draft, origin=origin)
        self.initial = text
        self.validate = validate

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield TextArea(self.initial, id="dialog-text", soft_wrap=True, tab_behavior="focus")
            yield Static("", id="dialog-error", markup=False)
            yield Label("ctrl+s save · escape cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.start_editing()
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def result(self, fields: dict[str, str]) -> tuple[str | None, str | None]:
        text = fields["dialog-text"]
        if self.validate and (problem := self.validate(text)):
            return problem, None
        return None, text


class PromptDialog(EditDialog[str]):
    """Ask for one line (a DOI, a path). Enter accepts; escape cancels (asks if it changed)."""

    BINDINGS = [
        Binding(
            "escape", "cancel", "Cancel", id="prompt.cancel", tooltip="Close without doing anything"
        )
    ]

    def __init__(
        self,
        title: str,
        value: str = "",
        placeholder: str = "",
        validate: Callable[[str], str | None] | None = None,
        on_save: Callable[[str], None] | None = None,
        *,
        draft: dict[str, str] | None = None,
        origin: Origin | None = None,
    ) -> None:
        super().__init__(title, on_save, draft=draft, origin=origin)
        self.value = value
        self.placeholder = placeholder
        self.validate = validate

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-small"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")
            yield Static("", id="dialog-error", markup=False)
            yield Label("enter accept · escape cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.start_editing()
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.save()

    def result(self, fields: dict[str, str]) -> tuple[str | None, str | None]:
        value = fields["prompt-input"]
        if self.validate and (problem := self.validate(value)):
            return problem, None
        return None, value


class ConfirmDialog(ModalScreen[bool]):
    """Yes or no. y / enter on the focused button; n / escape says no."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str | Text, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question = question
        self.yes, self.no = yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-small"):
            yield Static(self.question, classes="dialog-title", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="error")
                yield Button(f"{self.no} (n)", id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()
        # The question says what the notices before it said; at 80x24 they covered it and
        # its buttons until they timed out.
        self.app.clear_notifications()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


@dataclass(frozen=True)
class Choice:
    """One answer to a question: the key that gives it, its label, its button's look."""

    key: str
    label: str
    variant: str = "default"


class ChoiceDialog(ModalScreen[str | None]):
    """A question with a few answers, each on a button and a key; escape answers None."""

    BINDINGS = [Binding("escape", "answer", "Cancel", id="choice.cancel")]

    def __init__(self, question: str, choices: Sequence[Choice], focus: str = "") -> None:
        super().__init__()
        self.question = question
        self.choices = list(choices)
        self.focus_key = focus or self.choices[0].key

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-small"):
            yield Static(self.question, classes="dialog-title", markup=False)
            with Horizontal(classes="dialog-buttons"):
                for choice in self.choices:
                    yield Button(
                        f"{choice.label} ({choice.key})",
                        id=f"choice-{choice.key}",
                        variant=choice.variant,  # type: ignore[arg-type]
                    )

    def on_mount(self) -> None:
        self.query_one(f"#choice-{self.focus_key}", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss((event.button.id or "").removeprefix("choice-"))

    def on_key(self, event: events.Key) -> None:
        if any(choice.key == event.character for choice in self.choices):
            event.stop()
            self.dismiss(event.character)

    def action_answer(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class StudyFields:
    """The study form's values, as typed."""

    values: dict[str, str]


STUDY_FORM = [
    ("title", "Title"),
    ("authors", "Authors"),
    ("journal", "Journal"),
    ("year", "Year"),
    ("volume", "Volume"),
    ("issue", "Issue"),
    ("pages", "Pages"),
    ("pmid", "PMID"),
    ("design", "Design"),
    ("sample_size", "Sample size"),
]


class StudyDialog(EditDialog[StudyFields]):
    """Edit a study's metadata. ctrl+s saves; escape cancels (asks first if it changed)."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="study.save", tooltip="Save the study's metadata"),
        Binding("escape", "cancel", "Cancel", id="study.cancel", tooltip="Close without saving"),
    ]

    def __init__(
        self,
        study: StudyRef,
        validate: Callable[[dict[str, str]], str | None] | None = None,
        on_save: Callable[[StudyFields], None] | None = None,
        *,
        draft: dict[str, str] | None = None,
        origin: Origin | None = None,
    ) -> None:
        super().__init__(f"Study {study.doi}", on_save, draft=draft, origin=origin)
        self.study = study
        self.validate = validate

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog study"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            with VerticalScroll() as form:
                form.can_focus = False  # tab goes from field to field (add_study.py)
                for name, label in STUDY_FORM:
                    value = getattr(self.study, name)
                    with Horizontal(classes="study-field"):
                        yield Label(label, classes="field-name")
                        yield Input(
                            "" if value is None else str(value), id=f"study-{name}", compact=True
                        )
            yield Static("", id="dialog-error", markup=False)
            yield Label(
                "ctrl+s save · escape cancel · tab / enter next field", classes="dialog-hint"
            )

    def on_mount(self) -> None:
        self.start_editing()
        self.query_one("#study-title", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def result(self, fields: dict[str, str]) -> tuple[str | None, StudyFields | None]:
        values = {name: fields[f"study-{name}"] for name, _ in STUDY_FORM}
        if self.validate and (problem := self.validate(values)):
            return problem, None
        return None, StudyFields(values)
