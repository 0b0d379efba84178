"""The curation check in the app (issue 13): thread workers that report ``ProblemsChecked``.

The main screen owns one ``ProblemChecker``. It checks the claim on screen each time it is
shown (so after every edit), the claims of each page the list loads (for the list's error
marks), and the whole library on request. Each check first brings the duplicate index up
to date (services/curation_check.py) in its own short transaction, then reads; it runs in
a thread worker, never on the loop that handles keys. ``target_key`` says which pane and
which row a problem's part is, for the jump.
"""

from __future__ import annotations

from collections import deque
from functools import partial
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from textual.screen import Screen
from textual.timer import Timer

from curator_tui.cards.problems import Problem, Severity
from curator_tui.db import is_busy, is_read_only, session_scope
from curator_tui.services import curation_check
from curator_tui.services.cards import ClaimDetail
from curator_tui.ui.messages import ProblemsChecked

# A library check lists this many problems at most (errors first); `curator check` lists all.
LIBRARY_SHOWN = 500
# A claim's or a page's check stores at most about this many queued claims' keys first, so
# it stays short after a big import (the library check, or `curator check`, stores all).
INDEX_BUDGET = 1000
# The list's pages are checked once it has stood still this long (seconds): every keystroke
# of the filter shows a new page, and checking each one (and keying queued claims) ran on
# the same cores as the typing. The pages shown meanwhile are checked together.
PAGE_CHECK_DELAY = 0.3


class ProblemChecker:
    """Runs checks in thread workers of ``screen``; each reports ``ProblemsChecked``."""

    def __init__(self, screen: Screen[Any], engine: Engine) -> None:
        self.screen = screen
        self.engine = engine
        self._writable: bool | None = None
        self._pages: deque[tuple[int, ...]] = deque(maxlen=4)
        self._page_timer: Timer | None = None

    def check_claim(self, claim_id: int) -> None:
        """Check the claim on screen (a newer request replaces a waiting one)."""
        self._start(partial(self._check, (claim_id,)), "check-claim", exclusive=True)

    def check_claims(self, claim_ids: tuple[int, ...]) -> None:
        """Check a page of the list's claims, for their marks, once the list stands still."""
        self._pages.append(claim_ids)
        if self._page_timer is not None:
            self._page_timer.stop()
        self._page_timer = self.screen.set_timer(PAGE_CHECK_DELAY, self._check_pages)

    def page_check_waiting(self) -> bool:
        """Is a page check waiting for the list to stand still?"""
        return self._page_timer is not None

    def _check_pages(self) -> None:
        self._page_timer = None
        claim_ids = tuple(dict.fromkeys(i for page in self._pages for i in page))
        self._pages.clear()
        if claim_ids:
            self._start(partial(self._check, claim_ids), "check-page", exclusive=False)

    def check_library(self) -> None:
        """Check every claim of the library."""
        self._start(self._check_library, "check-library", exclusive=True)

    def _start(self, work: Any, group: str, *, exclusive: bool) -> None:
        self.screen.run_worker(
            work, thread=True, group=group, exclusive=exclusive, exit_on_error=False
        )

    def _prepare(self, budget: int | None) -> None:
        if self._writable is None:
            self._writable = not is_read_only(self.engine)
        try:
            with session_scope(self.engine) as session:
                curation_check.prepare(session, writable=self._writable, budget=budget)
        except OperationalError as exc:
            # The app's keying is a chore done between other work: when another writer
            # (an import, a long first store of words, `curator check`) holds a SQLite
            # library past the busy timeout, skip it; a later check keys the queue. A
            # library check (no budget) must have the whole index: it reports the error.
            if budget is None or not is_busy(exc):
                raise

    def _check(self, claim_ids: tuple[int, ...]) -> None:
        # The check first: a checked claim's duplicates are looked up by its statement as
        # it is now, whatever its stored keys; the index catches up after (for the others).
        with session_scope(self.engine) as session:
            problems = curation_check.check_claims(session, claim_ids)
        self.screen.post_message(ProblemsChecked(claim_ids, problems))
        self._prepare(INDEX_BUDGET)

    def _check_library(self) -> None:
        self._prepare(None)
        errors: list[Problem] = []
        warnings: list[Problem] = []
        with_errors: set[int] = set()
        total = 0
        results: list[dict[str, Any]] = []
        with session_scope(self.engine) as session:
            for problem in curation_check.check_library(session, results=results):
                total += 1
                error = problem.severity is Severity.ERROR
                if error:
                    with_errors.add(problem.claim)
                kept = errors if error else warnings
                if len(kept) < LIBRARY_SHOWN:
                    kept.append(problem)
        if self._writable and results:
            with session_scope(self.engine) as session:
                curation_check.store_results(session, results)
        shown = (errors + warnings)[:LIBRARY_SHOWN]
        self.screen.post_message(
            ProblemsChecked((), shown, library=True, total=total, errors=frozenset(with_errors))
        )


def error_claims(problems: list[Problem]) -> set[int]:
    """The claims with at least one error among ``problems``."""
    return {p.claim for p in problems if p.severity is Severity.ERROR}


def target_key(detail: ClaimDetail, problem: Problem) -> tuple[str, str, str | None]:
    """(tab, widget selector, option key) of the part a problem names in ``detail``."""
    target = problem.target
    if target.part in ("statement", "synthesis"):
        return "claim", f"#{target.part}", None
    if target.part in ("mechanism", "step"):
        mechanism = next((m for m in detail.mechanisms if m.rank == target.mechanism), None)
        if mechanism is None:
            return "mechanisms", "#mechanism-editor", None
        if (
            target.part == "step"
            and target.index is not None
            and target.index < len(mechanism.steps)
        ):
            return "mechanisms", "#mechanism-editor", f"step:{mechanism.steps[target.index].id}"
        return "mechanisms", "#mechanism-editor", f"mechanism:{mechanism.id}"
    if target.part == "study" and target.index is not None and target.index < len(detail.evidence):
        link = detail.evidence[target.index]
        return "evidence", f"#{link.study.stance}", f"evidence:{link.id}"
    if target.part == "study":
        return "evidence", "#supporting", None
    return "gold", "#gold-list", None
