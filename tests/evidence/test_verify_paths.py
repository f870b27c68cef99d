"""``evidence verify`` hashes only files inside the bundle: a manifest line naming an absolute
path, a path that climbs out with ``..``, or a symlink leading out is a problem, never intact."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from harness.cli import main
from harness.evidence.bundle import EvidenceBundle
from harness.evidence.manifest import MANIFEST, verify_bundle
from harness.evidence.redaction import SecretFilter


@pytest.fixture
def bundle_dir(tmp_path: Path) -> Path:
    bundle = EvidenceBundle.create(tmp_path / "lab" / "bundle")
    bundle.write_plan([{"scenario": "t.py::test_a", "requirements": ["U12-MPRN"]}])
    bundle.write_record(
        {"scenario": "t.py::test_a", "requirements": ["U12-MPRN"], "verdict": "pass"},
        SecretFilter(),
    )
    bundle.finalize(profile="uplift-1.2", started="t0", interrupted=False)
    return bundle.root


def _outside_file(bundle_dir: Path) -> Path:
    outside = bundle_dir.parent / "outside.txt"
    outside.write_text("not evidence\n")
    return outside


def _add_line(bundle_dir: Path, name: str, target: Path) -> None:
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    with (bundle_dir / MANIFEST).open("a", encoding="utf-8") as handle:
        handle.write(f"{digest}  {name}\n")


def test_absolute_path_in_manifest_is_refused(
    bundle_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = _outside_file(bundle_dir)
    _add_line(bundle_dir, str(outside), outside)
    assert [str(p) for p in verify_bundle(bundle_dir)] == [
        f"{outside}: outside the bundle (absolute path)"
    ]
    assert main(["evidence", "verify", str(bundle_dir)]) == 1
    assert "NOT intact" in capsys.readouterr().out


@pytest.mark.parametrize(
    "name", ["../outside.txt", "records/../../outside.txt", "./../outside.txt"]
)
def test_climbing_path_in_manifest_is_refused(bundle_dir: Path, name: str) -> None:
    outside = _outside_file(bundle_dir)
    _add_line(bundle_dir, name, outside)
    assert [str(p) for p in verify_bundle(bundle_dir)] == [
        f"{name}: outside the bundle (climbs out with ..)"
    ]


def test_symlink_out_of_the_bundle_is_refused(bundle_dir: Path) -> None:
    outside = _outside_file(bundle_dir)
    os.symlink(outside, bundle_dir / "traces" / "link.txt")
    _add_line(bundle_dir, "traces/link.txt", outside)
    assert [str(p) for p in verify_bundle(bundle_dir)] == [
        "traces/link.txt: outside the bundle (a symlink leading out)"
    ]


def test_symlinked_folder_out_of_the_bundle_is_refused(bundle_dir: Path) -> None:
    outside = _outside_file(bundle_dir)
    os.symlink(bundle_dir.parent, bundle_dir / "traces" / "up")
    _add_line(bundle_dir, "traces/up/outside.txt", outside)
    problems = [str(p) for p in verify_bundle(bundle_dir)]
    assert "traces/up/outside.txt: outside the bundle (a symlink leading out)" in problems


def test_untouched_bundle_still_verifies(bundle_dir: Path) -> None:
    assert verify_bundle(bundle_dir) == []
