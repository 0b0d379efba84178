"""Helper of bench.py: run the app headless on a library and report timings as JSON.

    python bench/app_probe.py start  LIBRARY SPAWN_TIME
    python bench/app_probe.py filter LIBRARY SPAWN_TIME [KEYSTROKES]
    python bench/app_probe.py save   LIBRARY SPAWN_TIME [SAVES]

``SPAWN_TIME`` is ``time.time()`` in the parent just before it started this process, so
``first_paint`` counts interpreter start-up and imports too (what the curator waits for).
"start" reports spawn -> first paint of the claim list (the first line of the list drawn
with a loaded row), then presses ``end`` and waits, so the parent's peak-RSS figure
covers a jump to the far end of the list. "filter" opens the filter with ``/`` and types
words letter by letter (then erases them), timing each keystroke until the list shows
the new filter: the list was reset, its total equals the count for the new text, and
the cursor's page of rows is loaded (and, separately, until the cursor's row says where it
matched: the hints come after the list). "save" edits the first
step of the first claim ``SAVES`` times (``2``, ``e``, a letter typed or erased at the
end of the step's text, then ``ctrl+s``), timing each ``ctrl+s`` until the list shows the
saved claim again: the dialog is gone, the list was reset and the cursor's row is loaded.
It uses only keys and widgets that the app had before the edit commands and the history
(``bench/save_cost.py`` runs it on both trees).

Keys are posted to the app's driver exactly as ``Pilot.press`` does, but without
``Pilot.press``'s idle waits (at least 2 x 20 ms per key); the keystroke is timed by
polling every 0.5 ms. Numbers printed are seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
from typing import Any

MODE, LIBRARY, SPAWN = sys.argv[1], sys.argv[2], float(sys.argv[3])
KEYSTROKES = int(sys.argv[4]) if len(sys.argv) > 4 else 50
WORDS = ["creatine", "sleep", "older", "insulin", "placebo", "training", "vitamin", "muscle"]

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from textual import events  # noqa: E402
from textual.worker import WorkerCancelled  # noqa: E402

from curator_tui.config import Config  # noqa: E402
from curator_tui.db import open_library, session_scope  # noqa: E402
from curator_tui.ui.app import CuratorApp  # noqa: E402
from curator_tui.ui.widgets.claim_list import ClaimList  # noqa: E402

imported = time.time()
first_paint: list[float] = []
_render_line = ClaimList.render_line


def _recording_render_line(self: ClaimList, y: int) -> Any:
    strip = _render_line(self, y)
    if not first_paint and self.loaded_rows:
        first_paint.append(time.time())
    return strip


ClaimList.render_line = _recording_render_line  # type: ignore[method-assign]


def keystrokes(count: int) -> list[str]:
    """Each word typed then erased, letter by letter: ``count`` keys in all."""
    keys: list[str] = []
    while len(keys) < count:
        for word in WORDS:
            keys.extend(word)
            keys.extend(["backspace"] * len(word))
    return keys[:count]


def texts_after(keys: list[str]) -> list[str]:
    """The filter's text after each key."""
    value, out = "", []
    for key in keys:
        value = value[:-1] if key == "backspace" else value + key
        out.append(value)
    return out


async def until(condition: Any, timeout: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the app did not get there in time")
        await asyncio.sleep(0.0005)


async def workers_done(app: CuratorApp) -> None:
    """Wait for the app's workers (a cancelled exclusive worker is done too)."""
    with contextlib.suppress(WorkerCancelled):
        await app.workers.wait_for_complete()


async def settle(app: CuratorApp, pilot: Any) -> None:
    for _ in range(3):
        await workers_done(app)
        await pilot.pause()


def waiting_on_typing(app: CuratorApp) -> bool:
    """Is the screen's work that waits for the filter's typing to pause still to come?"""
    waiting = getattr(app.screen, "waiting_on_typing", None)
    return bool(waiting and waiting())


def press(app: CuratorApp, key: str) -> None:
    """Post a key event to the app, as Pilot.press does (minus its idle waits)."""
    assert app._driver is not None
    char = key if len(key) == 1 else None  # "backspace", "ctrl+s": no character
    event = events.Key(key, char)
    event.set_sender(app)
    app._driver.send_message(event)


async def main() -> dict[str, Any]:
    engine = open_library(LIBRARY, create=False)
    opened = time.time()
    app = CuratorApp(engine, Config())
    result: dict[str, Any] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: bool(first_paint))
        result.update(
            first_paint=first_paint[0] - SPAWN,
            imported=imported - SPAWN,
            opened=opened - SPAWN,
        )
        claims = app.screen.query_one(ClaimList)
        result["total"] = claims.total
        if MODE == "start":
            await pilot.press("end")
            await settle(app, pilot)
            result["loaded_rows_after_end"] = claims.loaded_rows
            result["cursor_after_end"] = claims.cursor
        elif MODE == "filter":
            from curator_tui.services.claims import count_claims

            keys = keystrokes(KEYSTROKES)
            texts = texts_after(keys)
            with session_scope(engine) as session:
                expected = [count_claims(session, text.strip()) for text in texts]
            await settle(app, pilot)
            await pilot.press("slash")
            await settle(app, pilot)
            latencies: list[float] = []
            hinted: list[float] = []
            for key, total, text in zip(keys, expected, texts, strict=True):
                generation = claims.generation
                started = time.perf_counter()
                press(app, key)
                await until(
                    lambda g=generation, t=total: (
                        claims.generation > g
                        and claims.total == t
                        and (t == 0 or claims.current is not None)
                    )
                )
                latencies.append(time.perf_counter() - started)
                # Where each row matched comes after the list (a worker of its own): how
                # long after the key the cursor's row has it, when a filter is typed.
                if text.strip() and total:
                    await until(
                        lambda: claims.current is not None and claims.current.found_in is not None
                    )
                    hinted.append(time.perf_counter() - started)
                # Typing pace: the app finishes what the key started (the claim under the
                # cursor loads into the panes) before the next key. Some of it waits for
                # the typing to pause (the claim's load, the page's check, the hints):
                # without waiting for those timers every next key landed on the work they
                # start, which only a typist at 3-4 keys a second meets, and not always.
                await settle(app, pilot)
                await until(lambda: not waiting_on_typing(app))
                await settle(app, pilot)
            result["keys"] = keys
            result["totals"] = expected
            result["latencies"] = latencies
            result["hint_latencies"] = hinted
        elif MODE == "save":
            await settle(app, pilot)
            await pilot.press("2")
            await settle(app, pilot)
            latencies = []
            for turn in range(KEYSTROKES):
                await pilot.press("e")
                await settle(app, pilot)
                await pilot.press("end", "backspace" if turn % 2 else "x")
                await settle(app, pilot)
                dialog = app.screen
                # (the tree before the history has no public ``generation``)
                generation = claims._generation
                started = time.perf_counter()
                press(app, "ctrl+s")
                await until(
                    lambda g=generation, d=dialog: (
                        app.screen is not d
                        and claims._generation > g
                        and claims.current is not None
                    )
                )
                latencies.append(time.perf_counter() - started)
                await settle(app, pilot)
            result["latencies"] = latencies
        else:
            raise SystemExit(f"unknown mode {MODE!r}")
    return result


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
