"""Who a change is recorded as: the author travels with the engine.

Apart from services/history.py, which records it: every command names its author when it
opens a library, and history's own imports (difflib, the deltas) are not needed for that.
"""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

AUTHOR_OPTION = "curator_author"


def with_author(engine: Engine, author: str) -> Engine:
    """The same library, recording ``author`` for every change made through it."""
    return engine.execution_options(**{AUTHOR_OPTION: author})


def login_name() -> str:
    """The user's login name, or "unknown" where the system has none."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def author_of(session: Session) -> str:
    """Who the changes of this session are recorded as."""
    author = session.connection().get_execution_options().get(AUTHOR_OPTION)
    return str(author) if author else login_name()
