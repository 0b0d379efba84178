"""``python -m curator_tui.cli``: the ``curator`` command (the tests spawn it this way)."""

from __future__ import annotations

import sys

from curator_tui.launcher import main

sys.exit(main())
