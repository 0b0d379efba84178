"""Pilot test: the PostgreSQL server stops in the middle of a session, then comes back.

The app says so once, keeps the curator's unsaved text, and works again once the server
is back, without a restart (issue 11, "Roles and faults"). The test runs its own server
(``pg_ctl stop -m fast`` would cut every other test's connections too).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from curator_tui.db import open_library, session_scope
from curator_tui.services.cards import load_claim
from curator_tui.services.sample import seed
from pg_server import PgServer, _server_user, find_bin_dir

from .conftest import settle, type_at_end_of_statement, wait_until

pytestmark = pytest.mark.postgresql


class OwnServer:
    """A server of this test's own, which it may stop and start again."""

    def __init__(self) -> None:
        self.server = PgServer.start()
        if self.server.folder is None:
            self.server.stop()
            pytest.skip("a server given by URL cannot be stopped by the test")
        self.bin = find_bin_dir()
        assert self.bin is not None
        self.user = _server_user()

    def ctl(self, *argv: str) -> None:
        assert self.server.folder is not None
        data = self.server.folder / "data"
        command = [str(self.bin / "pg_ctl"), "-D", str(data), *argv]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def stop_fast(self) -> None:
        self.ctl("-m", "fast", "-w", "stop")

    def start_again(self) -> None:
        assert self.server.folder is not None
        self.ctl("-l", str(Path(self.server.folder) / "server.log"), "-w", "start")


@pytest.fixture
def own_server(pg_server: PgServer) -> Iterator[OwnServer]:
    # pg_server first: without PostgreSQL this skips, and in CI it fails, as every
    # PostgreSQL test does.
    own = OwnServer()
    yield own
    own.server.stop()


def notices(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(n.message) for n in app._notifications]


async def test_a_server_restart_loses_nothing(own_server: OwnServer, make_app) -> None:  # type: ignore[no-untyped-def]
    library: Engine = open_library(own_server.server.url(own_server.server.new_database()))
    assert all(r.ok for r in seed(library))
    app = make_app(library)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        shown = app.screen.detail
        editor = await type_at_end_of_statement(pilot, " MINE")
        mine = shown.statement + " MINE"

        own_server.stop_fast()
        await wait_until(
            pilot, lambda: any("cannot be reached" in n for n in notices(app)), "told it is down"
        )
        await pilot.press("ctrl+s")  # refused: the server is down
        await settle(pilot)
        assert editor.values[0] == mine and editor.dirty

        own_server.start_again()
        await wait_until(
            pilot, lambda: any("reached again" in n for n in notices(app)), "told it is back"
        )
        assert editor.values[0] == mine
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not editor.dirty, "the text saved")
    with session_scope(library) as session:
        assert load_claim(session, shown.id).statement == mine
    library.dispose()
