"""A team library on a PostgreSQL server, through the ``curator`` command (and the app).

Secrets stay secret: a URL's password appears in no output, error, title or help. The
libpq conventions work (PGPASSWORD, a password file, a service file), so nobody has to
type a password on a command line. A role with only SELECT browses and exports, and its
edits say "read-only". Wrong passwords, hosts and database names are one line, exit 1.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from curator_tui.db import open_library
from pg_server import PASSWORD, PASSWORD_ROLE, PgServer

pytestmark = pytest.mark.postgresql

DATA = Path(__file__).resolve().parents[1] / "data"
READER = "curator_reader"


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "error: " in lines[0]  # import says "error: FILE: why", the rest "curator: error:"
    return lines[0]


def no_secret(result: subprocess.CompletedProcess[str]) -> None:
    assert PASSWORD not in result.stdout + result.stderr, (result.stdout, result.stderr)


@pytest.fixture(scope="module")
def server(pg_server: PgServer) -> PgServer:
    if not pg_server.ours:
        pytest.skip(
            "needs the password role of the server the tests start (not CURATOR_TEST_PG_URL)"
        )
    return pg_server


@pytest.fixture
def team_db(server: PgServer) -> Iterator[str]:
    """An empty database owned by the password role: its name."""
    name = server.new_database(owner=PASSWORD_ROLE)
    yield name
    server.drop_database(name)


@pytest.fixture
def secret_url(server: PgServer, team_db: str) -> str:
    """The database's URL with the password in it, as a user might type it."""
    return server.url(team_db, PASSWORD_ROLE, PASSWORD)


@pytest.fixture
def imported(secret_url: str, run_cli: Any) -> str:
    result = run_cli("import", DATA, db=secret_url)
    assert result.returncode == 0, result.stderr
    no_secret(result)
    return secret_url


def test_every_command_works_and_no_output_holds_the_password(
    imported: str, run_cli: Any, tmp_path: Path
) -> None:
    url = imported
    masked = url.replace(f":{PASSWORD}@", ":***@")
    listed = run_cli("list", "--json", db=url)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert len(rows) == 2
    claim = str(rows[0]["id"])
    succeeding = [
        ("show", claim),
        ("export", claim),
        ("export", "--all", "--out", str(tmp_path / "out")),
        ("history", claim),
        ("history", "--deleted"),
        ("generate", "--claims", "3", "-q"),
        ("list",),
        ("backup", str(tmp_path / "backup.db")),
    ]
    for argv in succeeding:
        result = run_cli(*argv, db=url)
        assert result.returncode == 0, (argv, result.stderr)
        no_secret(result)
    assert len(list((tmp_path / "out").iterdir())) == 2
    failing = [
        ("show", "9999"),
        ("diff", claim),  # one revision only
        ("restore", claim, "7"),
        ("import", str(tmp_path / "missing.md")),
        ("backup", str(tmp_path / "backup.db")),  # exists now
    ]
    for argv in failing:
        result = run_cli(*argv, db=url)
        one_error_line(result)
        no_secret(result)
    # copy names its libraries on the command line: the same rules.
    for argv, status in (
        (("copy", url, str(tmp_path / "copied.db")), 0),
        (("copy", str(tmp_path / "copied.db"), url), 1),  # holds claims
        (("copy", url, url), 1),
    ):
        result = run_cli(*argv)
        assert result.returncode == status, (argv, result.stderr)
        no_secret(result)
        if status:
            one_error_line(result)
    # Through the environment too, and in --help.
    from_env = run_cli("show", "9999", env={"CURATOR_DB": url})
    one_error_line(from_env)
    no_secret(from_env)
    for argv in (("--help",), ("list", "--help"), ("import", "--help")):
        helped = run_cli(*argv, env={"CURATOR_DB": url})
        assert helped.returncode == 0
        no_secret(helped)
    # Where a library is named, it is the URL with the password masked.
    wrong = run_cli("list", db=url.replace(f":{PASSWORD}@", ":wrong-s3cret-guess@"))
    line = one_error_line(wrong)
    assert "wrong-s3cret-guess" not in line and ":***@" in line
    assert "password authentication failed" in line
    assert masked.split("?")[0].split("@")[0] in line


async def test_the_app_title_masks_the_password(imported: str) -> None:
    from curator_tui.config import Config
    from curator_tui.ui.app import CuratorApp

    engine = open_library(imported)
    app = CuratorApp(engine, Config(keys={}))
    try:
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            for _ in range(5):
                await pilot.app.workers.wait_for_complete()
                await pilot.pause()
            assert ":***@" in app.library_name
            shown = [app.title, app.sub_title, app.screen.sub_title, app.export_screenshot()]
            assert all(PASSWORD not in text for text in shown)
            assert "***" in app.screen.sub_title
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "how",
    ["PGPASSWORD", "PGPASSFILE", "PGSERVICE and an empty URL", "service= in the URL"],
)
def test_libpq_conventions_keep_the_password_off_the_command_line(
    how: str, server: PgServer, team_db: str, run_cli: Any, tmp_path: Path
) -> None:
    url = server.url(team_db, PASSWORD_ROLE)  # no password
    env = {"PGPASSWORD": "", "PGPASSFILE": str(tmp_path / "none"), "PGSERVICEFILE": ""}
    if how == "PGPASSWORD":
        env["PGPASSWORD"] = PASSWORD
    elif how == "PGPASSFILE":
        passfile = tmp_path / "pgpass"
        passfile.write_text(f"*:*:{team_db}:{PASSWORD_ROLE}:{PASSWORD}\n")
        passfile.chmod(0o600)
        env["PGPASSFILE"] = str(passfile)
    else:
        services = tmp_path / "pg_service.conf"
        services.write_text(
            f"[team]\nhost={server.socket_dir}\ndbname={team_db}\nuser={PASSWORD_ROLE}\n"
            f"password={PASSWORD}\n"
        )
        env["PGSERVICEFILE"] = str(services)
        if how == "service= in the URL":
            url = "postgresql:///?service=team"
        else:
            env["PGSERVICE"] = "team"
            url = "postgresql://"
    # A shell may not even pass an empty PGPASSWORD: drop those we did not set.
    env = {k: v for k, v in env.items() if v}
    result = run_cli("import", "-q", DATA / "card-rir-vs-failure.txt", db=url, env=env)
    assert result.returncode == 0, result.stderr
    listed = run_cli("list", "--json", db=url, env=env)
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 1
    # And without the password, the server refuses: the convention is what let us in.
    bare = {k: v for k, v in env.items() if k not in {"PGPASSWORD", "PGPASSFILE"}}
    if how in {"PGPASSWORD", "PGPASSFILE"}:
        refused = run_cli("list", db=url, env={**bare, "PGPASSFILE": str(tmp_path / "none")})
        assert "password" in one_error_line(refused)


@pytest.fixture
def reader_url(server: PgServer, imported: str, team_db: str) -> Iterator[str]:
    """The imported library as a role that may only SELECT."""
    server.execute(
        f"DO $$ BEGIN CREATE ROLE {READER} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )
    server.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {READER}", team_db)
    yield server.url(team_db, READER)
    server.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {READER}", team_db)


def test_a_role_with_only_select_browses_and_exports_and_its_edits_say_read_only(
    reader_url: str, run_cli: Any, tmp_path: Path, dump_library: Any, imported: str
) -> None:
    before = dump_library(imported)
    listed = run_cli("list", "--json", db=reader_url)
    assert listed.returncode == 0, listed.stderr
    claim = str(json.loads(listed.stdout)[0]["id"])
    for argv in (
        ("show", claim),
        ("export", claim),
        ("export", "--all", "-o", str(tmp_path / "all.md")),
        ("history", claim),
    ):
        result = run_cli(*argv, db=reader_url)
        assert result.returncode == 0, (argv, result.stderr)
    for argv in (
        ("import", str(DATA / "card-exercise-order.txt"), "--replace"),
        ("import", str(tmp_path / "all.md"), "--replace"),
        ("restore", claim, "1"),
        ("generate", "--claims", "2", "-q"),
    ):
        line = one_error_line(run_cli(*argv, db=reader_url))
        assert "read-only" in line, (argv, line)
    assert dump_library(imported) == before


def test_wrong_password_host_or_database_is_one_line(
    server: PgServer, team_db: str, run_cli: Any
) -> None:
    good = server.url(team_db, PASSWORD_ROLE, PASSWORD)
    cases = {
        "password": good.replace(f":{PASSWORD}@", ":not-it@"),
        "socket": good.replace(str(server.socket_dir).replace("/", "%2F"), "%2Fno%2Fsuch%2Fdir"),
        "host": f"postgresql://{PASSWORD_ROLE}:{PASSWORD}@127.0.0.1:1/{team_db}",
        "database": server.url("no_such_database", PASSWORD_ROLE, PASSWORD),
    }
    expected = {
        "password": "password authentication failed",
        "socket": "/no/such/dir",
        "host": "127.0.0.1",
        "database": 'database "no_such_database" does not exist',
    }
    for what, url in cases.items():
        for argv in (("list",), ("import", str(DATA)), ("export", "--all")):
            result = run_cli(*argv, db=url)
            line = one_error_line(result)
            no_secret(result)
            assert expected[what] in line, (what, line)
            assert "not-it" not in line


def test_an_empty_database_is_no_library_for_a_reading_command(
    secret_url: str, run_cli: Any
) -> None:
    line = one_error_line(run_cli("list", db=secret_url))
    assert "no library at" in line and ":***@" in line
    # ... and 'import' makes one there.
    assert run_cli("import", "-q", DATA / "card-rir-vs-failure.txt", db=secret_url).returncode == 0


def test_without_psycopg_the_url_says_what_to_install(secret_url: str) -> None:
    code = (
        "import sys; sys.modules['psycopg'] = None; "
        "from curator_tui.launcher import main; sys.exit(main(sys.argv[1:]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "--db", secret_url, "list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    line = one_error_line(result)
    assert "pip install 'curator-tui[postgres]'" in line
    no_secret(result)


def test_a_url_of_another_database_kind_is_refused_in_one_line(run_cli: Any) -> None:
    line = one_error_line(run_cli("list", db="mysql://root:s3cret@localhost/lib"))
    assert "postgresql://" in line and PASSWORD not in line


def test_a_malformed_url_is_one_line_without_its_password(run_cli: Any) -> None:
    for url in (
        f"postgresql://alice:{PASSWORD}@127.0.0.1:notaport/lib1",
        f"postgresql://alice:{PASSWORD}@[::1/lib1",
    ):
        result = run_cli("list", db=url)
        line = one_error_line(result)
        no_secret(result)
        assert "not a valid database URL" in line, line
    result = run_cli("list", db=f"postgresql+psycopg2://alice:{PASSWORD}@127.0.0.1/lib1")
    line = one_error_line(result)
    no_secret(result)
    assert "psycopg 3, not psycopg2" in line and "postgresql+psycopg://" in line


MEMBERS = ("curator_member_a", "curator_member_b")
TEAM = "curator_team"


@pytest.fixture
def team_of_two(server: PgServer) -> Iterator[str]:
    """An empty database owned by a team role (two curators' roles are its members)."""
    server.execute(
        f"DO $$ BEGIN CREATE ROLE {TEAM} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )
    for member in MEMBERS:
        server.execute(
            f"DO $$ BEGIN CREATE ROLE {member} LOGIN IN ROLE {TEAM};"
            " EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
    name = server.new_database(owner=TEAM)
    yield name
    server.drop_database(name)


def test_curators_of_one_team_share_the_tables_the_first_of_them_made(
    server: PgServer, team_of_two: str, run_cli: Any
) -> None:
    database = team_of_two
    first, second = (server.url(database, member) for member in MEMBERS)
    made = run_cli("import", "-q", DATA / "card-rir-vs-failure.txt", db=first)
    assert made.returncode == 0, made.stderr
    # The tables belong to the team, not to the curator who happened to open it first...
    owners = server.execute(
        "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'", database
    )
    assert owners == [(TEAM,)]
    # ... so the second curator lists, imports and edits them too.
    listed = run_cli("list", "--json", db=second)
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 1
    added = run_cli("import", "-q", DATA / "card-exercise-order.txt", db=second)
    assert added.returncode == 0, added.stderr


def test_a_role_that_may_not_read_is_told_so_not_that_the_library_is_read_only(
    server: PgServer, imported: str, team_db: str, run_cli: Any
) -> None:
    stranger = "curator_stranger"
    server.execute(
        f"DO $$ BEGIN CREATE ROLE {stranger} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )
    for argv in (("list",), ("export", "--all")):
        line = one_error_line(run_cli(*argv, db=server.url(team_db, stranger)))
        assert "permission denied for table" in line, line
        assert "may not read the library" in line and "read-only" not in line, line
