"""``curator copy SRC DST``: move a whole library between a SQLite file and a PostgreSQL database.

The work is ``services.transfer``'s; this module opens the two libraries, shows the
progress on a terminal and turns every failure into one line (passwords masked).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from curator_tui.cli.common import CliError, cannot_write, stderr_console

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from curator_tui.services.transfer import Copied, Progress


def _where(argument: str) -> Path | str:
    """A file path as a Path, a database URL as the string it is."""
    from curator_tui.db import is_url

    return argument if is_url(argument) else Path(argument).expanduser()


@contextmanager
def progress_bar(quiet: bool) -> Iterator[Progress | None]:
    """A progress callback drawing a bar on stderr when it is a terminal, else None."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import Progress as Bar

    with Bar(console=stderr_console(), transient=True) as bar:
        task = bar.add_task("Copying", total=None)

        def report(what: str, done: int, total: int) -> None:
            bar.update(task, description=what.capitalize(), completed=done, total=total)

        yield report


def copy_into(
    source: Engine,
    target: Path | str,
    *,
    replace: bool,
    progress: Progress | None,
    new_file: bool = False,
) -> Copied:
    """Copy the open library ``source`` into ``target`` (a path or a URL); errors are CliErrors.

    A file that does not exist yet (or any file, ``new_file``) is written as a new file
    beside it and renamed into place; an existing library is written in place.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from curator_tui.db import LibraryError, describe_db_error, display_name, open_library
    from curator_tui.services.errors import ServiceError
    from curator_tui.services.transfer import copy_library, copy_to_new_file

    name = display_name(target)
    try:
        if isinstance(target, Path) and (new_file or not target.exists()):
            try:
                return copy_to_new_file(source, target, progress=progress)
            except OSError as exc:
                raise cannot_write(target, exc) from None
        engine = open_library(target)
        try:
            return copy_library(source, engine, replace=replace, progress=progress)
        finally:
            engine.dispose()
    except (LibraryError, ServiceError) as exc:
        raise CliError(str(exc)) from None
    except SQLAlchemyError as exc:
        raise CliError(
            f"cannot copy into {name}: {describe_db_error(exc)} (it was left as it was)"
        ) from None


def cmd_copy(args: argparse.Namespace) -> int:
    """Copy a whole library, history included, and prove the copy exports the same bytes."""
    from curator_tui.db import mask_password

    try:
        return _copy(args)
    except CliError as exc:
        message = str(exc)
        for url in (args.source, args.target):
            message = mask_password(message, url)
        raise CliError(message) from None


def _copy(args: argparse.Namespace) -> int:
    from curator_tui.db import LibraryError, display_name, open_library

    source_at, target_at = _where(args.source), _where(args.target)
    if (
        isinstance(source_at, Path)
        and isinstance(target_at, Path)
        and target_at.exists()
        and source_at.exists()
        and os.path.samefile(source_at, target_at)
    ):
        # Before either is opened (the copy would find it too, once both are).
        raise CliError("the target is the source itself")
    try:
        source = open_library(source_at, create=False)
    except LibraryError as exc:
        raise CliError(str(exc)) from None
    try:
        with progress_bar(args.quiet) as progress:
            copied = copy_into(source, target_at, replace=args.replace, progress=progress)
    finally:
        source.dispose()
    if not args.quiet:
        stderr_console().print(
            f"copied {copied.claims:,} claims, {copied.history:,} history entries from "
            f"{display_name(source_at)} to {display_name(target_at)}; export --all of the "
            "copy is byte-identical to the source's",
            markup=False,
        )
    return 0


def add_parser(sub: Any) -> None:
    """``curator copy``."""
    p = sub.add_parser(
        "copy",
        help="copy a whole library (history included) to a file or a PostgreSQL database",
        description=(
            "Copy the library SRC into DST, each a SQLite file or a postgresql:// URL, "
            "history and ids included. The source is read as of one moment; the target is "
            "written in one transaction and kept only once its 'export --all' is "
            "byte-identical to the source's."
        ),
    )
    p.add_argument("source", metavar="SRC", help="the library to copy (a file or a URL)")
    p.add_argument(
        "target",
        metavar="DST",
        help="where to copy it: a new or empty library (a file, or a URL of a database)",
    )
    p.add_argument(
        "--replace",
        action="store_true",
        help="replace everything DST holds (in one transaction: a failed copy changes nothing)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress, no summary")
    p.set_defaults(func=cmd_copy)
