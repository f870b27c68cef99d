"""Signed bundles: keygen, signing at the end of a run or afterwards, verify with --pubkey."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from harness.cli import main
from harness.evidence.bundle import EvidenceBundle
from harness.evidence.manifest import write_manifest
from harness.evidence.redaction import SecretFilter
from harness.evidence.signing import fingerprint, load_private_key, load_public_key


def make_bundle(root: Path, sign_key: Path | None = None) -> Path:
    bundle = EvidenceBundle.create(root)
    bundle.write_plan([{"scenario": "t.py::test_a", "requirements": ["U12-MPRN"]}])
    bundle.write_record(
        {"scenario": "t.py::test_a", "requirements": ["U12-MPRN"], "verdict": "pass"},
        SecretFilter(),
    )
    key = load_private_key(sign_key) if sign_key else None
    bundle.finalize(profile="uplift-1.2", started="t0", interrupted=False, sign_key=key)
    return root


@pytest.fixture
def keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    assert main(["evidence", "keygen", "--out", str(tmp_path / "lab")]) == 0
    capsys.readouterr()
    return tmp_path / "lab.key", tmp_path / "lab.pub"


def test_keygen_writes_an_owner_only_key_and_never_overwrites(
    keys: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key, pub = keys
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert pub.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    assert fingerprint(load_private_key(key).public_key()) == fingerprint(load_public_key(pub))
    assert main(["evidence", "keygen", "--out", str(tmp_path / "lab")]) == 2
    assert "exists" in capsys.readouterr().err


def test_signed_bundle_verifies_and_a_rehashed_edit_does_not(
    keys: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key, pub = keys
    root = make_bundle(tmp_path / "bundle", sign_key=key)
    summary = json.loads((root / "summary.json").read_text())
    assert summary["signature"]["fingerprint"] == fingerprint(load_public_key(pub))
    assert (root / "manifest.sha256.sig").is_file()
    assert main(["evidence", "verify", str(root), "--pubkey", str(pub)]) == 0
    assert "signature good" in capsys.readouterr().out

    # someone edits a verdict and rehashes the manifest, without the key
    record = next((root / "records").glob("*.json"))
    record.write_text(record.read_text().replace('"pass"', '"fail"'))
    write_manifest(root)
    assert main(["evidence", "verify", str(root)]) == 0  # the hashes alone cannot tell
    assert "signature not checked" in capsys.readouterr().out
    assert main(["evidence", "verify", str(root), "--pubkey", str(pub)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert "NOT intact: manifest.sha256.sig: signature does not match manifest.sha256" in out[0]


def test_another_key_does_not_verify(
    keys: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_bundle(tmp_path / "bundle", sign_key=keys[0])
    assert main(["evidence", "keygen", "--out", str(tmp_path / "other")]) == 0
    assert main(["evidence", "verify", str(root), "--pubkey", str(tmp_path / "other.pub")]) == 1
    assert "signature does not match" in capsys.readouterr().out


def test_sign_afterwards_and_unsigned_bundle_with_pubkey(
    keys: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key, pub = keys
    root = make_bundle(tmp_path / "bundle")
    assert main(["evidence", "verify", str(root), "--pubkey", str(pub)]) == 1
    assert "manifest.sha256.sig: missing" in capsys.readouterr().out
    assert main(["evidence", "sign", str(root), "--key", str(key)]) == 0
    assert main(["evidence", "verify", str(root), "--pubkey", str(pub)]) == 0
    assert "Ed25519" in (root / "report.html").read_text()
    # a changed bundle is not signed afterwards
    (root / "traces" / "late.txt").write_text("x")
    assert main(["evidence", "sign", str(root), "--key", str(key)]) == 2
    assert "not intact, refusing to sign (traces/late.txt: added)" in capsys.readouterr().err


def test_verify_checks_records_against_their_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_bundle(tmp_path / "bundle")
    record = next((root / "records").glob("*.json"))
    data = json.loads(record.read_text())
    assert data["schema_version"] == 1
    data["verdict"] = "passed"
    record.write_text(json.dumps(data))
    write_manifest(root)
    assert main(["evidence", "verify", str(root)]) == 1
    assert "schema: verdict: 'passed' is not one of" in capsys.readouterr().out


def test_bad_key_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_bundle(tmp_path / "bundle")
    (tmp_path / "bad.key").write_text("not a key")
    assert main(["evidence", "sign", str(root), "--key", str(tmp_path / "bad.key")]) == 2
    err = capsys.readouterr().err
    assert "bad.key: not an unencrypted PEM private key" in err and "Traceback" not in err
