"""The curator-tui application: the library, its keys and its command palette."""

from __future__ import annotations

import gc
from collections.abc import Iterable
from functools import partial

from sqlalchemy.engine import Engine
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from curator_tui.config import Config, ConfigError, load_config
from curator_tui.ui.commands import ClaimJumpProvider
from curator_tui.ui.screens.help import HelpScreen, binding_groups
from curator_tui.ui.screens.main import MainScreen


class CuratorApp(App[None]):
    """Curate claim cards from the keyboard."""

    CSS_PATH = "app.tcss"
    # Narrow terminals (80 columns) give the panes more room than the list.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    TITLE = "curator-tui"
    COMMANDS = App.COMMANDS | {ClaimJumpProvider}
    BINDINGS = [
        Binding(
            "ctrl+q",
            "quit",
            "Quit",
            tooltip="Leave curator-tui (everything is saved as you go)",
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
        ),
    ]

    def __init__(
        self, engine: Engine, config: Config | None = None, library_name: str = ""
    ) -> None:
        super().__init__()
        self.engine = engine
        self.config_error = ""
        if config is None:
            try:
                config = load_config()
            except ConfigError as exc:
                config, self.config_error = Config(), str(exc)
        self.config = config
        self.library_name = library_name or str(engine.url.database or engine.url)

    def on_mount(self) -> None:
        self.sub_title = self.library_name
        if self.config.keys:
            self.set_keymap(self.config.keys)
        self.push_screen(MainScreen())
        # Everything alive once the screen is up (Textual, SQLAlchemy, the widgets: ~150k
        # objects) lives as long as the app. Frozen, the collector stops walking it on
        # each full collection, which stalled a keystroke now and then by 50-100 ms.
        self.call_after_refresh(gc.freeze)
        if self.config_error:
            self.notify(
                f"Config ignored: {self.config_error}", severity="error", timeout=15, markup=False
            )

    @property
    def main(self) -> MainScreen:
        """The main screen (under any dialog)."""
        return next(s for s in self.screen_stack if isinstance(s, MainScreen))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.config.keys))

    def action_undo(self) -> None:
        self.main.action_undo()

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
        action = binding.action.removeprefix("screen.")
        if action in ("open",):
            self.main.claim_list.action_open()
            return
        self.call_later(self.main.run_action, action)


def run_app(engine: Engine) -> None:
    """Run the app until the curator quits."""
    CuratorApp(engine).run()
