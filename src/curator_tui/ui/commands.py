"""Command palette providers: jump to any claim by its text; the curation check."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from curator_tui.cards.text import strip_controls
from curator_tui.db import session_scope
from curator_tui.services.claims import ClaimRow, list_claims

if TYPE_CHECKING:
    from curator_tui.ui.app import CuratorApp


class ClaimJumpProvider(Provider):
    """Claims with every word typed (services/search.py), the statement's matches first."""

    def _rows(self, query: str) -> list[ClaimRow]:
        app: CuratorApp = self.app  # type: ignore[assignment]
        with session_scope(app.engine) as session:
            return list_claims(session, search=query, sort="updated", limit=20)

    async def discover(self) -> Hits:
        for row in await asyncio.to_thread(self._rows, ""):
            yield DiscoveryHit(
                self._label(row), partial(self._jump, row.id), help=f"claim {row.id}"
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        words = " ".join(w for w in query.split() if len(w) > 1)
        for row in await asyncio.to_thread(self._rows, words):
            label = self._label(row)
            score = matcher.match(label.plain)
            # A claim whose statement has the words comes before one found elsewhere.
            least = 0.1 if row.found_in else 0.2
            yield Hit(
                max(score, least), label, partial(self._jump, row.id), help=f"Go to claim {row.id}"
            )

    @staticmethod
    def _label(row: ClaimRow) -> Text:
        statement = strip_controls(row.statement)
        label = Text(f"Claim: {statement[:90]}{'…' if len(statement) > 90 else ''}")
        if row.found_in:
            # Where the words were found, when not in the statement (data, never markup).
            label.append(" · " + strip_controls(row.found_in), style="dim italic")
        return label

    def _jump(self, claim_id: int) -> None:
        app: CuratorApp = self.app  # type: ignore[assignment]
        app.jump_to_claim(claim_id)


class CheckProvider(Provider):
    """The curation check (issue 13): "Check the library" ("Check this claim" is a key, !,
    and so already a command of the palette)."""

    def _commands(self) -> list[tuple[str, str, Callable[[], None]]]:
        app: CuratorApp = self.app  # type: ignore[assignment]
        return [
            (
                "Check the library",
                "Check every claim: the Problems pane lists them, the list marks errors (✗)",
                app.main.action_check_library,
            ),
        ]

    async def discover(self) -> Hits:
        for name, help_text, run in self._commands():
            yield DiscoveryHit(name, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, run in self._commands():
            if (score := matcher.match(name)) > 0:
                yield Hit(score, matcher.highlight(name), run, help=help_text)
