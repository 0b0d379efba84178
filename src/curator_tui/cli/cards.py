"""The card commands: ``curator import``, ``export`` and ``show``."""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from curator_tui.cli.common import (
    CliError,
    OutlivingStdout,
    cannot_create,
    cannot_write,
    interrupt_between_writes,
    open_engine,
    stderr_console,
    stdout_console,
)
from curator_tui.cli.pager import output

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def cmd_import(args: argparse.Namespace) -> int:
    """Import card files and directories."""
    from curator_tui.services.importing import CARD_SUFFIXES, FileResult, Importer, collect

    paths = collect(args.paths)
    if args.dry_run and any(
        isinstance(p, Path) and p.suffix.lower() in CARD_SUFFIXES for p in paths
    ):
        raise CliError(
            "--dry-run applies to reference and retraction files"
            " (.bib .ris .nbib .medline .csv, CSL-JSON): leave the card files out"
        )
    engine = open_engine(args.db, create=True)
    err = stderr_console()
    # A reader that goes away (`| head`) must not stop the import halfway with status 0.
    out = OutlivingStdout()
    show_progress = not args.quiet and sys.stdout.isatty() and len(paths) > 1
    progress_bar: Any = None

    def report(result: FileResult) -> None:
        for warning in result.warnings:
            if not args.quiet and result.status != "duplicate":
                err.print(f"warning: {warning}", markup=False, style="yellow")
        for error in result.errors:
            err.print(f"error: {error}", markup=False, style="red")
        if result.status == "failed":
            err.print(f"error: {result.message}", markup=False, style="red")
        elif not args.quiet:
            ids = ", ".join(str(i) for i in result.claim_ids)
            detail = {
                # A claims export may hold none ("claims": []).
                "imported": f"imported as claim {ids}"
                if ids
                else "holds no claims: nothing imported",
                "replaced": f"replaced claim {ids}",
                "duplicate": result.message,
                # A dry run of a reference file imported nothing: its message says so.
                "studies": result.message
                if result.message.startswith("dry run")
                else f"imported {result.message}",
            }[result.status]
            # Plain and flushed: a script (or a crash test) sees each line once it is committed.
            line = f"{result.path}: {detail}"
            if progress_bar is not None:
                progress_bar.console.print(line, markup=False, highlight=False)
            else:
                out.write(line + "\n")
                out.flush()
        if progress_bar is not None:
            progress_bar.advance(progress_task)

    with interrupt_between_writes() as stop:
        importer = Importer(
            engine,
            replace=args.replace,
            on_result=report,
            update=args.update,
            dry_run=args.dry_run,
            stop=stop,
        )
        if show_progress:
            from rich.progress import Progress

            with Progress(console=stdout_console(), transient=True) as progress_bar:
                progress_task = progress_bar.add_task("Importing", total=len(paths))
                importer.add_all(paths)
                importer.flush()
            progress_bar = None
        else:
            importer.add_all(paths)
            importer.flush()
    results = importer.results
    failed = sum(not r.ok or bool(r.errors) for r in results)
    if not args.quiet:
        done = sum(len(r.claim_ids) for r in results if r.status in ("imported", "replaced"))
        out.write(
            f"{len(results)} file(s): {done} claim(s) imported or replaced, {failed} failed\n"
        )
    return 1 if failed else 0


def _exports(engine: Engine, claim_ids: Sequence[int] | None) -> Iterator[tuple[int, str, str]]:
    """(id, statement, Markdown) of these claims in this order, or of all in id order.

    Stored renderings where fresh (services/rendered.py), so ``export --all`` streams.
    """
    from curator_tui.db import session_scope
    from curator_tui.services.rendered import iter_markdown

    if claim_ids is None:
        with session_scope(engine) as session:
            yield from iter_markdown(session)
        return
    with session_scope(engine) as session:
        found = {cid: (cid, st, md) for cid, st, md in iter_markdown(session, list(claim_ids))}
    missing = [str(i) for i in claim_ids if i not in found]
    if missing:
        raise CliError(f"no claim with id {', '.join(missing)} (see 'curator list')")
    yield from (found[i] for i in claim_ids)


def _write_stdout(write: Callable[[Any], None]) -> None:
    # Bytes, not a console: an export must be exactly the same on any terminal.
    stream = open(sys.stdout.fileno(), "w", encoding="utf-8", newline="\n", closefd=False)  # noqa: SIM115
    with stream:
        write(stream)


def cmd_show(args: argparse.Namespace) -> int:
    """Show one claim: rendered and wrapped on a terminal, else its Markdown export."""
    engine = open_engine(args.db, create=False)
    [(_, _, markdown)] = _exports(engine, [args.id])
    sys.stdout.flush()
    if not sys.stdout.isatty():
        _write_stdout(lambda handle: handle.write(markdown))
        return 0
    from rich.console import Console
    from rich.markdown import Markdown

    with output(page=not args.no_pager) as out:
        console = Console(
            file=cast(Any, out),
            width=shutil.get_terminal_size().columns,
            force_terminal=True,
            highlight=False,
            soft_wrap=False,
        )
        # Wrapped at spaces (soft wrapping left paragraphs to the terminal, which broke
        # them mid-word, and cropped list items); only a word longer than a whole line is
        # folded. Links show their address: a DOI is there to be read and copied, and a
        # pager may not pass terminal hyperlinks through.
        console.print(Markdown(markdown, hyperlinks=False))
    return 0


def _write_atomic(path: Path, write: Callable[[Any], None]) -> None:
    """Write an export file all or nothing (see curator_tui.files); errors become one line."""
    from curator_tui.files import write_atomic

    try:
        write_atomic(path, write)
    except OSError as exc:
        raise cannot_write(path, exc) from None


def _export_json(engine: Engine, claim_ids: Sequence[int] | None, output: str | None) -> None:
    """The claims as one JSON document (docs/CLAIMS_JSON.md), streamed for ``--all``."""
    from curator_tui.db import session_scope
    from curator_tui.models import utcnow
    from curator_tui.services.claims_json import iter_claim_objects, write_document

    def write(handle: Any) -> None:
        with session_scope(engine) as session:
            claims = iter_claim_objects(session, claim_ids)
            if claim_ids is not None:
                # In the order given, as the Markdown export does; a few claims, held.
                found = {claim["id"]: claim for claim in claims}
                missing = [str(i) for i in claim_ids if i not in found]
                if missing:
                    raise CliError(f"no claim with id {', '.join(missing)} (see 'curator list')")
                claims = iter([found[i] for i in claim_ids])
            write_document(handle, claims, exported_at=utcnow())

    if output:
        _write_atomic(Path(output), write)
    else:
        _write_stdout(write)


def cmd_export(args: argparse.Namespace) -> int:
    """Export claims as Markdown or as a JSON document."""
    from curator_tui.filenames import card_filename
    from curator_tui.files import write_into

    if not args.all and not args.ids:
        raise CliError("name one or more claim IDs, or --all")
    if args.all and args.ids:
        raise CliError("give claim IDs or --all, not both")
    if args.output and args.out:
        raise CliError("give -o FILE or --out DIR, not both")
    if args.format == "json" and args.out:
        raise CliError("--out writes one Markdown file per claim: give -o FILE for JSON")
    engine = open_engine(args.db, create=False)
    if args.format == "json":
        _export_json(engine, None if args.all else args.ids, args.output)
        return 0
    to_files = bool(args.out or args.output)
    show_progress = args.all and to_files and not args.quiet and sys.stdout.isatty()

    def tracked() -> Iterator[tuple[int, str, str]]:
        cards = _exports(engine, None if args.all else args.ids)
        if not show_progress:
            yield from cards
            return
        from rich.progress import Progress

        from curator_tui.db import session_scope
        from curator_tui.services.claims import count_claims

        with session_scope(engine) as session:
            total = count_claims(session)
        with Progress(console=stderr_console(), transient=True) as progress:
            task = progress.add_task("Exporting", total=total)
            for item in cards:
                yield item
                progress.advance(task)

    if args.out:
        out_dir = Path(args.out)
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise cannot_create(out_dir, exc) from None
        count = 0
        folder = str(out_dir)
        for claim_id, statement, text in tracked():
            name = card_filename(claim_id, statement)
            try:
                write_into(folder, name, text.encode("utf-8"))
            except OSError as exc:
                raise cannot_write(out_dir / name, exc) from None
            count += 1
        if not args.quiet:
            stderr_console().print(f"exported {count} claim(s) to {out_dir}", markup=False)
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
        _write_stdout(write_all)
    return 0


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """``curator import``, ``show`` and ``export``."""
    p = sub.add_parser(
        "import",
        parents=[common],
        help="import card files (.txt, .md), study records (.json, CSL-JSON) and reference"
        " files (.bib .ris .nbib .medline) or retraction data (.csv)",
        description="Import card files and directories. Each file is all or nothing; the rest of the batch goes on.",
    )
    p.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="card files, study-record or CSL-JSON .json files, .bib .ris .nbib .medline"
        " reference files, Retraction Watch .csv files, or directories",
    )
    p.add_argument(
        "--update",
        action="store_true",
        help="reference files: take the file's value where it differs from the library's",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="reference and retraction files: change nothing, say what would change",
    )
    p.add_argument(
        "--replace",
        action="store_true",
        help="update a claim already in the library instead of skipping it",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser(
        "show",
        parents=[common],
        help="show one claim",
        description=(
            "Show one claim, rendered and wrapped to the terminal (through a pager when it is"
            " longer than the screen). Not on a terminal, prints its Markdown export."
        ),
    )
    p.add_argument("id", type=int, metavar="ID", help="claim id (see 'curator list')")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser(
        "export",
        parents=[common],
        help="export claims as Markdown or JSON",
        description=(
            "Export claims as Markdown: to stdout, to one file (-o) or one file per claim"
            " (--out). --format json writes one JSON document with every field"
            " (docs/CLAIMS_JSON.md), which 'curator import' reads back."
        ),
    )
    p.add_argument("ids", nargs="*", type=int, metavar="ID", help="claim ids")
    p.add_argument("--all", action="store_true", help="every claim, in id order")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument("--out", metavar="DIR", help="write one file per claim into DIR")
    p.add_argument(
        "--format",
        choices=("markdown", "json"),
        default="markdown",
        help="markdown (the cards, default) or json (every field, one document)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    p.set_defaults(func=cmd_export)
