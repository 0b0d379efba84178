"""Commands on the library as a whole: ``curator backup`` and ``generate``."""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from curator_tui.cli.common import CliError, cannot_write, open_engine, stderr_console

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def cmd_backup(args: argparse.Namespace) -> int:
    """Write a consistent copy of the library, even while it is in use."""
    from curator_tui.db import display_name

    engine = open_engine(args.db, create=False)
    server = engine.dialect.name != "sqlite"
    if not server and not engine.url.database:
        raise CliError("backup copies a library file or a PostgreSQL database")
    source = Path(engine.url.database or "library")
    target = Path(args.path)
    if target.is_dir():
        target = target / (f"{source.name}.db" if server else source.name)
    if target.exists() and not args.force:
        raise CliError(f"{target} exists (use --force to overwrite it)")
    if not server and target.resolve() == source.resolve():
        raise CliError("the backup cannot be the library itself")
    if server:
        _backup_server(engine, target, quiet=args.quiet)
    else:
        _backup_file(source, target)
    if not args.quiet:
        stderr_console().print(f"backed up {display_name(engine)} to {target}", markup=False)
    return 0


def _backup_file(source: Path, target: Path) -> None:
    """SQLite's online backup, into a temporary beside the target, then renamed."""
    from curator_tui.migrate import backup_sqlite

    # A failed backup leaves nothing behind. The temporary's name is ours, so errors
    # name the user's path instead.
    tmp: Path | None = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        tmp = Path(name)
        backup_sqlite(source, tmp)
        os.replace(tmp, target)
    except (OSError, sqlite3.Error) as exc:
        raise cannot_write(target, exc) from None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _backup_server(engine: Engine, target: Path, *, quiet: bool) -> None:
    """A database server's library as a new SQLite file, as of one snapshot (``curator copy``)."""
    from curator_tui.cli.copy import copy_into, progress_bar

    with progress_bar(quiet) as progress:
        copy_into(engine, target, replace=True, progress=progress, new_file=True)


def cmd_generate(args: argparse.Namespace) -> int:
    """Add deterministic generated claims (to try the app at scale, and for benchmarks)."""
    from curator_tui.generate import populate

    if args.claims < 0:
        raise CliError("--claims must be 0 or more")
    engine = open_engine(args.db, create=True)
    if args.quiet or not sys.stderr.isatty():
        added = populate(engine, args.claims, args.seed)
    else:
        from rich.progress import Progress

        with Progress(console=stderr_console(), transient=True) as bar:
            task = bar.add_task("Generating", total=args.claims)
            added = populate(
                engine,
                args.claims,
                args.seed,
                progress=lambda done, _: bar.update(task, completed=done),
            )
    if not args.quiet:
        stderr_console().print(f"added {added:,} generated claim(s)", markup=False)
    return 0


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """``curator backup`` and ``generate``."""
    p = sub.add_parser(
        "backup",
        parents=[common],
        help="copy the library safely, even while it is open",
        description=(
            "Write a consistent copy of the library, even while the app uses it: SQLite's "
            "online backup of a file; a PostgreSQL library as a new SQLite file, read as of "
            "one moment (what 'curator copy' does), which 'curator --db PATH' opens."
        ),
    )
    p.add_argument("path", metavar="PATH", help="the backup file (or a directory to put it in)")
    p.add_argument("--force", action="store_true", help="overwrite PATH if it exists")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress, no summary")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser(
        "generate",
        parents=[common],
        help="add generated claims (to try the app at scale)",
        description="Add a deterministic, realistic set of generated claims: same --seed, same claims.",
    )
    p.add_argument("--claims", type=int, default=1000, metavar="N", help="how many (default 1000)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress, no summary")
    p.set_defaults(func=cmd_generate)
