"""The user's config file: key remapping, and clear errors for a broken file."""

from __future__ import annotations

from pathlib import Path

import pytest

from curator_tui.config import ConfigError, load_config


def test_missing_config_is_the_default(tmp_path: Path) -> None:
    config = load_config(tmp_path / "absent.toml")
    assert config.keys == {}


def test_keys_are_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[keys]\n"claims.new" = "ctrl+n"\n"claim.copy" = "y"\n', encoding="utf-8")
    assert load_config(path).keys == {"claims.new": "ctrl+n", "claim.copy": "y"}


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        ("[keys\n", "config.toml"),
        ("keys = 3\n", "[keys] must map"),
        ('[keys]\n"a" = 1\n', "[keys] must map"),
    ],
)
def test_broken_config_names_the_file(tmp_path: Path, content: str, phrase: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=phrase.replace("[", r"\[")) as error:
        load_config(path)
    assert str(path) in str(error.value)


def test_every_binding_id_is_unique() -> None:
    from textual.binding import Binding

    from curator_tui.ui.screens.help import binding_groups

    ids = [b.id for _, bindings in binding_groups() for b in bindings if isinstance(b, Binding)]
    # Widgets of the same kind share ids (both evidence lists); across kinds they must differ.
    assert len(ids) == len(set(ids))
