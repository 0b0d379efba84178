"""Commands on the library as a whole: ``curator backup`` and ``generate``."""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

from curator_tui.cli.common import CliError, cannot_write, open_engine, stderr_console


def cmd_backup(args: argparse.Namespace) -> int:
    """Write a consistent copy of the library, even while it is in use."""
    from curator_tui.migrate import backup_sqlite

    engine = open_engine(args.db, create=False)
    if engine.dialect.name != "sqlite" or not engine.url.database:
        raise CliError(
            "backup is not supported yet for a PostgreSQL library (use the server's own "
            "backup, pg_dump)"
        )
    source = Path(engine.url.database)
    target = Path(args.path)
    if target.is_dir():
        target = target / source.name
    if target.exists() and not args.force:
        raise CliError(f"{target} exists (use --force to overwrite it)")
    if target.resolve() == source.resolve():
        raise CliError("the backup cannot be the library itself")
    # Into a temporary beside the target, then renamed: a failed backup leaves nothing
    # behind. Its name is ours, so errors name the user's path instead.
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
    stderr_console().print(f"backed up {source} to {target}", markup=False)
    return 0


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
        description="Write a consistent copy of the library (SQLite online backup), even while the app uses it.",
    )
    p.add_argument("path", metavar="PATH", help="the backup file (or a directory to put it in)")
    p.add_argument("--force", action="store_true", help="overwrite PATH if it exists")
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
