"""Save an SVG screenshot of the app on the sample library (for the README): docs/screenshot.svg."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from curator_tui.config import Config
from curator_tui.db import open_library
from curator_tui.services.sample import seed
from curator_tui.ui.app import CuratorApp


async def main(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_library(Path(tmp) / "library.db")
        seed(engine)
        app = CuratorApp(engine, Config(), library_name="sample library")
        async with app.run_test(size=(120, 36)) as pilot:
            for _ in range(4):
                await app.workers.wait_for_complete()
                await pilot.pause()
            await pilot.press("2")
            await pilot.pause()
            app.save_screenshot(filename=out.name, path=str(out.parent))


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot.svg")
    target.parent.mkdir(parents=True, exist_ok=True)
    asyncio.run(main(target.resolve()))
    print(target)
