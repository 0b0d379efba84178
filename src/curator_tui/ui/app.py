"""The curator-tui application: the library, its keys and its command palette.

Nothing typed is lost on the way out: quitting (ctrl+q, the palette, SIGTERM) with unsaved
text asks first; a hang-up (SIGHUP: the terminal is gone, nobody can answer) writes the
text to a drafts file, which the next start offers to restore.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import threading
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from sqlalchemy.engine import Engine
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.worker import WorkerState

from curator_tui.config import Config, ConfigError, load_config
from curator_tui.db import display_name
from curator_tui.services.crossref import CrossrefSettings
from curator_tui.ui.commands import CheckProvider, ClaimJumpProvider
from curator_tui.ui.drafts import (
    Draft,
    HoldsText,
    drafts_path_for,
    read_drafts,
    remove_drafts,
    write_drafts,
)
from curator_tui.ui.screens.dialogs import Choice, ChoiceDialog
from curator_tui.ui.screens.help import HelpScreen, binding_groups
from curator_tui.ui.screens.main import MainScreen

QUIT_CHOICES = [
    Choice("s", "Save", "primary"),
    Choice("d", "Discard", "error"),
    Choice("c", "Cancel"),
]
RESTORE_CHOICES = [Choice("r", "Restore", "primary"), Choice("d", "Discard", "error")]
# The groups of workers that write what the curator saved.
SAVING_GROUPS = ("edit", "io")


def _detach_from_terminal() -> None:
    """Point stdin, stdout and stderr at /dev/null, the terminal being gone.

    Textual's shutdown writes to the terminal and restores its modes; on a hung-up
    terminal those writes fail and the shutdown waited forever on its output thread
    (seen under tmux kill-session). Should anything still hang, the process ends
    anyway a few seconds later: the drafts are already on disk.
    """
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.close(null)
    watchdog = threading.Timer(5.0, os._exit, args=(128 + signal.SIGHUP,))
    watchdog.daemon = True
    watchdog.start()


async def _handled_so_far(pump: MessagePump) -> None:
    """Wait until ``pump`` has handled every message queued on it before this call."""
    handled = asyncio.Event()
    pump.call_later(handled.set)
    await handled.wait()


def _listing(drafts: list[Draft]) -> str:
    """The drafts, one line each."""
    return "\n".join(f"• {draft.describe()}" for draft in drafts)


class CuratorApp(App[None]):
    """Curate claim cards from the keyboard."""

    CSS_PATH = "app.tcss"
    # Narrow terminals (80 columns) give the panes more room than the list.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    TITLE = "curator-tui"
    COMMANDS = App.COMMANDS | {ClaimJumpProvider, CheckProvider}
    BINDINGS = [
        Binding(
            "ctrl+q",
            "quit",
            "Quit",
            tooltip="Leave curator-tui (asks first when there is unsaved text)",
            id="app.quit",
            priority=True,
        ),
        Binding("question_mark,f1", "help", "Help", tooltip="Every key, per pane", id="app.help"),
        Binding("ctrl+z", "undo", "Undo", tooltip="Undo the last edit (100 deep)", id="app.undo"),
        Binding(
            "ctrl+p",
            "command_palette",
            "Commands",
            tooltip="Run any action by name, or jump to a claim",
            id="app.palette",
            # The footer shows the palette's key already, at its right end: shown here
            # too, it appeared twice. Kept for the help screen and for remapping.
            show=False,
        ),
    ]

    def __init__(
        self,
        engine: Engine,
        config: Config | None = None,
        library_name: str = "",
        drafts: Path | None = None,
        crossref: CrossrefSettings | None = None,
    ) -> None:
        """``drafts``: where unsaved text goes on a hang-up (default: beside the library).

        ``crossref``: where DOIs are looked up (default: from the config and environment).
        """
        super().__init__()
        self.drafts_path = drafts if drafts is not None else drafts_path_for(engine)
        self._signals: list[signal.Signals] = []
        self._asking_to_quit = False
        self.engine = engine
        self.config_error = ""
        if config is None:
            try:
                config = load_config()
            except ConfigError as exc:
                config, self.config_error = Config(), str(exc)
        self.config = config
        self.crossref = crossref or CrossrefSettings.from_config(config)
        # Named as the user knows it: a file's path, or a URL with its password masked.
        self.library_name = library_name or display_name(engine)

    def on_mount(self) -> None:
        self.sub_title = self.library_name
        if self.config.keys:
            self.set_keymap(self.config.keys)
        self.push_screen(
            MainScreen(self.engine, self.library_name, self.crossref, self.config.keys)
        )
        # Everything alive once the screen is up (Textual, SQLAlchemy, the widgets: ~150k
        # objects) lives as long as the app. Frozen, the collector stops walking it on
        # each full collection, which stalled a keystroke now and then by 50-100 ms.
        self.call_after_refresh(gc.freeze)
        if self.config_error:
            self.notify(
                f"Config ignored: {self.config_error}", severity="error", timeout=15, markup=False
            )
        self._listen_for_signals()
        self._offer_drafts()

    def on_unmount(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in self._signals:
            loop.remove_signal_handler(sig)
        self._signals.clear()

    @property
    def main(self) -> MainScreen:
        """The main screen (under any dialog)."""
        return next(s for s in self.screen_stack if isinstance(s, MainScreen))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.config.keys))

    def action_undo(self) -> None:
        self.main.action_undo()

    # --- leaving without losing text ------------------------------------------------

    def unsaved(self) -> list[Draft]:
        """Every piece of unsaved text: the claim pane's, then each open dialog's."""
        return [
            draft
            for screen in self.screen_stack
            if isinstance(screen, HoldsText) and (draft := screen.unsaved_draft()) is not None
        ]

    async def action_quit(self) -> None:
        """Quit; with unsaved text, ask first: save, discard or stay."""
        drafts = self.unsaved()
        if not drafts:
            self.exit()
            return
        if self._asking_to_quit:
            return

        def answered(choice: str | None) -> None:
            self._asking_to_quit = False
            if choice == "s":
                self.run_worker(self._save_then_quit(), group="quit", exclusive=True)
            elif choice == "d":
                self.exit()

        self._asking_to_quit = True
        self.push_screen(
            ChoiceDialog(f"Quit with unsaved text?\n{_listing(drafts)}", QUIT_CHOICES, focus="s"),
            answered,
        )

    async def _save_then_quit(self) -> None:
        """Save each unsaved text as ctrl+s would, from the top dialog down, then quit.

        Stops (and says why) when a text will not save as it is (an empty statement) or
        saving asks a question of its own (a conflict, a file to overwrite).
        """
        present = set(self.screen_stack)
        tried: set[Screen[object]] = set()
        while True:
            top = self.screen
            if top not in present:
                self.notify("Not quitting yet: answer the question first.", severity="warning")
                return
            if isinstance(top, HoldsText) and top.unsaved_draft() is not None:
                if top in tried or not top.save_unsaved():
                    self.notify(
                        "Not quitting: that text could not be saved as it is.", severity="error"
                    )
                    return
                tried.add(top)
                await self._saves_done()
                continue
            if top is self.main:
                break
            top.dismiss(None)  # a question, the help, a dialog with nothing changed
        self.exit()

    async def _saves_done(self) -> None:
        """Wait for what a save started: its on_save call (queued on the app), its workers,
        and what they posted back (``Edited``, handled by the main screen).

        A worker is done before the main screen has handled its ``Edited``: looking at the
        text then found it still unsaved, and quitting stopped with "could not be saved"
        although it was (seen in tmux on a loaded machine).
        """
        while True:
            await _handled_so_far(self)
            await _handled_so_far(self.main)
            running = [
                worker
                for worker in self.workers
                if worker.group in SAVING_GROUPS
                and worker.state in (WorkerState.PENDING, WorkerState.RUNNING)
            ]
            if not running:
                return
            await self.workers.wait_for_complete(running)

    def _listen_for_signals(self) -> None:
        """SIGTERM asks as ctrl+q does; SIGHUP keeps unsaved text as drafts and quits."""
        loop = asyncio.get_running_loop()
        handlers = {signal.SIGTERM: self._terminated}
        if hasattr(signal, "SIGHUP"):
            handlers[signal.SIGHUP] = self._hung_up
        for sig, handler in handlers.items():
            try:
                loop.add_signal_handler(sig, handler)
            except (NotImplementedError, RuntimeError, ValueError):
                continue  # Windows, or not the main thread: the default handling stays
            self._signals.append(sig)

    def _terminated(self) -> None:
        if self._asking_to_quit:
            # Asked twice (a service manager's second notice): keep the text and go.
            self._hung_up()
            return
        self.call_later(self.action_quit)

    def _hung_up(self) -> None:
        """Nobody can answer: write the unsaved text to the drafts file, then quit."""
        if drafts := self.unsaved():
            # Nowhere to say that it failed: the terminal is gone.
            with contextlib.suppress(OSError):
                write_drafts(self.drafts_path, drafts)
        if not self.is_headless:
            _detach_from_terminal()
        self.exit()

    def _offer_drafts(self) -> None:
        """Text left unsaved when the last session hung up: restore it or discard it?"""
        try:
            drafts = read_drafts(self.drafts_path)
        except ValueError as exc:
            self.notify(
                f"Unsaved text from a past session could not be read: {exc}",
                severity="error",
                timeout=30,
                markup=False,
            )
            return
        if not drafts:
            return
        path = self.drafts_path

        def answered(choice: str | None) -> None:
            if choice == "r":
                self.main.restore_drafts(drafts, lambda: remove_drafts(path))
            elif choice == "d":
                remove_drafts(path)
                self.notify("The unsaved text was discarded.")
            else:
                self.notify(f"The unsaved text stays in {path} until the next start.", markup=False)

        self.push_screen(
            ChoiceDialog(
                f"The last session ended with unsaved text:\n{_listing(drafts)}\nRestore it?",
                RESTORE_CHOICES,
            ),
            answered,
        )

    def jump_to_claim(self, claim_id: int) -> None:
        """Show a claim (from the palette)."""
        self.main.select_claim(claim_id)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every action with a description, by name, plus Textual's own (theme, quit, keys)."""
        yield from super().get_system_commands(screen)
        seen = {"Quit", "Help"}
        for group, bindings in binding_groups()[1:]:
            for binding in bindings:
                if (
                    not isinstance(binding, Binding)
                    or not binding.description
                    or binding.description in seen
                ):
                    continue
                if binding.action.startswith(("cursor", "page", "jump", "dismiss")):
                    continue
                seen.add(binding.description)
                yield SystemCommand(
                    f"{binding.description}",
                    f"{binding.tooltip or binding.description} ({group}, key {binding.key})",
                    partial(self._run_binding, binding),
                )
        yield SystemCommand("Help", "Every key, per pane", self.action_help)
        yield SystemCommand("Undo", "Undo the last edit", self.action_undo)

    def _run_binding(self, binding: Binding) -> None:
        self.main.run_binding(binding)


def run_app(engine: Engine) -> None:
    """Run the app until the curator quits."""
    CuratorApp(engine).run()
