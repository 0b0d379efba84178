"""Where a command's output goes: stdout, or on a terminal a pager once it fills the screen.

As git does: the pager is ``$CURATOR_PAGER``, else ``$PAGER``, else ``less`` (with
``LESS=FRX`` unless set: raw colours, no screen clearing); empty or ``cat`` means none;
``--no-pager`` turns it off, and output that is not a terminal is never paged. Unlike
git, output that fits on the screen is printed directly, whatever the pager is.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from typing import Protocol

# Characters that make a pager command a shell command line (as git decides).
_SHELL_SYNTAX = set("|&;<>()$`\\\"' \t\n*?[#~=%")
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


class Output(Protocol):
    """The little of a text stream that the commands write to."""

    def write(self, text: str, /) -> int:
        """Write ``text``; returns how many characters."""
        ...

    def flush(self) -> None:
        """Send what was written on (a page of list rows reaches the reader at once)."""
        ...


def pager_command(environ: Mapping[str, str]) -> str | None:
    """The pager the user chose, or None for no pager."""
    for name in ("CURATOR_PAGER", "PAGER"):
        if name in environ:
            command = environ[name].strip()
            break
    else:
        command = "less"
    return None if command in ("", "cat") else command


def _spawn(command: str) -> subprocess.Popen[bytes] | None:
    """The pager, reading our output from a pipe; None when it cannot be started."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = []
    if words and "=" not in words[0] and shutil.which(words[0]) is None:
        return None  # e.g. less is not installed: print directly rather than nothing
    environ = dict(os.environ)
    environ.setdefault("LESS", "FRX")
    environ.setdefault("LV", "-c")
    shell = bool(set(command) & _SHELL_SYNTAX)
    try:
        return subprocess.Popen(
            command if shell else [command], shell=shell, stdin=subprocess.PIPE, env=environ
        )
    except OSError:
        return None


class _Screenful:
    """Holds output until it is longer than the screen, then hands it all to the pager."""

    def __init__(self, command: str, columns: int, lines: int) -> None:
        self.encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
        self._command = command
        self._columns = max(1, columns)
        self._room = max(1, lines - 1)  # a line is left for the shell's prompt
        self._held: list[str] = []
        self._rows = 0
        self._column = 0
        self._pager: subprocess.Popen[bytes] | None = None
        self._out: Output | None = None

    def write(self, text: str, /) -> int:
        """Hold ``text`` while it fits on the screen, else pass it to the pager."""
        if self._out is not None:
            return self._out.write(text)
        self._held.append(text)
        self._count(text)
        if self._rows > self._room:
            self._start()
        return len(text)

    def flush(self) -> None:
        """Flush the pager's pipe (held output waits: it may still fit on the screen)."""
        if self._out is not None:
            self._out.flush()

    def isatty(self) -> bool:
        """The output ends on a terminal, through the pager or not."""
        return True

    def _count(self, text: str) -> None:
        from rich.cells import cell_len

        *ended, rest = _ESCAPES.sub("", text).split("\n")
        for line in ended:
            width = self._column + cell_len(line)
            self._rows += max(1, -(-width // self._columns))
            self._column = 0
        self._column += cell_len(rest)

    def _start(self) -> None:
        self._pager = _spawn(self._command)
        if self._pager is None or self._pager.stdin is None:
            self._out = sys.stdout
        else:
            self._out = io.TextIOWrapper(
                self._pager.stdin, encoding=self.encoding, errors="replace", newline="\n"
            )
        held, self._held = "".join(self._held), []
        self._out.write(held)
        self._out.flush()

    def close(self) -> None:
        """Print what fitted on the screen, or let the pager finish (the user quits it)."""
        if self._out is None:
            sys.stdout.write("".join(self._held))
            sys.stdout.flush()
            return
        if self._pager is None:
            self._out.flush()
            return
        with contextlib.suppress(OSError, ValueError):  # the user quit the pager early
            assert isinstance(self._out, io.TextIOWrapper)
            self._out.close()
        while True:
            try:
                self._pager.wait()
                return
            except KeyboardInterrupt:
                continue  # ctrl+c belongs to the pager while it is on the screen


@contextlib.contextmanager
def output(*, page: bool) -> Iterator[Output]:
    """Where a command writes: stdout; on a terminal, a pager once the screen is full."""
    command = pager_command(os.environ) if page and sys.stdout.isatty() else None
    if command is None:
        yield sys.stdout
        return
    size = shutil.get_terminal_size()
    screen = _Screenful(command, size.columns, size.lines)
    try:
        yield screen
    finally:
        screen.close()
