"""The one clipboard helper: the system clipboard via pyperclip, else OSC 52 via the terminal."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from textual.app import App


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    # xclip/xsel with a stale DISPLAY print errors on fd 2, which is the TUI's screen.
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _system_copy(text: str) -> str | None:
    """Copy with pyperclip and read it back; the mechanism's name, or None if it did not work."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return None  # over SSH or on a console: no system clipboard to reach
    try:
        import pyperclip

        with _quiet_stderr():
            copy, paste = pyperclip.determine_clipboard()
            copy(text)
            # pyperclip does not check xclip's exit status: read back to know it worked.
            if paste() != text:
                return None
    except Exception:  # pyperclip raises its own and OS errors alike; both mean "no"
        return None
    name = getattr(copy, "__qualname__", "") or getattr(copy, "__name__", "")
    mechanism = name.split(".")[0].removeprefix("init_").removesuffix("_clipboard") or "pyperclip"
    return mechanism


def copy_text(app: App[object], text: str) -> str:
    """Copy ``text``; returns a phrase saying where it went, for the notification."""
    mechanism = _system_copy(text)
    # Always keep it in the app too (and tell the terminal): paste works in the app either way.
    app.copy_to_clipboard(text)
    if mechanism:
        return f"system clipboard ({mechanism})"
    return "terminal clipboard (OSC 52; in tmux it needs set-clipboard on)"
