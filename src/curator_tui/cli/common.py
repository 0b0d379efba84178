"""What every command shares: the error family, the consoles, the library, file errors."""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from sqlalchemy.engine import Engine


class CliError(Exception):
    """An error to print as one line on stderr, exit status 1."""


def stderr_console() -> Console:
    """Messages and progress for the user: never the command's output."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def stdout_console() -> Console:
    """Progress lines that belong with a command's output (e.g. `curator import`)."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


class OutlivingStdout:
    """Standard output for a command whose exit status says what it found (``check``).

    When the reader goes away (``| head -1``) the rest is written nowhere and the command
    goes on to the end, so its status is still the result: a script running with
    ``pipefail`` must not see a passing check where the check alone fails. (Elsewhere a
    reader that has what it wanted is not an error: ``main`` exits 0.)
    """

    def __init__(self) -> None:
        self.reader_gone = False

    def write(self, text: str) -> None:
        """Write ``text`` unless the reader went away."""
        if self.reader_gone:
            return
        try:
            sys.stdout.write(text)
        except BrokenPipeError:
            self._discard()

    def flush(self) -> None:
        """Flush what is buffered, if anyone still reads it."""
        if self.reader_gone:
            return
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            self._discard()

    def _discard(self) -> None:
        self.reader_gone = True
        # What is still buffered goes there too, at exit, instead of failing again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def warn(message: str) -> None:
    """One warning line on stderr."""
    stderr_console().print(f"curator: warning: {message}", markup=False)


def open_engine(db: str | None, *, create: bool) -> Engine:
    """The library chosen by --db / CURATOR_DB / default; the default is seeded when new.

    A file path or a database URL (``postgresql://…``); a URL's password is never shown.
    """
    from curator_tui.db import (
        LibraryError,
        default_library_path,
        display_name,
        open_library,
        resolve_library,
    )

    target = resolve_library(db)
    is_default = db is None and not os.environ.get("CURATOR_DB")
    new = isinstance(target, Path) and not target.exists()
    if new and is_default and isinstance(target, Path):
        target.parent.mkdir(parents=True, exist_ok=True)
    if new and not create and not is_default:
        raise CliError(
            f"no library at {display_name(target)} (create one with 'curator import' or by "
            "opening it in 'curator')"
        )
    try:
        engine = open_library(target, create=create or is_default)
    except LibraryError as exc:
        raise CliError(str(exc)) from None
    engine = with_author(engine, author())
    from curator_tui.db import is_read_only, session_scope
    from curator_tui.services.rendered import check_format

    if not is_read_only(engine):
        with session_scope(engine) as session:
            check_format(session)
    if new and is_default and target == default_library_path():
        from curator_tui.services.sample import seed

        for result in seed(engine):
            if not result.ok:
                warn(result.message)
    return engine


def author() -> str:
    """Who this user's changes are recorded as (config.toml, $CURATOR_AUTHOR, login)."""
    from curator_tui.config import ConfigError, load_config, resolve_author

    try:
        return resolve_author(load_config())
    except ConfigError as exc:
        raise CliError(str(exc)) from None


def with_author(engine: Engine, name: str) -> Engine:
    """The engine, recording ``name`` as the author of every change made through it."""
    from curator_tui.authors import with_author as attach

    return attach(engine, name)


def _reason(path: Path, exc: OSError | sqlite3.Error, *, makes_folders: bool) -> str:
    # Said in terms of the user's own path: the error itself may name a temporary of
    # ours (a backup or an export is written beside its target, then renamed).
    folder = path.parent
    existing = folder
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        return f"{existing} is not a folder"
    if existing != folder and not makes_folders:
        return f"{folder} does not exist"
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return str(exc)


def cannot_write(path: Path, exc: OSError | sqlite3.Error) -> CliError:
    """The error for a file we could not write: the user's path and why, never a temporary."""
    return CliError(f"cannot write {path}: {_reason(path, exc, makes_folders=False)}")


def cannot_create(folder: Path, exc: OSError) -> CliError:
    """The error for a folder (and its parents) we could not create."""
    return CliError(f"cannot create {folder}: {_reason(folder, exc, makes_folders=True)}")


@contextmanager
def interrupt_between_writes() -> Iterator[threading.Event]:
    """Ctrl+C (SIGINT) sets the event instead of raising wherever the code happens to be.

    A KeyboardInterrupt raised inside SQLAlchemy or the driver could leave a connection
    holding SQLite's write lock while the import went on (each later file then waited out
    the busy timeout: a CLI trial saw an import hang for minutes), or be swallowed by a
    garbage-collection callback. The caller checks the event between transactions and
    stops there. A second ctrl+c raises at once.
    """
    asked = threading.Event()

    def interrupted(signum: int, frame: Any) -> None:
        if asked.is_set():
            raise KeyboardInterrupt
        asked.set()

    if threading.current_thread() is not threading.main_thread():
        yield asked  # signals go to the main thread only: nothing to install
        return
    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        yield asked
    finally:
        signal.signal(signal.SIGINT, previous)
