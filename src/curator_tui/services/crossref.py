"""Looking up a DOI on Crossref's REST API (``{base}/works/{doi}``) for a study's record.

``lookup(doi, settings)`` returns the study fields Crossref gives (title, authors,
journal, year, volume, issue, pages) as text a person can read, or raises
``CrossrefError`` with one line saying why not: not found, rate limited, timed out,
offline, or a bad answer. It blocks (the app calls it from a worker thread).

As Crossref asks of its users: a ``mailto`` goes with every request (the polite pool),
a ``429`` is answered by waiting ``Retry-After`` seconds (a bounded number of tries, a
bounded wait), and answers are cached in files under the user cache directory, keyed
by the normalised DOI, so a second lookup of a DOI does not ask again. httpx is imported
only when a request is made.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from curator_tui import __version__
from curator_tui.cards.doi import DOIError, normalize_doi
from curator_tui.cards.text import clean
from curator_tui.references.clean import pages, person, text

if TYPE_CHECKING:
    import httpx

    from curator_tui.config import Config

DEFAULT_URL = "https://api.crossref.org"
URL_ENV = "CURATOR_CROSSREF_URL"
CACHE_ENV = "CURATOR_CROSSREF_CACHE"
"""A folder for the answer cache; empty turns the cache off."""

StudyFields = dict[str, str | int | None]


class CrossrefError(LookupError):
    """A DOI could not be looked up; the message is one line, written for the curator."""


class CrossrefUnreachable(CrossrefError):
    """Crossref did not answer at all (offline, no such host, timed out): the next DOI
    would fare no better."""


@dataclass(frozen=True)
class CrossrefSettings:
    """Where and how to ask Crossref. ``cache_dir`` None: no cache."""

    base_url: str = DEFAULT_URL
    mailto: str | None = None
    timeout: float = 5.0
    cache_dir: Path | None = None
    tries: int = 3
    """Requests per lookup at most, when Crossref answers 429 or a 5xx error."""
    max_wait: float = 10.0
    """The longest ``Retry-After`` waited for; a longer one fails the lookup at once."""
    backoff: float = 1.0
    """The first wait when an answer says nothing of when to try again; doubled each try."""
    cache_days: float = 30.0

    @classmethod
    def from_config(
        cls, config: Config, environ: Mapping[str, str] = os.environ
    ) -> CrossrefSettings:
        """The config's ``crossref_url`` (else ``$CURATOR_CROSSREF_URL``) and ``mailto``."""
        base = config.crossref_url or environ.get(URL_ENV, "").strip() or DEFAULT_URL
        if CACHE_ENV in environ:
            chosen = environ[CACHE_ENV].strip()
            cache_dir = Path(chosen).expanduser() if chosen else None
        else:
            from platformdirs import user_cache_path

            cache_dir = user_cache_path("curator-tui", appauthor=False) / "crossref"
        return cls(base_url=base.rstrip("/"), mailto=config.mailto, cache_dir=cache_dir)


def lookup(doi: str, settings: CrossrefSettings) -> StudyFields:
    """The study fields Crossref gives for ``doi``; raises CrossrefError (one line)."""
    try:
        key = normalize_doi(doi)
    except DOIError as exc:
        raise CrossrefError(str(exc)) from None
    message = _cached(key, settings)
    if message is None:
        message = _fetch(key, settings)
        _store(key, message, settings)
    return study_fields(message)


# ---------------------------------------------------------------------------- the request


def _fetch(doi: str, settings: CrossrefSettings) -> dict[str, Any]:
    import httpx

    url = f"{settings.base_url}/works/{quote(doi, safe='/')}"
    params = {"mailto": settings.mailto} if settings.mailto else None
    agent = f"curator-tui/{__version__} (https://pypi.org/project/curator-tui/"
    agent += f"; mailto:{settings.mailto})" if settings.mailto else ")"
    headers = {"User-Agent": agent, "Accept": "application/json"}
    where = settings.base_url
    wait = settings.backoff
    with httpx.Client(timeout=settings.timeout, headers=headers) as client:
        for attempt in range(1, max(1, settings.tries) + 1):
            try:
                response = client.get(url, params=params)
            except httpx.TimeoutException:
                raise CrossrefUnreachable(
                    f"Crossref at {where} did not answer within {settings.timeout:g} s ({doi})"
                ) from None
            except httpx.TransportError as exc:
                raise CrossrefUnreachable(
                    f"cannot reach Crossref at {where}: {_reason(exc)}"
                ) from None
            last = attempt == max(1, settings.tries)
            if response.status_code == 404:
                raise CrossrefError(f"{doi}: not found on Crossref")
            if response.status_code == 429 or response.status_code >= 500:
                retry_after = _retry_after(response)
                if retry_after is not None and retry_after > settings.max_wait:
                    raise CrossrefError(_refused(response, doi, f"try again in {retry_after:g} s"))
                if last:
                    raise CrossrefError(_refused(response, doi, f"after {attempt} tries"))
                time.sleep(retry_after if retry_after is not None else wait)
                wait *= 2
                continue
            if response.status_code != 200:
                raise CrossrefError(
                    f"Crossref at {where} answered {response.status_code} for {doi}"
                )
            return _message(response, doi, where)
    raise AssertionError("unreachable")  # pragma: no cover


def _refused(response: httpx.Response, doi: str, detail: str) -> str:
    if response.status_code == 429:
        return f"rate limited by Crossref ({doi}): {detail}"
    return f"Crossref answered {response.status_code} for {doi}: {detail}"


def _retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds (Crossref sends seconds; an HTTP date is read too)."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _reason(exc: Exception) -> str:
    """An exception's text on one line (httpx wraps the OS error: its text is enough)."""
    text = clean(str(exc)) or type(exc).__name__
    return text[:200]


def _message(response: httpx.Response, doi: str, where: str) -> dict[str, Any]:
    bad = f"Crossref at {where} gave a bad answer for {doi}"
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        raise CrossrefError(f"{bad}: not JSON") from None
    if not isinstance(body, dict) or body.get("status") != "ok":
        raise CrossrefError(f"{bad}: status is not ok")
    message = body.get("message")
    if body.get("message-type") != "work" or not isinstance(message, dict):
        raise CrossrefError(f"{bad}: no work in it")
    return message


# ------------------------------------------------------------------------------ the cache


def _cache_file(doi: str, settings: CrossrefSettings) -> Path | None:
    if settings.cache_dir is None:
        return None
    digest = hashlib.sha256(doi.encode("utf-8")).hexdigest()[:32]
    return settings.cache_dir / f"{digest}.json"


def _cached(doi: str, settings: CrossrefSettings) -> dict[str, Any] | None:
    """The cached ``message`` for ``doi``, if fresh; a damaged entry counts as none."""
    path = _cache_file(doi, settings)
    if path is None:
        return None
    try:
        if time.time() - path.stat().st_mtime > settings.cache_days * 86400:
            return None
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("doi") != doi:
        return None
    message = entry.get("message")
    return message if isinstance(message, dict) else None


def _store(doi: str, message: dict[str, Any], settings: CrossrefSettings) -> None:
    """Keep the answer; a cache that cannot be written only costs a request next time."""
    path = _cache_file(doi, settings)
    if path is None:
        return
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps({"doi": doi, "message": message}), encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()


# ---------------------------------------------------------------------------- the mapping

# Crossref's titles may carry JATS markup with a namespace (<jats:italic>), which the
# shared cleaner (references/clean.py) does not take for a tag.
_JATS = re.compile(r"</?[A-Za-z][\w.-]*:[\w.-]+(?:\s[^<>]*)?/?>")


def readable(value: object) -> str:
    """Crossref's text for a person: no HTML/JATS tags or entities, one paragraph."""
    if not isinstance(value, str):
        return ""
    return text(_JATS.sub("", value))


def _first(value: object) -> str:
    """The first readable string of a Crossref list (title, container-title)."""
    items = value if isinstance(value, list) else [value]
    for item in items:
        if found := readable(item):
            return found
    return ""


def _authors(value: object) -> str:
    """``Refalo MC; Helms ER``: the one form reference files are imported in too."""
    names: list[str] = []
    for contributor in value if isinstance(value, list) else []:
        if not isinstance(contributor, dict):
            continue
        if "family" in contributor:
            name = person(
                readable(contributor.get("family")),
                readable(contributor.get("given")),
                readable(contributor.get("suffix")),
            )
        else:  # an organisation (or a person Crossref could not split) has one name
            name = readable(contributor.get("name")) or readable(contributor.get("given"))
        if name:
            names.append(name)
    return "; ".join(names)


def _year(message: Mapping[str, Any]) -> int | None:
    """The year published (else issued); one the library would refuse counts as none."""
    latest = datetime.now(UTC).year + 1
    for key in ("published", "issued", "published-print", "published-online"):
        date = message.get(key)
        parts: Any = date.get("date-parts") if isinstance(date, dict) else None
        with contextlib.suppress(IndexError, TypeError, ValueError):
            year = int(parts[0][0])
            if 1600 <= year <= latest:
                return year
    return None


def study_fields(message: Mapping[str, Any]) -> StudyFields:
    """The study fields in a Crossref ``work`` message; only those it gives (no PMID)."""
    title = _first(message.get("title"))
    subtitle = _first(message.get("subtitle"))
    if title and subtitle and subtitle.casefold() not in title.casefold():
        title = f"{title}: {subtitle}"
    fields: StudyFields = {
        "title": title,
        "authors": _authors(message.get("author")),
        "journal": _first(message.get("container-title")),
        "year": _year(message),
        "volume": readable(message.get("volume")),
        "issue": readable(message.get("issue")),
        "pages": pages(readable(message.get("page"))),
    }
    return {key: value for key, value in fields.items() if value not in (None, "")}
