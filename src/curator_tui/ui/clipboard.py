"""The one clipboard helper: the terminal's clipboard (OSC 52) at once, the system's if it works.

OSC 52 goes out immediately (and ``App.clipboard`` keeps the text, for tests and paste).
The system clipboard (pyperclip: xclip, xsel, wl-clipboard, pbcopy, ...) is tried in a
worker thread with a time limit, never on the event loop: xclip waits for ever on an X
server that accepts connections but does not answer, and pyperclip sets no timeout.
On Linux pyperclip is only called when the display answers a connection, so a stale
DISPLAY (common over SSH) never makes xclip print errors into the app's screen.
"""

from __future__ import annotations

import os
import socket
import sys
import threading

from textual.app import App

COPY_TIMEOUT = 3.0
OSC52 = "terminal clipboard (OSC 52; inside tmux it needs set-clipboard on)"


def _x_display_answers(display: str) -> bool:
    """Does anything listen on the X display ``[host]:N[.screen]``?"""
    host, _, rest = display.rpartition(":")
    number = rest.split(".")[0]
    if not number.isdigit():
        return False
    try:
        if host in ("", "unix"):
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(1.0)
                sock.connect(f"/tmp/.X11-unix/X{number}")
        else:
            with socket.create_connection((host, 6000 + int(number)), timeout=1.0):
                pass
    except OSError:
        return False
    return True


def _linux_clipboard_reachable() -> bool:
    if os.environ.get("WAYLAND_DISPLAY"):
        return True
    display = os.environ.get("DISPLAY")
    return bool(display) and _x_display_answers(display or "")


def _pyperclip_copy(text: str, result: list[str]) -> None:
    import pyperclip

    try:
        copy, paste = pyperclip.determine_clipboard()
        copy(text)
        # pyperclip does not check the tool's exit status: read back to know it worked.
        if paste() == text:
            name = getattr(copy, "__qualname__", "pyperclip").split(".")[0]
            result.append(name.removeprefix("init_").removesuffix("_clipboard") or "pyperclip")
    except Exception:  # pyperclip's own errors and OS errors both mean "not here"
        return


def system_copy(text: str, timeout: float = COPY_TIMEOUT) -> str | None:
    """Copy to the system clipboard; the mechanism's name, or None. Blocking: call in a thread."""
    if sys.platform.startswith("linux") and not _linux_clipboard_reachable():
        return None
    result: list[str] = []
    thread = threading.Thread(target=_pyperclip_copy, args=(text, result), daemon=True)
    thread.start()
    thread.join(timeout)
    return result[0] if result and not thread.is_alive() else None


def copy_text(app: App[object], text: str, what: str) -> None:
    """Copy ``text`` and tell the curator where it went (``what``: "claim 3 as Markdown")."""
    app.copy_to_clipboard(text)

    def to_system_clipboard() -> None:
        mechanism = system_copy(text)
        where = f"system clipboard ({mechanism})" if mechanism else OSC52
        app.call_from_thread(app.notify, f"Copied {what} to the {where}.", markup=False)

    app.run_worker(to_system_clipboard, thread=True, group="clipboard", exit_on_error=False)
