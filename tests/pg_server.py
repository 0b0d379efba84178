"""A real PostgreSQL server for the tests: started once per run, stopped at its end.

``PgServer.start()`` runs ``initdb`` in a new temporary folder (outside the checkout: CI
clones into a folder only root may enter) as an unprivileged user, since ``initdb``
refuses root, and starts the server listening on a Unix socket in that folder only:
nothing else on the machine can reach it. Local connections are trusted, except for one
role (``PASSWORD_ROLE``) that must give its password, so tests can try a wrong one.
fsync is off: a crash of the test server loses nothing anybody wants.

``CURATOR_TEST_PG_URL`` points the tests at an existing server instead (a role that may
create databases); each test still gets a database of its own, dropped after it.

Each test asks for ``server.new_database()``: a fresh database, dropped when done.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

URL_ENV = "CURATOR_TEST_PG_URL"
BIN_ENV = "CURATOR_TEST_PG_BIN"
# The unprivileged user the server runs as when the tests run as root.
SERVER_USER = "curator-pg"
SUPERUSER = "curator"
# A role that logs in with a password (scram), for the wrong-password and .pgpass tests.
PASSWORD_ROLE = "curator_pw"
PASSWORD = "s3cret"
DRIVER = "postgresql+psycopg"


# The backends a test runs on (``@pytest.mark.parametrize("backend", BACKENDS)``, or the
# ``backend`` fixture): the PostgreSQL run is marked, so ``-m "not postgresql"`` skips it.
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


class ServerUnavailable(RuntimeError):
    """No PostgreSQL server could be started here (the message says why)."""


def find_bin_dir() -> Path | None:
    """The folder holding initdb and pg_ctl: $CURATOR_TEST_PG_BIN, Debian's, or PATH."""
    if chosen := os.environ.get(BIN_ENV):
        return Path(chosen)
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if debian:
        return Path(debian[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _server_user() -> str | None:
    """Who runs the server: None (ourselves) unless we are root, who initdb refuses."""
    if os.geteuid() != 0:
        return None
    for name in (SERVER_USER, "postgres"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVER_USER],
        check=True,
        capture_output=True,
    )
    return SERVER_USER


class PgServer:
    """A PostgreSQL server the tests may create databases on.

    ``admin_url`` names a database to connect to for CREATE/DROP DATABASE; ``url(name)``
    is the URL of database ``name`` as the superuser, ``url(name, role, password)`` as
    another role.
    """

    def __init__(self, admin_url: str, folder: Path | None = None, stop: Any = None) -> None:
        from sqlalchemy.engine import make_url

        self.admin_url = make_url(admin_url)
        self.folder = folder
        self._stop = stop
        self.created: list[str] = []

    # ---- starting and stopping ------------------------------------------------------

    @classmethod
    def start(cls, settings: Sequence[str] = ()) -> PgServer:
        """A server from $CURATOR_TEST_PG_URL, else a new one; ServerUnavailable if neither.

        ``settings``: postgresql.conf lines for a new server, after (so over) the tests' own.
        """
        if existing := os.environ.get(URL_ENV):
            return cls(normalise(existing))
        bin_dir = find_bin_dir()
        if bin_dir is None or not (bin_dir / "pg_ctl").exists():
            raise ServerUnavailable(
                "no PostgreSQL server binaries (initdb, pg_ctl): install postgresql, "
                f"or set {URL_ENV} to a server's URL"
            )
        user = _server_user()
        folder = Path(tempfile.mkdtemp(prefix="curator-pg-"))
        try:
            return cls._init_and_start(bin_dir, folder, user, settings)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise

    @classmethod
    def _init_and_start(
        cls, bin_dir: Path, folder: Path, user: str | None, settings: Sequence[str]
    ) -> PgServer:
        data, log = folder / "data", folder / "server.log"
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        # Only the server's user (and root, which runs the tests when it is not that user)
        # may reach the socket: trust authentication must not open it to the machine.
        folder.chmod(0o700)

        def run(*argv: str | Path) -> subprocess.CompletedProcess[str]:
            command = [str(a) for a in argv]
            if user is not None:
                command = ["runuser", "-u", user, "--", *command]
            return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=folder)

        made = run(
            bin_dir / "initdb",
            "-D",
            data,
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        if made.returncode != 0:
            raise ServerUnavailable(f"initdb failed: {made.stderr.strip() or made.stdout.strip()}")
        settings = [
            "listen_addresses = ''",
            f"unix_socket_directories = '{folder}'",
            "unix_socket_permissions = 0700",
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            "max_connections = 200",
            "shared_buffers = 32MB",
            *settings,
        ]
        with (data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# curator-tui tests\n" + "\n".join(settings) + "\n")
        # First match wins: the password role must give its password, everyone else is trusted.
        (data / "pg_hba.conf").write_text(
            f"local all {PASSWORD_ROLE} scram-sha-256\nlocal all all trust\n", encoding="utf-8"
        )
        started = run(bin_dir / "pg_ctl", "-D", data, "-l", log, "-w", "-t", "60", "start")
        if started.returncode != 0:
            detail = log.read_text(errors="replace")[-2000:] if log.exists() else started.stderr
            raise ServerUnavailable(f"the PostgreSQL server did not start: {detail.strip()}")

        def stop() -> None:
            run(bin_dir / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
            shutil.rmtree(folder, ignore_errors=True)

        server = cls(f"{DRIVER}://{SUPERUSER}@/postgres?host={folder}", folder, stop)
        try:
            server.execute(f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{PASSWORD}'")
        except BaseException:
            stop()
            raise
        return server

    def stop(self) -> None:
        """Stop the server we started (a server named by $CURATOR_TEST_PG_URL is left alone)."""
        for name in list(self.created):
            with contextlib.suppress(Exception):
                self.drop_database(name)
        if self._stop is not None:
            self._stop()
            self._stop = None

    # ---- databases ------------------------------------------------------------------

    def execute(self, sql: str, database: str | None = None) -> list[tuple[Any, ...]]:
        """Run one statement in autocommit mode (as the admin role); the rows it returns."""
        import psycopg

        url = self.admin_url if database is None else self.admin_url.set(database=database)
        with psycopg.connect(_conninfo(url), autocommit=True) as connection:
            cursor = connection.execute(sql.encode())
            return list(cursor.fetchall()) if cursor.description else []

    def new_database(self, template: str | None = None, owner: str | None = None) -> str:
        """A new, empty database (or a copy of ``template``, owned by ``owner``); its name."""
        name = f"curator_test_{uuid.uuid4().hex[:12]}"
        clause = f" TEMPLATE {template}" if template else ""
        clause += f" OWNER {owner}" if owner else ""
        self.execute(f"CREATE DATABASE {name}{clause}")
        self.created.append(name)
        return name

    def drop_database(self, name: str) -> None:
        """Drop it, even with connections still open (a test's leaked engine)."""
        for attempt in range(3):
            try:
                self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                break
            except Exception:
                if attempt == 2:
                    raise
                time.sleep(0.2)
        if name in self.created:
            self.created.remove(name)

    def url(self, database: str, role: str | None = None, password: str | None = None) -> str:
        """The URL of ``database`` (as ``role`` with ``password``, else as the admin)."""
        url = self.admin_url.set(database=database)
        if role is not None:
            url = url.set(username=role, password=password)
        return url.render_as_string(hide_password=False)

    @property
    def ours(self) -> bool:
        """Whether we started it (and so made ``PASSWORD_ROLE``)."""
        return self.folder is not None

    @property
    def socket_dir(self) -> str | None:
        """The socket folder of a server we started (None: a server given by URL)."""
        host = self.admin_url.query.get("host")
        return str(host) if isinstance(host, str) else None


def normalise(url: str) -> str:
    """``postgresql://`` as the psycopg 3 driver's URL."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return DRIVER + url[url.index("://") :]
    return url


def _conninfo(url: Any) -> str:
    """libpq's connection string for a SQLAlchemy URL (what psycopg.connect takes)."""
    from psycopg.conninfo import make_conninfo

    params: dict[str, Any] = {"dbname": url.database or "postgres"}
    if url.username:
        params["user"] = url.username
    if url.password:
        params["password"] = url.password
    if url.host:
        params["host"] = url.host
    if url.port:
        params["port"] = url.port
    for key, value in url.query.items():
        params[key] = value if isinstance(value, str) else value[-1]
    return make_conninfo("", **params)
