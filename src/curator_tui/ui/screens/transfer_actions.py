"""Markdown out, cards in: copy and export the claim, import card files."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.widgets import ProgressBar

from curator_tui.cards.render import render_markdown
from curator_tui.filenames import card_filename
from curator_tui.files import write_atomic
from curator_tui.services.cards import ClaimDetail
from curator_tui.ui.clipboard import copy_text
from curator_tui.ui.drafts import Origin
from curator_tui.ui.messages import Imported, ImportResult
from curator_tui.ui.screens.dialogs import ConfirmDialog, PromptDialog
from curator_tui.ui.screens.library import LibraryScreen

if TYPE_CHECKING:
    from curator_tui.services.importing import FileResult


# Lines of a study-record file's differences and broken entries put in its notice.
NOTICE_LINES = 3


def import_result(results: Sequence[FileResult]) -> ImportResult:
    """What an import did, for the notices: the total, failures, each study file's counts."""
    failed = [r.message for r in results if not r.ok]
    claims = [i for r in results if r.status in ("imported", "replaced") for i in r.claim_ids]
    duplicates = sum(r.status == "duplicate" for r in results)
    studies: list[str] = []
    broken = False
    for r in results:
        if r.status != "studies":
            continue
        name = Path(r.path).name
        lines = [f"{name}: {r.message}"]
        # file:line kept, the folder left out: a notice has little room (80 columns).
        details = [line.replace(r.path, name, 1) for line in (*r.errors, *r.warnings)]
        lines += details[:NOTICE_LINES]
        if len(details) > NOTICE_LINES:
            lines.append(f"… and {len(details) - NOTICE_LINES} more (curator import says all)")
        studies.append("\n".join(lines))
        broken = broken or bool(r.errors)
    if studies and not claims:
        summary = f"Imported study records from {len(studies)} of {len(results)} file(s)"
    else:
        summary = f"Imported {len(claims)} claim(s) from {len(results)} file(s)"
        if studies:
            summary += f"; study records from {len(studies)} of them"
    if duplicates:
        summary += f"; {duplicates} already in the library"
    if failed:
        summary += f"; {len(failed)} failed"
    # A reference file's broken entries leave its good ones imported, but the import is not
    # clean (the CLI exits 1): the summary says so, not only the file's notice.
    broken_entries = sum(len(r.errors) for r in results if r.status == "studies")
    if broken_entries:
        summary += f"; {broken_entries} broken entr{'y' if broken_entries == 1 else 'ies'}"
    return ImportResult(
        summary + ".", failed, claims[0] if claims else None, studies, studies_failed=broken
    )


class TransferActions(LibraryScreen):
    """Copy and export the current claim's Markdown; import card files with a progress bar."""

    def markdown(self) -> str | None:
        """The current claim's export, exactly as `curator export` writes it."""
        return render_markdown(self.detail.to_card()) if self.detail else None

    def action_copy(self) -> None:
        if (text := self.markdown()) is None or self.detail is None:
            self.need_claim()
            return
        copy_text(self.app, text, f"claim {self.detail.id} as Markdown")

    def action_export(self) -> None:
        if (detail := self.need_claim()) is None:
            return
        self.open_export(detail)

    def open_export(self, detail: ClaimDetail, draft: dict[str, str] | None = None) -> None:
        """Ask where to export the claim's Markdown (and before replacing a file)."""
        default = str(Path.cwd() / card_filename(detail.id, detail.statement))
        text = render_markdown(detail.to_card())

        def chosen(typed: str) -> None:
            if not typed:
                return
            path = Path(typed).expanduser()
            if path.is_dir():
                path = path / card_filename(detail.id, detail.statement)
            if not path.is_file():
                self._export_to(path, text)
                return

            def decided(overwrite: bool | None) -> None:
                if overwrite:
                    self._export_to(path, text)
                else:
                    self.notify(f"Not exported; {path} is unchanged.", markup=False)

            self.app.push_screen(
                ConfirmDialog(
                    f"{path} already exists. Replace it with this claim's Markdown?",
                    yes="Overwrite",
                    no="Cancel",
                ),
                decided,
            )

        self.app.push_screen(
            PromptDialog(
                "Export this claim's Markdown to",
                default,
                on_save=chosen,
                draft=draft,
                origin=Origin("export", detail.id),
            )
        )

    @work(thread=True, group="io", exit_on_error=False)
    def _export_to(self, path: Path, text: str) -> None:
        try:
            write_atomic(path, lambda handle: handle.write(text))
        except OSError as exc:
            self.app.call_from_thread(
                self.notify, f"Cannot write {path}: {exc.strerror}", severity="error", markup=False
            )
            return
        self.app.call_from_thread(self.notify, f"Exported to {path}", markup=False)

    def action_import(self) -> None:
        self.open_import()

    def open_import(self, draft: dict[str, str] | None = None) -> None:
        """Ask for card or reference files (a file or a folder) to import."""

        def chosen(path: str) -> None:
            if path:
                self._import(path)

        self.app.push_screen(
            PromptDialog(
                "Import from (a file or a folder): cards .txt .md; studies .bib .ris .nbib"
                " .medline .json; retractions .csv",
                str(Path.cwd()) + "/",
                on_save=chosen,
                draft=draft,
                origin=Origin("import"),
            )
        )

    @work(thread=True, group="io", exit_on_error=False)
    def _import(self, path: str) -> None:
        # Imported here: the parser (and markdown-it) would add ~30 ms to every start-up.
        from curator_tui.services.importing import Importer, collect

        files = collect([Path(path).expanduser()])
        self.app.call_from_thread(
            self._progress_start, f"Importing {len(files)} file(s)", len(files)
        )
        done, shown = 0, time.monotonic()

        def advanced(_: object) -> None:
            # A blocking hop to the UI thread per file made 10,000 files take twice as
            # long: the bar moves ten times a second instead.
            nonlocal done, shown
            done += 1
            if time.monotonic() - shown >= 0.1:
                shown = time.monotonic()
                self.app.call_from_thread(self._progress_to, done)

        importer = Importer(self.engine, on_result=advanced)
        try:
            # No worker process in the app: the terminal is Textual's (a child would share
            # it, and multiprocessing cannot even start with Textual's stderr in place).
            importer.add_all(files, read_ahead=False)
            importer.flush()
        finally:
            self.app.call_from_thread(self._progress_done)
        self.post_message(Imported(import_result(importer.results)))

    @on(Imported)
    def imported(self, message: Imported) -> None:
        """Say what an import did: failures, each study-record file's counts, the total."""
        result = message.result
        for failure in result.failed[:5]:
            self.notify(failure, severity="error", timeout=15, markup=False)
        for notice in result.studies[:5]:
            self.notify(
                notice,
                severity="warning" if result.studies_failed else "information",
                timeout=15,
                markup=False,
            )
        failed = bool(result.failed) or result.studies_failed
        self.notify(result.summary, severity="error" if failed else "information", markup=False)
        self.reload_list(result.first_claim)
        if result.studies and self.detail is not None:
            # Records filled, studies marked retracted: the claim shown may cite them.
            self.load_detail(self.detail.id)

    def _progress_start(self, label: str, total: int) -> None:
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=max(total, 1), progress=0)
        bar.border_title = label
        bar.display = True

    def _progress_to(self, done: int) -> None:
        self.query_one("#progress", ProgressBar).update(progress=done)

    def _progress_done(self) -> None:
        self.query_one("#progress", ProgressBar).display = False
