"""Done-when of the results database: two runs into one database, the second against a PPMID that
answers late enough to slow its OTA by far more than the threshold; ``history compare`` and
``history trend`` name the regression and ``--fail-on-regression`` exits non-zero. The same
against a PostgreSQL server the test starts itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from history_support import (
    CHROMIUM,
    PG_BIN,
    PPMID,
    Result,
    postgres_server,
    run_ota_scenario,
    smets1_hil,
)

pytestmark = pytest.mark.slow

# low enough that the slowed runs still pass: the regression is judged against history here
LOW_TARGETS = "[targets.zigbee-ota]\nPPMID = 0.001\n"
DELAY_MS = 25  # per frame the PPMID sends: several times its unimpaired block time


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Result]:
    """The unimpaired run, recorded into an SQLite database: (work dir, database, result)."""
    work = tmp_path_factory.mktemp("history")
    db = work / "results.sqlite"
    result = run_ota_scenario(work, "one", str(db), targets=LOW_TARGETS)
    assert result.code == 0, result.out + result.err
    return work, db, result


def check_regression_named(db: str, work: Path) -> None:
    compare = smets1_hil("history", "compare", "--db", db, cwd=work)
    assert compare.code == 0, compare.err  # without --fail-on-regression it reports only
    assert "REGRESSION (throughput)" in compare.out
    assert f"PPMID {PPMID}" in compare.out and "rig lab-1" in compare.out
    failing = smets1_hil("history", "compare", "--db", db, "--fail-on-regression", cwd=work)
    assert failing.code == 1, failing.out + failing.err
    trend = smets1_hil("history", "trend", "--db", db, "--fail-on-regression", cwd=work)
    assert trend.code == 1, trend.out + trend.err
    assert "REGRESSION" in trend.out
    facts = json.loads(smets1_hil("history", "trend", "--db", db, "--json", cwd=work).out)
    (series,) = [s for s in facts["series"] if s["series"]["rig"] == "lab-1"]
    first, second = series["points"][-2:]
    assert second["value"] < first["value"] * 0.9
    assert second["regression"] and not first["regression"]
    # a looser rule than the drop measured no longer calls it one: the threshold is what decides
    drop = 100.0 * (1.0 - second["value"] / first["value"])
    looser = f"{drop + (100.0 - drop) / 2:.6f}"
    loose = smets1_hil(
        "history", "compare", "--db", db, "--threshold", looser, "--fail-on-regression", cwd=work
    )
    assert loose.code == 0 and "no regression" in loose.out


def test_sqlite_names_the_slowed_ota_as_a_regression(
    first_run: tuple[Path, Path, Result],
) -> None:
    work, db, first = first_run
    assert "results database: run 1" in first.out
    second = run_ota_scenario(work, "two", str(db), response_delay_ms=DELAY_MS, targets=LOW_TARGETS)
    assert second.code == 0, second.out + second.err
    check_regression_named(str(db), work)
    listing = smets1_hil("history", "list", "--db", str(db), "--json", cwd=work)
    runs = json.loads(listing.out)
    assert [r["rig"] for r in runs] == ["lab-1", "lab-1"]
    shown = json.loads(smets1_hil("history", "show", "--db", str(db), "--json", cwd=work).out)
    assert shown["run"]["evidence_path"] == str(work / "two")
    (transfer,) = shown["transfers"]
    assert transfer["device"] == PPMID and transfer["target"] == 0.001
    assert transfer["block_p95_ms"] >= transfer["block_p50_ms"] >= DELAY_MS * 0.9
    # importing a bundle that is already there adds nothing
    again = smets1_hil("history", "import", str(work / "one"), "--db", str(db), cwd=work)
    assert again.code == 0 and "already recorded as run 1" in again.out


@pytest.mark.skipif(not (PG_BIN / "initdb").exists(), reason=f"no PostgreSQL server in {PG_BIN}")
def test_postgresql_names_the_slowed_ota_as_a_regression(
    first_run: tuple[Path, Path, Result],
) -> None:
    work, _, _ = first_run
    with postgres_server() as url:
        imported = smets1_hil("history", "import", str(work / "one"), "--db", url, cwd=work)
        assert imported.code == 0 and "added as run 1" in imported.out, imported.err
        slowed = run_ota_scenario(
            work, "three", url, response_delay_ms=DELAY_MS, targets=LOW_TARGETS
        )
        assert slowed.code == 0, slowed.out + slowed.err
        assert "results database: run 2" in slowed.out
        check_regression_named(url, work)


def test_a_database_that_cannot_be_written_costs_one_warning_and_no_evidence(
    first_run: tuple[Path, Path, Result], capsys: pytest.CaptureFixture[str]
) -> None:
    """The run is recorded after its bundle is complete; a broken database is one line."""
    work, _, _ = first_run
    from harness.cli.cmd_run import record_in_database

    blocker = work / "not-a-directory"
    blocker.write_text("x")
    bundle = work / "one"
    before = {p: p.read_bytes() for p in bundle.rglob("*") if p.is_file()}
    record_in_database(str(blocker / "results.sqlite"), bundle, 0)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("smets1-hil: warning: run not recorded"), err
    after = {p: p.read_bytes() for p in bundle.rglob("*") if p.is_file()}
    assert before == after
    verify = smets1_hil("evidence", "verify", str(bundle), cwd=work)
    assert verify.code == 0, verify.out + verify.err


def test_dashboard_in_headless_chromium(first_run: tuple[Path, Path, Result]) -> None:
    """``history report`` draws the throughput chart with its target line and the verdict
    matrix, from the page alone (nothing fetched), in a real browser."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from history_support import chromium

    work, db, _ = first_run
    out = work / "dashboard"
    made = smets1_hil("history", "report", "--db", str(db), "--out", str(out), cwd=work)
    assert made.code == 0, made.err
    page = out / "index.html"
    html = page.read_text("utf-8")
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html and "<script" not in html and "<link" not in html
    dom = chromium("--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count('class="target"') >= 1
    assert 'id="verdict-matrix"' in dom.stdout and 'class="cell pass"' in dom.stdout
    assert 'id="durations"' in dom.stdout
    shot = work / "dashboard.png"
    taken = chromium("--screenshot=" + str(shot), "--window-size=1100,1400", page.as_uri())
    assert taken.returncode == 0 and shot.stat().st_size > 10_000, taken.stderr[-2000:]


def test_a_transfer_below_its_target_fails_and_the_verdict_change_is_a_regression(
    first_run: tuple[Path, Path, Result],
) -> None:
    """The rig file's target is the lower limit of ``transfer_rate``: below it the scenario and
    its requirement fail, the bundle shows value, limit and unit, and the database calls the
    requirement that passed last time and fails now a regression."""
    work, db, _ = first_run
    unreachable = "[targets.zigbee-ota]\nPPMID = 1000\n"
    result = run_ota_scenario(work, "missed", str(db), targets=unreachable)
    assert result.code == 1, result.out + result.err
    bundle = work / "missed"
    summary = json.loads((bundle / "summary.json").read_text())
    assert summary["requirements"]["U12-FW-11.1"]["verdict"] == "fail"
    (figure,) = summary["throughput"]
    assert (figure["name"], figure["units"], figure["limit_low"]) == (
        "transfer_rate",
        "MB/min",
        1000,
    )
    assert figure["outcome"] == "fail" and 0 < figure["value"] < 1000
    (record_path,) = (bundle / "records").glob("*.json")
    record = json.loads(record_path.read_text())
    assert "transfer_rate" in record["failure"] and record["transfers"][0]["target_met"] is False
    assert "1000" in (bundle / "report.html").read_text()
    compare = smets1_hil("history", "compare", "--db", str(db), "--fail-on-regression", cwd=work)
    assert compare.code == 1
    assert "REGRESSION (verdict): requirement U12-FW-11.1: pass in run" in compare.out
