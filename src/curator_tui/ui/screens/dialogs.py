"""Modal dialogs: a text editor, a one-line prompt, a confirmation and the study form."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea

from curator_tui.cards.model import StudyRef


class TextDialog(ModalScreen[str | None]):
    """Edit a piece of text. ctrl+s saves; escape cancels (asks first if it changed).

    ``validate`` returns an error message to keep the dialog open with the text intact.
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="dialog.save", tooltip="Save and close"),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Close without saving"),
    ]

    def __init__(
        self, title: str, text: str = "", validate: Callable[[str], str | None] | None = None
    ) -> None:
        super().__init__()
        self.title_text = title
        self.initial = text
        self.validate = validate

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield TextArea(self.initial, id="dialog-text", soft_wrap=True, tab_behavior="focus")
            yield Static("", id="dialog-error", markup=False)
            yield Label("ctrl+s save · escape cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        text = self.query_one(TextArea).text
        if self.validate and (problem := self.validate(text)):
            self.query_one("#dialog-error", Static).update(problem)
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        if self.query_one(TextArea).text == self.initial:
            self.dismiss(None)
            return

        def decided(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmDialog("Discard your changes?", yes="Discard", no="Keep editing"), decided
        )


class PromptDialog(ModalScreen[str | None]):
    """Ask for one line (a DOI, a path). Enter accepts; escape cancels."""

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
    ) -> None:
        super().__init__()
        self.title_text = title
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
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.validate and (problem := self.validate(event.value)):
            self.query_one("#dialog-error", Static).update(problem)
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """Yes or no. y / enter on the focused button; n / escape says no."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
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

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


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


class StudyDialog(ModalScreen[StudyFields | None]):
    """Edit a study's metadata. ctrl+s saves; escape cancels."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="study.save", tooltip="Save the study's metadata"),
        Binding("escape", "cancel", "Cancel", id="study.cancel", tooltip="Close without saving"),
    ]

    def __init__(
        self, study: StudyRef, validate: Callable[[dict[str, str]], str | None] | None = None
    ) -> None:
        super().__init__()
        self.study = study
        self.validate = validate

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog study"):
            yield Label(f"Study {self.study.doi}", classes="dialog-title", markup=False)
            with VerticalScroll():
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
        self.query_one("#study-title", Input).focus()

    def _values(self) -> dict[str, str]:
        return {name: self.query_one(f"#study-{name}", Input).value for name, _ in STUDY_FORM}

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def action_save(self) -> None:
        values = self._values()
        if self.validate and (problem := self.validate(values)):
            self.query_one("#dialog-error", Static).update(problem)
            return
        self.dismiss(StudyFields(values))

    def action_cancel(self) -> None:
        self.dismiss(None)
