"""Unsaved text as plain data, and the drafts file it is kept in when nobody can answer.

A draft is what the curator typed and has not saved: the claim pane's statement and
synthesis, or a dialog's fields together with where that dialog came from (its origin),
so that the next start can put the text back. The file is written only when the app must
end without asking (the terminal hung up) and removed once restored or discarded.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from sqlalchemy.engine import Engine

FORMAT = 1


@dataclass(frozen=True)
class Origin:
    """Which action opened a dialog, with what it needs to open it again.

    ``action`` is one of the main screen's dialog openers (``add_step``, ``edit_study``…);
    ``args`` holds plain values (ids, positions), never live objects.
    """

    action: str
    claim_id: int | None = None
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Draft:
    """Unsaved text and where it belongs.

    ``where`` is ``claim`` (the claim pane of ``claim_id``, loaded at ``version``) or
    ``dialog`` (titled ``title``, reopened from ``origin``). ``fields`` maps each text
    field to its text; ``changed`` names the fields the curator changed.
    """

    where: str
    title: str
    fields: dict[str, str]
    claim_id: int | None = None
    version: int | None = None
    origin: Origin | None = None
    changed: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """A few words for a question: what this text is, and how it ends now."""
        names = self.changed or list(self.fields)
        text = " ".join(self.fields.get(names[0], "").split()) if names else ""
        preview = f"…{text[-50:]}" if len(text) > 50 else text
        if self.where == "claim":
            what = " and ".join(names) or "text"
            return f"the {what} of claim {self.claim_id}: “{preview}”"
        return f"“{self.title}”: “{preview}”"


@runtime_checkable
class HoldsText(Protocol):
    """A screen that may hold unsaved text (the main screen, the editing dialogs)."""

    def unsaved_draft(self) -> Draft | None:
        """The unsaved text, or None when everything is saved."""
        ...

    def save_unsaved(self) -> bool:
        """Save it as ctrl+s would; False when it will not do (the text stays)."""
        ...


def drafts_path_for(engine: Engine) -> Path:
    """Where a library's drafts are kept: beside a SQLite library file, else in the user data dir."""
    url = engine.url
    database = url.database or ""
    if url.get_backend_name() == "sqlite" and database and database != ":memory:":
        library = Path(database)
        return library.with_name(f"{library.name}.drafts.json")
    from platformdirs import user_data_path

    from curator_tui.db import APP_NAME

    key = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    return user_data_path(APP_NAME, appauthor=False) / "drafts" / f"{key}.json"


def write_drafts(path: Path, drafts: list[Draft]) -> None:
    """Write the drafts atomically (a temporary beside the file, flushed, then renamed)."""
    payload = {
        "format": FORMAT,
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "drafts": [asdict(d) for d in drafts],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, ensure_ascii=False, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_drafts(path: Path) -> list[Draft]:
    """The drafts in ``path`` (none if there is no file). Raises ValueError for a bad file."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: {exc}") from exc
    try:
        drafts = []
        for item in payload["drafts"]:
            origin = item.get("origin")
            drafts.append(
                Draft(
                    where=str(item["where"]),
                    title=str(item["title"]),
                    fields={str(k): str(v) for k, v in item["fields"].items()},
                    claim_id=item.get("claim_id"),
                    version=item.get("version"),
                    origin=Origin(origin["action"], origin.get("claim_id"), origin.get("args", {}))
                    if origin
                    else None,
                    changed=[str(name) for name in item.get("changed", [])],
                )
            )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path}: not a drafts file ({exc})") from exc
    return drafts


def remove_drafts(path: Path) -> None:
    """Forget the drafts (restored or discarded)."""
    path.unlink(missing_ok=True)
