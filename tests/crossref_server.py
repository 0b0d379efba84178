"""A local stand-in for Crossref's REST API: ``GET /works/{doi}`` on 127.0.0.1.

It answers in Crossref's documented shape (``{"status": "ok", "message-type": "work",
"message": {...}}``, fields as a real ``api.crossref.org/works/…`` answer has them:
``title`` and ``container-title`` as lists, ``author`` with ``given``/``family`` or an
organisation's ``name``, dates as ``date-parts``), and a plain-text 404 ("Resource not
found.") for a DOI it does not know, as Crossref does. A test makes it misbehave for a
DOI by queueing replies: ``server.queue(doi, Reply(429, headers={"Retry-After": "1"}))``;
``busy``, ``slow``, ``broken`` and ``failing`` build the common ones. Every request is
recorded (path, query, headers) so tests can see what was asked and how often.

Use it as a context manager; no test reaches the internet.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


def _date(*parts: int) -> dict[str, Any]:
    return {"date-parts": [list(parts)]}


# Shapes from Crossref's answers (trimmed of fields the library does not read: license,
# reference, link, funder...). The values are test data.
WORKS: dict[str, dict[str, Any]] = {
    "10.1080/02640414.2024.2321021": {
        "indexed": {
            "date-parts": [[2024, 3, 5]],
            "date-time": "2024-03-05T10:12:01Z",
            "timestamp": 1709633521000,
        },
        "reference-count": 54,
        "publisher": "Informa UK Limited",
        "issue": "23",
        "content-domain": {"domain": ["www.tandfonline.com"], "crossmark-restriction": True},
        "short-container-title": ["Journal of Sports Sciences"],
        "published-print": _date(2024, 12, 1),
        "DOI": "10.1080/02640414.2024.2321021",
        "type": "journal-article",
        "created": {
            "date-parts": [[2024, 2, 26]],
            "date-time": "2024-02-26T12:40:02Z",
            "timestamp": 1708951202000,
        },
        "page": "2209-2222",
        "source": "Crossref",
        "is-referenced-by-count": 12,
        "title": [
            "Proximity-to-failure in resistance training and <i>muscle</i> hypertrophy: "
            "a&nbsp;systematic review"
        ],
        "prefix": "10.1080",
        "volume": "42",
        "author": [
            {
                "ORCID": "http://orcid.org/0000-0001-0000-0001",
                "authenticated-orcid": False,
                "given": "Martin C.",
                "family": "Refalo",
                "sequence": "first",
                "affiliation": [{"name": "Deakin University"}],
            },
            {
                "given": "Eric R.",
                "family": "Helms",
                "sequence": "additional",
                "affiliation": [],
            },
            {
                "given": "Jean-Paul",
                "family": "de la Fontaine",
                "sequence": "additional",
                "affiliation": [],
            },
        ],
        "member": "301",
        "published-online": _date(2024, 2, 26),
        "container-title": ["Journal of Sports Sciences"],
        "original-title": [],
        "language": "en",
        "deposited": {
            "date-parts": [[2024, 3, 1]],
            "date-time": "2024-03-01T08:00:00Z",
            "timestamp": 1709280000000,
        },
        "score": 1,
        "subtitle": [],
        "issued": _date(2024, 2, 26),
        "references-count": 54,
        "journal-issue": {"issue": "23", "published-print": _date(2024, 12, 1)},
        "URL": "http://dx.doi.org/10.1080/02640414.2024.2321021",
        "ISSN": ["0264-0414", "1466-447X"],
        "issn-type": [{"value": "0264-0414", "type": "print"}],
        "published": _date(2024, 2, 26),
    },
    "10.1002/pssc.201200953": {
        "reference-count": 0,
        "publisher": "Wiley",
        "issue": "3",
        "published-print": _date(2013, 3),
        "DOI": "10.1002/pssc.201200953",
        "type": "journal-article",
        "page": "319\u2013322",
        "source": "Crossref",
        "title": [
            " The quantum-confined Stark effect in Al<sub>x</sub>Ga<sub>1-x</sub>N quantum wells "
        ],
        "subtitle": ["<scp>Different</scp> morphologies"],
        "volume": "10",
        "author": [
            {"given": "E. A.", "family": "Shevchenko", "sequence": "first", "affiliation": []},
            {"name": "The WELLS Consortium", "sequence": "additional", "affiliation": []},
        ],
        "container-title": ["physica status solidi (c)"],
        "issued": _date(2013, 3),
        "published": _date(2013, 3),
    },
    # A book chapter: no journal issue or pages; only "issued", with a year alone.
    "10.1007/978-3-030-12345-6_7": {
        "publisher": "Springer International Publishing",
        "DOI": "10.1007/978-3-030-12345-6_7",
        "type": "book-chapter",
        "title": ["Sample size &amp; <jats:italic>power</jats:italic>"],
        "author": [{"given": "ada", "family": "Lovelace", "suffix": "Jr.", "sequence": "first"}],
        "container-title": ["Statistics for Curators", "Lecture Notes"],
        "issued": {"date-parts": [[2019]]},
        "published": {"date-parts": [[None]]},
    },
}


@dataclass
class Reply:
    """One scripted answer: a status, a body, headers, and a delay before sending."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def busy(retry_after: str | None = "0") -> Reply:
    """429 Too Many Requests, with ``Retry-After`` (seconds) unless None."""
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Reply(429, b"Too many requests", headers)


def failing() -> Reply:
    """500, as Crossref's servers answer when something broke on their side."""
    return Reply(500, b"Internal Server Error")


def broken() -> Reply:
    """200 with JSON cut off in the middle."""
    return Reply(200, b'{"status":"ok","message-type":"work","message":{"title":["Cut', {})


def slow(seconds: float) -> Reply:
    """An answer that comes only after ``seconds`` (longer than the client's timeout)."""
    return Reply(200, b"", {}, delay=seconds)


@dataclass(frozen=True)
class Request:
    """What a client asked: the DOI in the path, the query and the headers."""

    doi: str
    query: dict[str, list[str]]
    headers: dict[str, str]


class CrossrefServer:
    """``/works/{doi}`` on 127.0.0.1, on a free port, in a thread."""

    def __init__(self) -> None:
        self.works: dict[str, dict[str, Any]] = copy.deepcopy(WORKS)
        self.requests: list[Request] = []
        self._queued: dict[str, list[Reply]] = {}
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        """The base URL, standing for https://api.crossref.org."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def queue(self, doi: str, *replies: Reply) -> None:
        """Answer the next requests for ``doi`` with ``replies``, in order."""
        with self._lock:
            self._queued.setdefault(doi.lower(), []).extend(replies)

    def asked(self, doi: str) -> int:
        """How many requests came for ``doi``."""
        with self._lock:
            return sum(1 for request in self.requests if request.doi == doi.lower())

    def __enter__(self) -> CrossrefServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()  # a slow reply still waiting stops waiting
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def _next(self, doi: str, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            queued = self._queued.get(doi)
            if queued:
                reply = queued.pop(0)
                if reply.status != 200 or reply.body or not reply.delay:
                    return reply
                # A slow reply of a known work: the work, late.
                return Reply(200, self._envelope(doi), {}, reply.delay)
            work = self.works.get(doi)
        if work is None:
            return Reply(404, b"Resource not found.", {"Content-Type": "text/plain"})
        return Reply(200, self._envelope(doi), {})

    def _envelope(self, doi: str) -> bytes:
        work = self.works.get(doi, {"DOI": doi, "title": []})
        body = {
            "status": "ok",
            "message-type": "work",
            "message-version": "1.0.0",
            "message": work,
        }
        return json.dumps(body).encode("utf-8")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if not parts.path.startswith("/works/"):
                    self._send(Reply(404, b"Resource not found."))
                    return
                doi = unquote(parts.path[len("/works/") :]).lower()
                request = Request(doi, parse_qs(parts.query), dict(self.headers.items()))
                reply = server._next(doi, request)
                if reply.delay and server._release.wait(reply.delay):
                    return  # the server is stopping
                self._send(reply)

            def _send(self, reply: Reply) -> None:
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Type": "application/json;charset=utf-8"}
                    headers.update(reply.headers)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout): nothing to answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def running() -> Iterator[CrossrefServer]:
    """A started server, for a pytest fixture: ``yield from running()``."""
    with CrossrefServer() as server:
        yield server
