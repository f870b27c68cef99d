"""Files that leave the lab are safe to open in a spreadsheet, and loose PIN-report inputs get one
clear line: a cell starting with ``=``, ``+``, ``-``, ``@``, tab or CR is written with a leading
single quote; a BOM is accepted; NUL bytes, UTF-16 text and a supplier id that would collide with
``manifest.json`` are refused naming the file and line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from report_inputs import INSTALLATIONS, write_inventory
from test_pin_report import change_row, cli, write_changes

from harness.csv_output import neutralise

DANGEROUS = ["=cmd|'/C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", '=HYPERLINK("x")']


@pytest.mark.parametrize("value", DANGEROUS)
def test_neutralise_prefixes_a_quote(value: str) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["INST-1", "", "1234", "a=b", "00124B000000A001", "'quoted"])
def test_neutralise_keeps_plain_text(value: str) -> None:
    assert neutralise(value) == value


@pytest.mark.parametrize("installation_id", [v for v in DANGEROUS if v.strip() == v])
def test_supplier_csv_has_no_formula(tmp_path: Path, installation_id: str) -> None:
    rows = [list(r[:6]) for r in INSTALLATIONS]
    rows[0][0] = installation_id
    inventory = write_inventory(tmp_path / "inventory.csv", rows)
    changes = tmp_path / "changes.csv"
    with changes.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            [
                "change_id",
                "installation_id",
                "device_eui64",
                "recorded_at",
                "profile",
                "old_pin_default",
                "action",
                "status",
                "new_pin",
            ]
        )
        writer.writerow(change_row("c1", inst=installation_id))
    out = tmp_path / "report"
    assert cli(inventory, changes, out) == 0
    text = (out / "SUPA.csv").read_text(encoding="utf-8")
    cells = [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]
    assert "'" + installation_id in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    # (a leading tab or CR cannot reach an id: inventory cells are stripped)
    # the JSON twin keeps the value as it is: JSON is not opened as a spreadsheet
    document = json.loads((out / "SUPA.json").read_text(encoding="utf-8"))
    assert document["installations"][0]["installation_id"] == installation_id


@pytest.mark.parametrize("supplier", ["manifest", "MANIFEST", "Manifest"])
def test_supplier_id_colliding_with_manifest_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], supplier: str
) -> None:
    rows = [list(r[:6]) for r in INSTALLATIONS]
    rows[1][2] = supplier
    inventory = write_inventory(tmp_path / "inventory.csv", rows)
    changes = write_changes(tmp_path / "changes.csv", [change_row("c1")])
    assert cli(inventory, changes, tmp_path / "report") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{inventory}:3:" in err and "reserved" in err


def test_changes_with_a_bom_are_read(tmp_path: Path) -> None:
    inventory = write_inventory(tmp_path / "inventory.csv", [list(r[:6]) for r in INSTALLATIONS])
    changes = write_changes(tmp_path / "changes.csv", [change_row("c1")])
    changes.write_bytes(b"\xef\xbb\xbf" + changes.read_bytes())
    assert cli(inventory, changes, tmp_path / "report") == 0


@pytest.mark.parametrize("which", ["inventory", "changes"])
@pytest.mark.parametrize(
    ("damage", "words"),
    [
        ("nul", "NUL byte"),
        ("utf-16", "UTF-16"),
        ("utf-16-le", "UTF-16"),
        ("latin-1", "not UTF-8"),
    ],
)
def test_damaged_input_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], which: str, damage: str, words: str
) -> None:
    inventory = write_inventory(tmp_path / "inventory.csv", [list(r[:6]) for r in INSTALLATIONS])
    changes = write_changes(tmp_path / "changes.csv", [change_row("c1")])
    target = inventory if which == "inventory" else changes
    text = target.read_text(encoding="utf-8")
    if damage == "nul":
        target.write_text(text.replace("INST-A1", "INST-\x00A1"), encoding="utf-8")
    elif damage == "latin-1":
        target.write_bytes(text.replace("INST-A1", "INST-\xe9A1").encode("latin-1"))
    else:
        target.write_bytes(text.encode(damage))
    assert cli(inventory, changes, tmp_path / "report") == 2
    err = capsys.readouterr().err
    assert err.startswith("smets1-hil: error: ") and err.count("\n") == 1
    assert str(target) in err and words in err
    assert not (tmp_path / "report").exists()
