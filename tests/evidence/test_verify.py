from pathlib import Path

import pytest

from harness.cli import main
from harness.evidence.bundle import EvidenceBundle
from harness.evidence.manifest import verify_bundle
from harness.evidence.redaction import SecretFilter


@pytest.fixture
def bundle_dir(tmp_path: Path) -> Path:
    bundle = EvidenceBundle.create(tmp_path / "bundle")
    bundle.write_plan([{"scenario": "t.py::test_a", "requirements": ["U12-MPRN"]}])
    bundle.write_record(
        {
            "scenario": "t.py::test_a",
            "requirements": ["U12-MPRN"],
            "verdict": "pass",
            "duration_s": 0.1,
        },
        SecretFilter(),
    )
    (bundle.traces_dir / "a.log").write_bytes(b"\x7e\x01\x02\x7e")
    bundle.finalize(profile="uplift-1.2", started="t0", interrupted=False)
    return bundle.root


def test_untouched_bundle_verifies(bundle_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evidence", "verify", str(bundle_dir)]) == 0
    assert "intact" in capsys.readouterr().out


def test_changed_file_is_named(bundle_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = next((bundle_dir / "records").glob("*.json"))
    record.write_text(record.read_text().replace('"pass"', '"fail"'))
    assert main(["evidence", "verify", str(bundle_dir)]) == 1
    out = capsys.readouterr().out
    assert f"records/{record.name}: changed" in out


def test_one_flipped_byte_in_a_trace_is_found(bundle_dir: Path) -> None:
    trace = bundle_dir / "traces" / "a.log"
    data = bytearray(trace.read_bytes())
    data[1] ^= 0x01
    trace.write_bytes(bytes(data))
    assert [str(p) for p in verify_bundle(bundle_dir)] == ["traces/a.log: changed"]


def test_added_file_is_named(bundle_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (bundle_dir / "records" / "extra.json").write_text("{}")
    assert main(["evidence", "verify", str(bundle_dir)]) == 1
    assert "records/extra.json: added" in capsys.readouterr().out


def test_removed_file_is_named(bundle_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (bundle_dir / "report.html").unlink()
    assert main(["evidence", "verify", str(bundle_dir)]) == 1
    assert "report.html: removed" in capsys.readouterr().out


def test_missing_manifest_fails(bundle_dir: Path) -> None:
    (bundle_dir / "manifest.sha256").unlink()
    problems = verify_bundle(bundle_dir)
    assert [p.path for p in problems] == ["manifest.sha256"]


def test_edited_manifest_does_not_hide_a_change(bundle_dir: Path) -> None:
    manifest = bundle_dir / "manifest.sha256"
    lines = [
        line for line in manifest.read_text().splitlines() if not line.endswith("summary.json")
    ]
    manifest.write_text("\n".join(lines) + "\n")
    assert [str(p) for p in verify_bundle(bundle_dir)] == ["summary.json: added"]


def test_show_prints_requirements(bundle_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evidence", "show", str(bundle_dir)]) == 0
    out = capsys.readouterr().out
    assert "U12-MPRN" in out and "PASS" in out
    assert "U12-FW-11.1" in out and "not selected" in out.lower()


def test_verify_of_a_missing_directory_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["evidence", "verify", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"smets1-hil: error: {tmp_path / 'nope'}: no such bundle directory"


def test_summary_version_2_has_no_top_level_run_facts_and_version_1_still_reads() -> None:
    from harness.evidence.validation import problems

    current = {
        "schema": "smets1-hil/summary/2",
        "schema_version": 2,
        "profile": "uplift-1.2",
        "started": "t0",
        "finished": "t1",
        "interrupted": False,
        "scenarios": {"total": 0},
        "requirements": {},
        "run": {"host": "bench", "radio_libraries": {"zigpy": "2.4.0"}},
    }
    assert problems("summary", current) == []
    assert problems("summary", {**current, "host": "bench"}) == [
        "host: not part of summary schema version 2"
    ]
    old = {**current, "schema": "smets1-hil/summary/1", "schema_version": 1, "host": "bench"}
    assert problems("summary", old) == []
    assert problems("summary", {**current, "schema_version": 3})[0].startswith(
        "schema_version: 3 is not one this version reads (1, 2)"
    )
