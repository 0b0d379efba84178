"""User configuration: a TOML file in the platform's config directory.

It holds the author the history records, key remapping, and where and as whom to ask
Crossref for study records (``crossref_url``, ``mailto``).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

CONFIG_ENV = "CURATOR_CONFIG"
AUTHOR_ENV = "CURATOR_AUTHOR"

_URL = re.compile(r"^https?://[^\s/?#]+(?:/[^\s?#]*)?$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")


class ConfigError(ValueError):
    """The config file is unreadable or malformed: the message names the file."""


@dataclass(frozen=True)
class Config:
    """Settings read from ``config.toml``. ``keys`` maps binding ids to keys."""

    keys: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    author: str | None = None
    """Who the history records as making this user's changes."""
    crossref_url: str | None = None
    """The base URL standing for https://api.crossref.org (a mirror, or a test server)."""
    mailto: str | None = None
    """An e-mail address sent with Crossref lookups, as its polite pool asks."""


def resolve_author(config: Config, environ: Mapping[str, str] | None = None) -> str:
    """``author`` from config.toml, then ``$CURATOR_AUTHOR``, then the login name."""
    env = os.environ if environ is None else environ
    if config.author:
        return config.author
    if chosen := env.get(AUTHOR_ENV, "").strip():
        return chosen
    from curator_tui.authors import login_name

    return login_name()


def config_path() -> Path:
    """``$CURATOR_CONFIG``, else ``config.toml`` in the user config directory."""
    if chosen := os.environ.get(CONFIG_ENV):
        return Path(chosen).expanduser()
    from platformdirs import user_config_path

    return user_config_path("curator-tui", appauthor=False) / "config.toml"


def load_config(path: Path | None = None) -> Config:
    """Read the config; a missing file is the default config.

    Example ``config.toml``::

        author = "Ada Lovelace"
        mailto = "ada@example.org"              # sent to Crossref (its polite pool)
        crossref_url = "https://api.crossref.org"  # the default

        [keys]
        "claims.new" = "ctrl+n"
        "claim.copy" = "y"
    """
    path = path or config_path()
    if not path.exists():
        return Config(path=path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    keys = data.get("keys", {})
    if not isinstance(keys, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in keys.items()
    ):
        raise ConfigError(f'{path}: [keys] must map binding ids to keys, e.g. "claim.copy" = "y"')
    author = data.get("author")
    if author is not None and (not isinstance(author, str) or not author.strip()):
        raise ConfigError(f'{path}: author must be a name in quotes, e.g. author = "Ada Lovelace"')
    crossref_url = data.get("crossref_url")
    if crossref_url is not None and (
        not isinstance(crossref_url, str) or not _URL.match(crossref_url.strip())
    ):
        raise ConfigError(
            f'{path}: crossref_url must be an http(s) URL in quotes, e.g. crossref_url = "https://api.crossref.org"'
        )
    mailto = data.get("mailto")
    if mailto is not None and (not isinstance(mailto, str) or not _EMAIL.match(mailto.strip())):
        raise ConfigError(
            f'{path}: mailto must be an e-mail address in quotes, e.g. mailto = "ada@example.org"'
        )
    return Config(
        keys=dict(keys),
        path=path,
        author=author.strip() if author else None,
        crossref_url=crossref_url.strip().rstrip("/") if crossref_url else None,
        mailto=mailto.strip() if mailto else None,
    )
