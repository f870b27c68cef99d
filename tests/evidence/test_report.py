"""report.html: what it says (rendered from the templates) and how it looks in headless Chromium."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from browser import chromium_available, probe

from harness.evidence.bundle import EvidenceBundle
from harness.evidence.charts import fit_label, number_text
from harness.evidence.redaction import SecretFilter
from harness.evidence.report_html import firmware_text, limits_text, pretty_xml
from harness.evidence.requirements import REQUIREMENTS, UPLIFT_IDS
from harness.evidence.run_info import collect_run_info, redact_rigfile_text
from harness.plugin.evidence_hooks import scenario_title

LONG_WORD = "0123456789abcdef" * 40  # 640 characters without a break
REQUEST = (
    "<?xml version='1.0' encoding='UTF-8'?><sr:Request xmlns:sr=\"urn:sr\"><sr:Header>"
    "<sr:RequestID>A:B:1</sr:RequestID></sr:Header><sr:Body><sr:FirmwareImage>"
    + "QUJD"
    * 300
    + "</sr:FirmwareImage><sr:Note>&lt;script&gt;alert(1)&lt;/script&gt;</sr:Note>"
    "</sr:Body></sr:Request>"
)


def _scenario(rid: str) -> str:
    return f"test_{rid.lower().replace('-', '_').replace('.', '_')}.py::test_{LONG_WORD[:90]}"


def make_bundle(root: Path, *, failing: bool, tmp: Path) -> Path:
    """A bundle of one scenario per requirement; with ``failing`` the Uplift ones fail."""
    rig = tmp / "rig.toml"
    rig.write_text(
        '[radio]\nkind = "znp"\npath = "rfc2217://lab:secretword@lab-3:7000"\n'
        'engineering_pin = "4711"\n'
    )
    bundle = EvidenceBundle.create(root)
    plan = [{"scenario": _scenario(rid), "requirements": [rid]} for rid in REQUIREMENTS]
    bundle.write_plan(plan)
    for index, rid in enumerate(REQUIREMENTS):
        fails = failing and rid in UPLIFT_IDS
        record: dict[str, Any] = {
            "scenario": _scenario(rid),
            "title": f"scenario for {rid}",
            "requirements": [rid],
            "verdict": "fail" if fails else "pass",
            "duration_s": 1.25,
            "finished": f"2026-01-01T00:00:{index:02d}Z",
            "rig": {
                "name": "bench-3",
                "radio": {
                    "kind": "ezsp",
                    "link": {"ash": {"crc_errors": 40 + index, "naks_sent": 7}, "line": {}},
                },
            },
            "failure": f"AssertionError: measurement {LONG_WORD}" if fails else None,
            "firmware": [
                {
                    "device": "0000000000000101",
                    "before": {"file_version": 16777216, "build_id": "01000000"},
                    "after": {"file_version": 16777217, "build_id": "01000001"},
                }
            ],
            "duis": [
                {
                    "service_request": "11.1",
                    "request": REQUEST,
                    "response": "<r><code>I0</code></r>",
                    "schema": {"validated": False, "reason": "no DUIS XSD found (tried x)"},
                }
            ],
            "measurements": [
                {
                    "name": "transfer_rate",
                    "value": 0.2 + index * (0.01 if fails else 0.1),
                    "units": "MB/min",
                    "validator": {"kind": "in_range", "min": 0.25, "max": None},
                    "outcome": "pass",
                    "description": "",
                },
                {
                    "name": "running_version",
                    "value": 16777217,
                    "units": "",
                    "validator": {"kind": "equals", "expected": 16777217},
                    "outcome": "pass",
                    "description": "",
                },
            ],
            "transfers": [
                {
                    "role": "PPMID",
                    "mb_per_min": 0.2 + index * (0.01 if fails else 0.1),
                    "target": 0.25,
                    "block_latency_ms_histogram": [[5, 10 + index], [10, 40], [20, 3], [None, 1]],
                }
            ],
        }
        bundle.write_record(record, SecretFilter())
    bundle.finalize(
        profile="baseline" if failing else "uplift-1.2",
        started="2026-01-01T00:00:00Z",
        interrupted=False,
        extra={
            "rigs": ["bench-3"],
            "run": collect_run_info(rigfile=rig, radio_kinds=["znp"], xsd=None),
            "notes": ["DUIS XML was not validated against the DUIS XSD: no DUIS XSD found"],
        },
    )
    return root / "report.html"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("reports")
    return {
        "pass": make_bundle(tmp / "pass", failing=False, tmp=tmp),
        "fail": make_bundle(tmp / "fail", failing=True, tmp=tmp),
    }


def text_of(page: Path) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", page.read_text()))


def test_failing_report_headline_counts_failed_requirements(reports: dict[str, Path]) -> None:
    html = reports["fail"].read_text()
    assert 'data-verdict="fail"' in html
    assert f"6 of {len(REQUIREMENTS)} requirements failed" in html
    assert 'data-verdict="pass"' in reports["pass"].read_text()
    total = len(REQUIREMENTS)
    assert f"{total} of {total} requirements passed" in reports["pass"].read_text()


def test_report_shows_run_metadata_and_redacted_rig_file(reports: dict[str, Path]) -> None:
    text = text_of(reports["fail"])
    for expected in ("Python", "zigpy", "zigpy-znp", "SHA-256", "baseline"):
        assert expected in text
    assert "secretword" not in text and "4711" not in text
    assert 'engineering_pin = "[secret]"' in text
    assert "DUIS XML was not validated" in text


def test_report_shows_firmware_in_hex_and_duis_as_escaped_indented_xml(
    reports: dict[str, Path],
) -> None:
    html = reports["fail"].read_text()
    assert "0x01000000 (build 01000000)" in html and "0x01000001 (build 01000001)" in html
    assert "file_version" not in html
    assert "&lt;sr:Request" in html and "<sr:Request" not in html
    assert "&lt;script&gt;" in html or "&amp;lt;script&amp;gt;" in html
    assert "<script" not in html  # nothing executable, no external assets
    assert "[1200 characters]" in html  # the image is cut, with its length
    assert "\n  &lt;sr:Header&gt;" in html  # indented


def test_report_charts_throughput_against_target(reports: dict[str, Path]) -> None:
    html = reports["fail"].read_text()
    assert html.count('<svg class="chart"') == 2  # throughput per transfer, latency histogram
    assert "stroke-dasharray" in html  # the target mark
    assert "#c62828" in html  # a transfer below its target
    assert "&gt;20 ms" in html  # the open last bucket of the latency histogram


def test_report_shows_the_radio_link_counters_of_the_last_record(
    reports: dict[str, Path],
) -> None:
    summary = json.loads((reports["pass"].parent / "summary.json").read_text())
    last = len(REQUIREMENTS) - 1
    assert summary["radio_links"] == {
        "bench-3": {"ash": {"crc_errors": 40 + last, "naks_sent": 7}, "line": {}}
    }
    text = " ".join(text_of(reports["pass"]).split())
    assert f"ash.crc_errors {40 + last}" in text and "ash.naks_sent 7" in text
    assert "Radio link" in text


def test_report_tells_transfers_and_targets_apart(reports: dict[str, Path]) -> None:
    html = reports["fail"].read_text()
    chart = html[html.index('<svg class="chart"') :]
    chart = chart[: chart.index("</svg>")]
    labels = re.findall(r'text-anchor="end" font-size="11">([^<]+)</text>', chart)
    assert len(labels) == len(REQUIREMENTS) and len(set(labels)) == len(labels)  # none alike
    table = text_of(reports["fail"]).split("Throughput", 1)[1]
    assert " 0.25 " in table and " 0.3 " not in table  # the target as set, not rounded
    assert "== 16777217 (0x01000001)" in unescape(html)  # expected versions in hex too


def test_helpers() -> None:
    cut = fit_label("test_update_firmware_to_meter[esme] ESME", 30)
    assert cut == "test_update…o_meter[esme] ESME" and len(cut) == 30
    assert fit_label("short") == "short" and number_text(0.05) == "0.05"
    assert number_text(1.714) == "1.71" and number_text(1234.5) == "1,234"
    assert limits_text({"kind": "equals", "expected": 16777217}, "running_version") == (
        "== 16777217 (0x01000001)"
    )
    assert limits_text({"kind": "equals", "expected": 3}, "alerts") == "== 3"
    doc = (
        "A PIN the tool replaced is reported, with the PIN in force, to the\n"
        "    Installing Supplier.\n\n    More."
    )
    assert scenario_title(doc) == (
        "A PIN the tool replaced is reported, with the PIN in force, to the Installing Supplier."
    )
    assert limits_text({"kind": "in_range", "min": 0.25, "max": None}) == ">= 0.25"
    assert limits_text({"kind": "one_of", "choices": ["I0", "I99"]}) == "one of 'I0', 'I99'"
    assert firmware_text({"file_version": 0x0102, "build_id": None}) == "0x00000102"
    assert pretty_xml("<a><b>1</b></a>") == '<?xml version="1.0" ?>\n<a>\n  <b>1</b>\n</a>'
    assert redact_rigfile_text('url = "socket://u:p@h:1"\npassword = "x"\n') == (
        'url = "socket://[secret]@h:1"\npassword = "[secret]"\n'
    )


needs_chromium = pytest.mark.skipif(
    not chromium_available(), reason="Debian's chromium is not installed (.ci/run installs it)"
)


@needs_chromium
@pytest.mark.parametrize(
    ("which", "verdict", "headline", "colour"),
    [
        ("fail", "fail", f"6 of {len(REQUIREMENTS)} requirements failed", "rgb(183, 28, 28)"),
        (
            "pass",
            "pass",
            f"{len(REQUIREMENTS)} of {len(REQUIREMENTS)} requirements passed",
            "rgb(27, 94, 32)",
        ),
    ],
)
def test_report_in_chromium(
    reports: dict[str, Path], tmp_path: Path, which: str, verdict: str, headline: str, colour: str
) -> None:
    found = probe(reports[which], tmp_path, width=1024)
    assert found["verdict"] == verdict
    assert headline in found["banner_text"]
    assert found["banner_colour"] == colour
    assert found["records"] == len(REQUIREMENTS) and found["charts"] == 2
    # nothing runs off the page: no horizontal scrolling, no element past the right edge
    assert found["scroll_width"] <= found["page_width"], found
    assert found["widest_right"] <= found["page_width"] + 0.5, found
