"""The ``curator`` command: the app with no subcommand, and the headless commands.

The headless commands never import Textual (tests/test_import_hygiene.py proves it):
scripts and CI jobs should not pay for the UI.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from curator_tui import __version__

if TYPE_CHECKING:
    from rich.console import Console
    from sqlalchemy.engine import Engine


class CliError(Exception):
    """An error to print as one line on stderr, exit status 1."""


def _stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def _stdout() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def open_engine(db: str | None, *, create: bool) -> Engine:
    """The library chosen by --db / CURATOR_DB / default; the default is seeded when new."""
    from curator_tui.db import LibraryError, default_library_path, open_library, resolve_library

    path = resolve_library(db)
    is_default = db is None and not os.environ.get("CURATOR_DB")
    new = "://" not in str(path) and not path.exists()
    if new and is_default:
        path.parent.mkdir(parents=True, exist_ok=True)
    if new and not create and not is_default:
        raise CliError(
            f"no library at {path} (create one with 'curator import' or by opening it in 'curator')"
        )
    try:
        engine = open_library(path)
    except LibraryError as exc:
        raise CliError(str(exc)) from None
    from curator_tui.db import is_read_only, session_scope
    from curator_tui.services.rendered import check_format

    if not is_read_only(engine):
        with session_scope(engine) as session:
            check_format(session)
    if new and is_default and path == default_library_path():
        from curator_tui.services.sample import seed

        for result in seed(engine):
            if not result.ok:
                _stderr().print(f"curator: warning: {result.message}", markup=False)
    return engine


# --- commands ---------------------------------------------------------------------------


def cmd_import(args: argparse.Namespace) -> int:
    """Import card files and directories."""
    from curator_tui.services.importing import FileResult, Importer, collect

    engine = open_engine(args.db, create=True)
    err = _stderr()
    paths = collect(args.paths)
    show_progress = not args.quiet and sys.stdout.isatty() and len(paths) > 1
    progress_bar: Any = None

    def report(result: FileResult) -> None:
        for warning in result.warnings:
            if not args.quiet and result.status != "duplicate":
                err.print(f"warning: {warning}", markup=False, style="yellow")
        if result.status == "failed":
            err.print(f"error: {result.message}", markup=False, style="red")
        elif not args.quiet:
            ids = ", ".join(str(i) for i in result.claim_ids)
            detail = {
                "imported": f"imported as claim {ids}",
                "replaced": f"replaced claim {ids}",
                "duplicate": result.message,
                "studies": f"imported {result.message}",
            }[result.status]
            # Plain and flushed: a script (or a crash test) sees each line once it is committed.
            line = f"{result.path}: {detail}"
            if progress_bar is not None:
                progress_bar.console.print(line, markup=False, highlight=False)
            else:
                sys.stdout.write(line + "\n")
                sys.stdout.flush()
        if progress_bar is not None:
            progress_bar.advance(progress_task)

    importer = Importer(engine, replace=args.replace, on_result=report)
    if show_progress:
        from rich.progress import Progress

        with Progress(console=_stdout(), transient=True) as progress_bar:
            progress_task = progress_bar.add_task("Importing", total=len(paths))
            importer.add_all(paths)
            importer.flush()
        progress_bar = None
    else:
        importer.add_all(paths)
        importer.flush()
    results = importer.results
    failed = sum(not r.ok for r in results)
    if not args.quiet:
        done = sum(len(r.claim_ids) for r in results if r.status in ("imported", "replaced"))
        sys.stdout.write(
            f"{len(results)} file(s): {done} claim(s) imported or replaced, {failed} failed\n"
        )
    return 1 if failed else 0


def cmd_list(args: argparse.Namespace) -> int:
    """List the claims."""
    from curator_tui.db import session_scope
    from curator_tui.services.claims import list_claims

    engine = open_engine(args.db, create=False)
    with session_scope(engine) as session:
        rows = list_claims(session, search=args.search, sort=args.sort, limit=args.limit)
    if args.json:
        data = [
            {
                "id": r.id,
                "statement": r.statement,
                "steps": r.steps,
                "studies": r.studies,
                "truncated": r.truncated,
                "updated_at": r.updated_at.replace(tzinfo=None).isoformat(timespec="seconds") + "Z",
            }
            for r in rows
        ]
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return 0
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"{len(rows)} claim(s)", title_justify="left", expand=True)
    table.add_column("ID", justify="right", no_wrap=True)
    table.add_column("Statement", ratio=1)
    table.add_column("Steps", justify="right", no_wrap=True)
    table.add_column("Studies", justify="right", no_wrap=True)
    table.add_column("Updated", no_wrap=True)
    for r in rows:
        statement = Text(r.statement, overflow="ellipsis", no_wrap=True)
        if r.truncated:
            statement.append("  (cut off)", style="yellow")
        table.add_row(
            str(r.id),
            statement,
            str(r.steps),
            str(r.studies),
            r.updated_at.strftime("%Y-%m-%d %H:%M"),
        )
    _stdout().print(table)
    return 0


def _load(engine: Engine, claim_ids: Sequence[int]) -> list[tuple[int, Any]]:
    from curator_tui.db import session_scope
    from curator_tui.services.cards import iter_cards

    with session_scope(engine) as session:
        found = dict(iter_cards(session, list(claim_ids)))
    missing = [str(i) for i in claim_ids if i not in found]
    if missing:
        raise CliError(f"no claim with id {', '.join(missing)} (see 'curator list')")
    return [(i, found[i]) for i in claim_ids]


def cmd_show(args: argparse.Namespace) -> int:
    """Show one claim, rendered for reading."""
    from rich.markdown import Markdown

    from curator_tui.cards.render import render_markdown

    engine = open_engine(args.db, create=False)
    [(_, card)] = _load(engine, [args.id])
    _stdout().print(Markdown(render_markdown(card)))
    return 0


def _write_text(text: str, handle: Any) -> None:
    handle.write(text)


def _write_atomic(path: Path, chunks: Callable[[Any], None]) -> None:
    """Write an export file all or nothing (see curator_tui.files); errors become one line."""
    from curator_tui.files import write_atomic

    try:
        write_atomic(path, chunks)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror}") from None


def cmd_export(args: argparse.Namespace) -> int:
    """Export claims as Markdown."""
    from curator_tui.db import session_scope
    from curator_tui.filenames import card_filename
    from curator_tui.files import write_into
    from curator_tui.services.rendered import iter_markdown

    if not args.all and not args.ids:
        raise CliError("name one or more claim IDs, or --all")
    if args.all and args.ids:
        raise CliError("give claim IDs or --all, not both")
    if args.output and args.out:
        raise CliError("give -o FILE or --out DIR, not both")
    engine = open_engine(args.db, create=False)
    to_files = bool(args.out or args.output)
    show_progress = args.all and to_files and not args.quiet and sys.stdout.isatty()

    def cards() -> Iterator[tuple[int, str, str]]:
        # (id, statement, Markdown): stored renderings where fresh (services/rendered.py).
        if args.all:
            with session_scope(engine) as session:
                yield from iter_markdown(session)
            return
        with session_scope(engine) as session:
            found = {cid: (cid, st, md) for cid, st, md in iter_markdown(session, list(args.ids))}
        missing = [str(i) for i in args.ids if i not in found]
        if missing:
            raise CliError(f"no claim with id {', '.join(missing)} (see 'curator list')")
        yield from (found[i] for i in args.ids)

    def tracked() -> Iterator[tuple[int, str, str]]:
        if not show_progress:
            yield from cards()
            return
        from rich.progress import Progress

        from curator_tui.services.claims import count_claims

        with session_scope(engine) as session:
            total = count_claims(session)
        with Progress(console=_stderr(), transient=True) as progress:
            task = progress.add_task("Exporting", total=total)
            for item in cards():
                yield item
                progress.advance(task)

    if args.out:
        out_dir = Path(args.out)
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CliError(f"cannot create {out_dir}: {exc.strerror}") from None
        count = 0
        folder = str(out_dir)
        for claim_id, statement, text in tracked():
            name = card_filename(claim_id, statement)
            try:
                write_into(folder, name, text.encode("utf-8"))
            except OSError as exc:
                raise CliError(f"cannot write {out_dir / name}: {exc.strerror}") from None
            count += 1
        if not args.quiet:
            _stderr().print(f"exported {count} claim(s) to {out_dir}", markup=False)
        return 0

    def write_all(handle: Any) -> None:
        # One Markdown stream: each card starts at its "# " heading, a blank line between.
        for index, (_, _, text) in enumerate(tracked()):
            if index:
                handle.write("\n")
            handle.write(text)

    if args.output:
        _write_atomic(Path(args.output), write_all)
    else:
        # Bytes, not the console: the export must be exactly the same on any terminal.
        stream = open(sys.stdout.fileno(), "w", encoding="utf-8", newline="\n", closefd=False)  # noqa: SIM115
        with stream:
            write_all(stream)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """Write a consistent copy of the library, even while it is in use."""
    from curator_tui.migrate import backup_sqlite

    engine = open_engine(args.db, create=False)
    if engine.dialect.name != "sqlite" or not engine.url.database:
        raise CliError("backup copies SQLite libraries; use your database server's own backup")
    source = Path(engine.url.database)
    target = Path(args.path)
    if target.is_dir():
        target = target / source.name
    if target.exists() and not args.force:
        raise CliError(f"{target} exists (use --force to overwrite it)")
    if target.resolve() == source.resolve():
        raise CliError("the backup cannot be the library itself")
    # Into a temporary beside the target, then renamed: a failed backup leaves nothing behind.
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        backup_sqlite(source, Path(tmp))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _stderr().print(f"backed up {source} to {target}", markup=False)
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

        with Progress(console=_stderr(), transient=True) as bar:
            task = bar.add_task("Generating", total=args.claims)
            added = populate(
                engine,
                args.claims,
                args.seed,
                progress=lambda done, _: bar.update(task, completed=done),
            )
    if not args.quiet:
        _stderr().print(f"added {added:,} generated claim(s)", markup=False)
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    """Open the app."""
    engine = open_engine(args.db, create=True)
    from curator_tui.ui.app import run_app

    run_app(engine)
    return 0


# --- parser -----------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"curator: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The command line: global --db, then a subcommand (none opens the app)."""
    common = _Parser(add_help=False)
    common.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="library file (default: $CURATOR_DB, else the library in your user data directory)",
    )
    parser = _Parser(
        prog="curator",
        description="Curate scientific claim cards. With no command, opens the app.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"curator-tui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser(
        "import",
        parents=[common],
        help="import card files (.txt, .md) and study records (.json)",
        description="Import card files and directories. Each file is all or nothing; the rest of the batch goes on.",
    )
    p.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="card files, study-record .json files or directories",
    )
    p.add_argument(
        "--replace",
        action="store_true",
        help="update a claim already in the library instead of skipping it",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser(
        "list",
        parents=[common],
        help="list the claims",
        description="List the claims in the library.",
    )
    p.add_argument("--json", action="store_true", help="print a JSON array for scripts")
    p.add_argument(
        "--search", metavar="TEXT", help="only claims whose statement or synthesis has every word"
    )
    p.add_argument(
        "--sort", choices=["id", "updated", "statement"], default="id", help="order (default: id)"
    )
    p.add_argument("--limit", type=int, metavar="N", help="at most N claims")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser(
        "show", parents=[common], help="show one claim", description="Show one claim, rendered."
    )
    p.add_argument("id", type=int, metavar="ID", help="claim id (see 'curator list')")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser(
        "export",
        parents=[common],
        help="export claims as Markdown",
        description="Export claims as Markdown: to stdout, to one file (-o) or one file per claim (--out).",
    )
    p.add_argument("ids", nargs="*", type=int, metavar="ID", help="claim ids")
    p.add_argument("--all", action="store_true", help="every claim, in id order")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument("--out", metavar="DIR", help="write one file per claim into DIR")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    p.set_defaults(func=cmd_export)

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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``curator`` console script."""
    args = build_parser().parse_args(argv)
    if not hasattr(args, "db"):
        args.db = None
    func: Callable[[argparse.Namespace], int] = getattr(args, "func", cmd_app)
    try:
        return func(args)
    except CliError as exc:
        _stderr().print(f"curator: error: {exc}", markup=False)
    except KeyboardInterrupt:
        _stderr().print("curator: interrupted", markup=False)
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: not an error of ours.
        sys.stderr.close()
        return 0
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        _stderr().print(f"curator: error:{where}: {exc.strerror or exc}", markup=False)
    except Exception as exc:  # a last resort: one line, never a traceback
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError):
            from curator_tui.db import describe_db_error

            _stderr().print(f"curator: error: {describe_db_error(exc)}", markup=False)
        else:
            _stderr().print(f"curator: error: {type(exc).__name__}: {exc}", markup=False)
    return 1


if __name__ == "__main__":
    sys.exit(main())
