"""How a library is named to the user: its path, or its URL readable and without a password."""

from __future__ import annotations

from pathlib import Path

from curator_tui.db import display_name


def test_a_socket_folder_reads_as_a_path_and_the_password_stays_hidden() -> None:
    shown = display_name("postgresql://alice:s%2F3cret@/lib1?host=%2Frun%2Fpostgresql&port=5433")
    assert shown == "postgresql://alice:***@/lib1?host=/run/postgresql&port=5433"
    assert "s/3cret" not in shown and "s%2F3cret" not in shown


def test_a_file_is_named_by_its_path(tmp_path: Path) -> None:
    assert display_name(tmp_path / "lib.db") == str(tmp_path / "lib.db")


def test_an_unparsable_url_is_not_shown_at_all() -> None:
    # Its password could be anywhere in it.
    assert display_name("postgresql://alice:s3cret@host:notaport/lib1") == "the library URL"
