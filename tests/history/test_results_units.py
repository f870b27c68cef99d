"""Targets, the regression rule, the database location and its schema versions, without runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from harness.errors import UserError
from harness.results import chosen, default_path, open_database
from harness.results.database import to_url
from harness.results.migrations import LATEST
from harness.results.queries import Point, Series, SeriesKey
from harness.results.regression import judge_series
from harness.rigfile import parse_rigfile
from harness.targets import DEFAULT_TARGETS, SERIAL, ZIGBEE_OTA, parse_targets

RIG = {
    "radio": {"kind": "emulated"},
    "devices": [{"role": "PPMID", "ieee": "00137A0100000001", "model": "PPMID"}],
}


def test_rig_file_targets_override_the_defaults() -> None:
    rigfile = parse_rigfile({**RIG, "targets": {"zigbee-ota": {"PPMID": 0.5}}}, "rig.toml")
    ota = rigfile.targets.target(ZIGBEE_OTA, "PPMID")
    assert ota is not None and (ota.value, ota.units, ota.source) == (0.5, "MB/min", "rig.toml")
    gsme = rigfile.targets.target(ZIGBEE_OTA, "GSME")
    assert gsme is not None and (gsme.value, gsme.source) == (
        DEFAULT_TARGETS[ZIGBEE_OTA]["GSME"],
        "default",
    )
    serial = parse_rigfile(RIG, "rig.toml").targets.target(SERIAL, "ESME")
    assert serial is not None and serial.units == "% of line rate" and serial.met_by(95.0)
    assert not serial.met_by(50.0)


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        ({"zigbee": {"PPMID": 1}}, "targets.zigbee: unknown transfer kind"),
        ({"zigbee-ota": {"IHD": 1}}, "targets.zigbee-ota.IHD: unknown role"),
        ({"zigbee-ota": {"PPMID": "fast"}}, "targets.zigbee-ota.PPMID: must be a number"),
        ({"serial": {"GSME": 120}}, "targets.serial.GSME: a percentage of the line rate"),
        ({"serial": {"GSME": -1}}, "targets.serial.GSME: must be zero or more"),
    ],
)
def test_bad_targets_are_one_line_naming_the_key(targets: object, message: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_rigfile({**RIG, "targets": targets}, "rig.toml")
    assert str(caught.value).startswith("rig.toml: ") and message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_parse_targets_keeps_what_was_given() -> None:
    targets = parse_targets({"serial": {"PPMID": 97}}, "lab.toml")
    assert targets.as_dict()[SERIAL]["PPMID"] == 97.0
    assert targets.given == frozenset({(SERIAL, "PPMID")})


def series_of(values: list[float]) -> Series:
    key = SeriesKey("lab-1", "00137A0100000001", "01000000", ZIGBEE_OTA)
    points = [
        Point(n, f"2026-11-{n:02d}T02:00:00Z", v, None, 1, 0.1, "MB/min", None)
        for n, v in enumerate(values, 1)
    ]
    return Series(key, "PPMID", points)


def test_regression_is_against_the_median_of_the_last_n_runs() -> None:
    judged = judge_series(series_of([1.0, 1.0, 0.2, 1.0, 1.0, 0.95, 0.85]), window=3)
    assert judged[0].baseline is None and not judged[0].regressed  # nothing to regress from
    assert judged[2].regressed  # 0.2 against median 1.0
    assert not judged[3].regressed  # one slow run does not drag the median
    assert judged[5].baseline == 1.0 and not judged[5].regressed  # 5% below: within 10%
    assert judged[6].baseline == 1.0 and judged[6].regressed  # 15% below
    only_older = judge_series(series_of([0.5] * 7 + [1.0, 1.0, 1.0, 0.85]), window=3)
    assert only_older[-1].compared_with == 3 and only_older[-1].regressed
    assert not judge_series(series_of([1.0, 0.85]), threshold=20)[-1].regressed


def test_database_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SMETS1_HIL_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_path() == tmp_path / "xdg" / "smets1-hil" / "results.sqlite"
    assert chosen(None) == str(default_path())
    monkeypatch.setenv("SMETS1_HIL_DB", "/srv/results.sqlite")
    assert chosen(None) == "/srv/results.sqlite"
    assert chosen("other.sqlite") == "other.sqlite"
    assert chosen("off") is None
    assert to_url("postgresql://hil@db.example/results") == (
        "postgresql+psycopg://hil@db.example/results"
    )
    assert to_url("/srv/r.sqlite") == "sqlite:////srv/r.sqlite"


def test_schema_versions(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "results.sqlite"
    engine = open_database(str(path))
    with engine.begin() as connection:
        versions = connection.execute(text("SELECT version FROM smets1_hil_schema")).scalars()
        assert list(versions) == list(range(1, LATEST + 1))
        connection.execute(
            text("INSERT INTO smets1_hil_schema VALUES (:v, '2030-01-01', 'from the future')"),
            {"v": LATEST + 1},
        )
    engine.dispose()
    with pytest.raises(UserError, match=f"schema version {LATEST + 1}"):
        open_database(str(path))


def test_unsupported_database_url_is_one_line() -> None:
    with pytest.raises(UserError, match="only SQLite and PostgreSQL"):
        open_database("mysql://db.example/results")


def test_run_facts_come_from_the_run_object_or_an_old_summarys_top_level() -> None:
    from harness.results.ingest import run_facts_of

    run = {
        "tool_version": "0.2.0",
        "host": "bench-host",
        "radio_libraries": {"bellows": "1.2.1"},
        "rig_file": {"path": "rig.toml", "sha256": "ab" * 32, "content": ""},
    }
    facts = run_facts_of({"schema_version": 2, "run": run})
    assert (facts["host"], facts["tool_version"], facts["rig_file_sha256"]) == (
        "bench-host",
        "0.2.0",
        "ab" * 32,
    )
    assert (facts["radio_library"], facts["radio_library_version"]) == ("bellows", "1.2.1")
    old = {  # summary schema 1 repeated the facts at the top level
        "schema_version": 1,
        "host": "old-host",
        "tool_version": "0.1.0",
        "rig_file_sha256": "cd" * 32,
        "radio_library": "zigpy-znp",
        "radio_library_version": "1.1.1",
    }
    facts = run_facts_of(old)
    assert (facts["host"], facts["radio_library"], facts["radio_library_version"]) == (
        "old-host",
        "zigpy-znp",
        "1.1.1",
    )
    assert facts["rig_file_sha256"] == "cd" * 32
