"""Crossref lookups against a local server in Crossref's shape (tests/crossref_server.py).

Every answer the issue names: a work, a 404, a 429 with Retry-After, a 500, a reply
slower than the timeout, broken JSON, nobody listening; plus the mailto, the cache and
the settings from config and environment. No test reaches the internet.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from crossref_server import CrossrefServer, Reply, broken, busy, failing, running, slow
from curator_tui.config import Config, ConfigError, load_config
from curator_tui.services.crossref import (
    DEFAULT_URL,
    CrossrefError,
    CrossrefSettings,
    lookup,
    study_fields,
)

SPORT = "10.1080/02640414.2024.2321021"
STARK = "10.1002/pssc.201200953"
CHAPTER = "10.1007/978-3-030-12345-6_7"


@pytest.fixture
def server() -> Iterator[CrossrefServer]:
    yield from running()


@pytest.fixture
def settings(server: CrossrefServer, tmp_path: Path) -> CrossrefSettings:
    return CrossrefSettings(
        base_url=server.url,
        mailto="ada@example.org",
        timeout=2.0,
        cache_dir=tmp_path / "cache",
        backoff=0.01,
    )


def _fails(doi: str, settings: CrossrefSettings, *phrases: str) -> str:
    with pytest.raises(CrossrefError) as error:
        lookup(doi, settings)
    message = str(error.value)
    assert "\n" not in message and message.strip() == message
    for phrase in phrases:
        assert phrase in message
    return message


# ----------------------------------------------------------------------------- mapping


def test_a_journal_article_gives_every_field_as_readable_text(
    settings: CrossrefSettings,
) -> None:
    assert lookup(SPORT, settings) == {
        "title": "Proximity-to-failure in resistance training and muscle hypertrophy: "
        "a systematic review",
        "authors": "Refalo MC; Helms ER; de la Fontaine JP",
        "journal": "Journal of Sports Sciences",
        "year": 2024,
        "volume": "42",
        "issue": "23",
        "pages": "2209–2222",
    }


def test_tags_subtitles_organisations_and_dashes(settings: CrossrefSettings) -> None:
    fields = lookup(STARK, settings)
    assert fields["title"] == (
        "The quantum-confined Stark effect in AlxGa1-xN quantum wells: Different morphologies"
    )
    assert fields["authors"] == "Shevchenko EA; The WELLS Consortium"
    assert fields["pages"] == "319–322"
    assert fields["year"] == 2013
    assert fields["journal"] == "physica status solidi (c)"


def test_only_the_fields_crossref_gives(settings: CrossrefSettings) -> None:
    # A chapter: no volume, issue or pages; "published" has no year, "issued" has one.
    assert lookup(CHAPTER, settings) == {
        "title": "Sample size & power",
        "authors": "Lovelace A Jr.",
        "journal": "Statistics for Curators",
        "year": 2019,
    }


def test_text_that_looks_like_a_tag_but_is_not_stays() -> None:
    message = {"title": ["Effects at p < 0.05 and n > 10: <b>bold</b> claims"]}
    assert study_fields(message) == {"title": "Effects at p < 0.05 and n > 10: bold claims"}


def test_an_implausible_year_is_left_out() -> None:
    message = {"published": {"date-parts": [[20240]]}, "issued": {"date-parts": [[1066]]}}
    assert study_fields(message) == {}


def test_a_work_with_nothing_usable_gives_nothing() -> None:
    assert study_fields({"title": ["  <i></i> "], "author": [{}], "issued": {}}) == {}


# ------------------------------------------------------------------------- the request


def test_the_polite_pool_gets_the_mailto_and_the_doi_is_normalised(
    server: CrossrefServer, settings: CrossrefSettings
) -> None:
    lookup("https://doi.org/" + SPORT.upper(), settings)
    (request,) = server.requests
    assert request.doi == SPORT
    assert request.query["mailto"] == ["ada@example.org"]
    agent = {k.lower(): v for k, v in request.headers.items()}["user-agent"]
    assert "curator-tui/" in agent and "mailto:ada@example.org" in agent


def test_no_mailto_sends_none(server: CrossrefServer, settings: CrossrefSettings) -> None:
    lookup(SPORT, replace(settings, mailto=None))
    (request,) = server.requests
    assert "mailto" not in request.query


def test_a_doi_with_parentheses_reaches_the_server_whole(
    server: CrossrefServer, settings: CrossrefSettings
) -> None:
    doi = "10.1016/s0140-6736(20)30183-5"
    server.works[doi] = {"DOI": doi, "title": ["Clinical features"], "issued": {}}
    assert lookup(doi, settings) == {"title": "Clinical features"}


def test_not_a_doi(server: CrossrefServer, settings: CrossrefSettings) -> None:
    _fails("10/b4mz6g", settings, "not a DOI")
    assert server.requests == []


# --------------------------------------------------------------------- failing answers


def test_unknown_doi_is_not_found(server: CrossrefServer, settings: CrossrefSettings) -> None:
    _fails("10.9999/nobody.knows", settings, "10.9999/nobody.knows", "not found on Crossref")
    assert server.asked("10.9999/nobody.knows") == 1


def test_429_waits_retry_after_then_succeeds(
    server: CrossrefServer, settings: CrossrefSettings
) -> None:
    server.queue(SPORT, busy("1"))
    started = time.monotonic()
    assert lookup(SPORT, settings)["volume"] == "42"
    assert time.monotonic() - started >= 0.9  # it waited the second it was asked to
    assert server.asked(SPORT) == 2


def test_429_without_retry_after_backs_off(
    server: CrossrefServer, settings: CrossrefSettings
) -> None:
    server.queue(SPORT, busy(None), busy(None))
    assert lookup(SPORT, settings)["volume"] == "42"
    assert server.asked(SPORT) == 3


def test_429_that_goes_on_gives_up_after_the_bounded_tries(
    server: CrossrefServer, settings: CrossrefSettings
) -> None:
    server.queue(SPORT, *[busy("0")] * 10)
    _fails(SPORT, settings, "rate limited by Crossref", SPORT, "after 3 tries")
    assert server.asked(SPORT) == 3


def test_a_long_retry_after_is_not_waited_for(
    server: CrossrefServer, settings: CrossrefSettings
) -> None:
    server.queue(SPORT, busy("3600"))
    started = time.monotonic()
    _fails(SPORT, settings, "rate limited by Crossref", "try again in 3600 s")
    assert time.monotonic() - started < 5
    assert server.asked(SPORT) == 1


def test_a_500_is_tried_again(server: CrossrefServer, settings: CrossrefSettings) -> None:
    server.queue(SPORT, failing())
    assert lookup(SPORT, settings)["issue"] == "23"
    assert server.asked(SPORT) == 2


def test_a_500_that_goes_on_fails(server: CrossrefServer, settings: CrossrefSettings) -> None:
    server.queue(SPORT, *[failing()] * 5)
    _fails(SPORT, settings, "Crossref answered 500", SPORT)
    assert server.asked(SPORT) == 3


def test_a_reply_slower_than_the_timeout(
    server: CrossrefServer, settings: CrossrefSettings
) -> None:
    server.queue(SPORT, slow(30))
    started = time.monotonic()
    _fails(SPORT, replace(settings, timeout=0.5), "did not answer within 0.5 s", server.url)
    assert time.monotonic() - started < 5


def test_broken_json(server: CrossrefServer, settings: CrossrefSettings) -> None:
    server.queue(SPORT, broken())
    _fails(SPORT, settings, "bad answer", "not JSON")
    # A bad answer is not cached: the next lookup asks again and gets the work.
    assert lookup(SPORT, settings)["volume"] == "42"


@pytest.mark.parametrize(
    "body",
    [
        b'{"status":"failed","message-type":"work","message":{}}',
        b'{"status":"ok","message-type":"work-list","message":{"items":[]}}',
        b"[1, 2]",
    ],
)
def test_json_that_is_not_a_work(
    server: CrossrefServer, settings: CrossrefSettings, body: bytes
) -> None:
    server.queue(SPORT, Reply(200, body))
    _fails(SPORT, settings, "bad answer", SPORT)


def test_nobody_listening_is_one_line(settings: CrossrefSettings) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The port is closed again: connection refused.
    _fails(
        SPORT,
        replace(settings, base_url=f"http://127.0.0.1:{port}"),
        f"cannot reach Crossref at http://127.0.0.1:{port}: ",
    )


def test_a_name_that_does_not_resolve(settings: CrossrefSettings) -> None:
    _fails(
        SPORT,
        replace(settings, base_url="http://crossref.invalid", timeout=3),
        "http://crossref.invalid",
    )


# ---------------------------------------------------------------------------- the cache


def test_answers_are_cached_by_normalised_doi(
    server: CrossrefServer, settings: CrossrefSettings
) -> None:
    first = lookup(SPORT, settings)
    assert lookup("doi:" + SPORT.upper(), settings) == first
    assert server.asked(SPORT) == 1
    # A fresh process (new settings, same folder) uses the cache too.
    assert lookup(SPORT, replace(settings, base_url="http://127.0.0.1:9")) == first


def test_not_found_is_not_cached(server: CrossrefServer, settings: CrossrefSettings) -> None:
    _fails("10.9999/later", settings, "not found")
    server.works["10.9999/later"] = {"title": ["Registered since"]}
    assert lookup("10.9999/later", settings) == {"title": "Registered since"}


def test_a_damaged_cache_entry_is_asked_again(
    server: CrossrefServer, settings: CrossrefSettings
) -> None:
    lookup(SPORT, settings)
    assert settings.cache_dir is not None
    (entry,) = settings.cache_dir.iterdir()
    entry.write_text("{not json", encoding="utf-8")
    assert lookup(SPORT, settings)["volume"] == "42"
    assert server.asked(SPORT) == 2


def test_no_cache_dir_asks_every_time(server: CrossrefServer, settings: CrossrefSettings) -> None:
    plain = replace(settings, cache_dir=None)
    lookup(SPORT, plain)
    lookup(SPORT, plain)
    assert server.asked(SPORT) == 2


# ------------------------------------------------------------------------- the settings


def test_settings_from_config_then_environment_then_default(tmp_path: Path) -> None:
    env = {"CURATOR_CROSSREF_URL": "http://mirror.example/", "CURATOR_CROSSREF_CACHE": ""}
    assert CrossrefSettings.from_config(Config(), env).base_url == "http://mirror.example"
    chosen = Config(crossref_url="http://own.example", mailto="a@b.org")
    settings = CrossrefSettings.from_config(chosen, env)
    assert (settings.base_url, settings.mailto, settings.cache_dir) == (
        "http://own.example",
        "a@b.org",
        None,
    )
    default = CrossrefSettings.from_config(Config(), {"CURATOR_CROSSREF_CACHE": str(tmp_path)})
    assert (default.base_url, default.cache_dir) == (DEFAULT_URL, tmp_path)
    assert CrossrefSettings.from_config(Config(), {}).cache_dir is not None


def test_config_reads_crossref_url_and_mailto(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'mailto = " ada@example.org "\ncrossref_url = "http://127.0.0.1:8080/"\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert (config.mailto, config.crossref_url) == ("ada@example.org", "http://127.0.0.1:8080")


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        ('mailto = "ada"\n', "mailto must be an e-mail address"),
        ("mailto = 3\n", "mailto must be an e-mail address"),
        ('crossref_url = "api.crossref.org"\n', "crossref_url must be an http(s) URL"),
        ('crossref_url = "ftp://x.org"\n', "crossref_url must be an http(s) URL"),
    ],
)
def test_bad_crossref_config_is_one_line(tmp_path: Path, content: str, phrase: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value).startswith(f"{path}: {phrase}")
    assert "\n" not in str(error.value)
