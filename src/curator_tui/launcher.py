"""The ``curator`` console script: the headless commands, or with none the app.

The CLI package never imports the UI (an import-linter contract in pyproject.toml), so the
one place that knows both is this launcher: it hands the CLI a way to open the app.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def open_app(engine: Engine) -> None:
    """Run the app on a library until the curator quits (Textual loads only here)."""
    from curator_tui.ui.app import run_app

    run_app(engine)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``curator`` command."""
    from curator_tui.cli import main as cli_main

    return cli_main(argv, open_app=open_app)
