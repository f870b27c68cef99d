"""Port URLs in a rig file are checked when it is loaded: one line naming the key, exit 2 from
``smets1-hil run``, before any rig is brought up."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_rigfile import GOOD, write

from harness.cli import main
from harness.rigfile import RigFileError, load_rigfile
from rigs.link.urls import url_problem

GOOD_URLS = [
    "/dev/ttyUSB0",
    "socket://127.0.0.1:7000",
    "socket://[::1]:7000",
    "rfc2217://lab-3.example:7002",
    "rfc2217://lab:7002?timeout=3&logging=debug",
    "RFC2217://lab:7002",
    "loop://",
    "spy://socket://lab:7001",
]

BAD_URLS = [
    ("sockt://127.0.0.1:1", "unknown URL scheme 'sockt'"),
    ("rfc2217://[::1", "malformed rfc2217 URL"),
    ("socket://[::1]", "names no port"),
    ("socket://lab", "names no port"),
    ("socket://:7000", "names no host"),
    ("socket://lab:0", "port 0 is not 1..65535"),
    ("socket://lab:70000", "malformed socket URL"),
    ("socket://lab:7x", "malformed socket URL"),
    ("rfc2217://lab:7002?speed=fast", "unknown rfc2217 option 'speed'"),
    ("socket://lab:7001/path", "unexpected path"),
    ("spy://sockt://lab:1", "unknown URL scheme 'sockt'"),
    (" socket://lab:1", "must not hold spaces"),
]


@pytest.mark.parametrize("url", GOOD_URLS)
def test_good_urls_have_no_problem(url: str) -> None:
    assert url_problem(url) is None


@pytest.mark.parametrize(("url", "words"), BAD_URLS)
def test_bad_urls_are_named(url: str, words: str) -> None:
    problem = url_problem(url)
    assert problem is not None and words in problem and "\n" not in problem


@pytest.mark.parametrize(("url", "words"), BAD_URLS)
@pytest.mark.parametrize(
    ("old", "key"),
    [
        ('path = "rfc2217://lab-3.example:7000"', "radio.path"),
        ('serial_port = "socket://lab-3.example:7001"', "devices[1].serial_port"),
    ],
)
def test_rig_file_url_mistake_is_one_line(
    tmp_path: Path, url: str, words: str, old: str, key: str
) -> None:
    name = old.split(" = ")[0]
    text = GOOD.replace(old, f'{name} = "{url}"')
    with pytest.raises(RigFileError) as info:
        load_rigfile(write(tmp_path, text))
    assert str(info.value).startswith(f"rig.toml: {key}: ")
    assert words in str(info.value) and "\n" not in str(info.value)


def test_run_refuses_a_bad_url_before_starting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GOOD.replace("rfc2217://lab-3.example:7000", "sockt://127.0.0.1:1"))
    assert main(["run", "--rig", str(path), "--evidence", str(tmp_path / "ev")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("smets1-hil: error: rig.toml: radio.path: unknown URL scheme 'sockt'")
    assert err.count("\n") == 1
    assert not (tmp_path / "ev").exists()
