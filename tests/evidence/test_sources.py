"""Every fact shown is quoted from a source or marked as our setting; the quoted ones that come
from files we hold (the DUIS XSD, DCC's reference data) are checked against those files."""

from __future__ import annotations

import re
from pathlib import Path

from harness.dcc import ProcessorSettings
from harness.duis import REFERENCE_DCC
from harness.evidence.requirements import REQUIREMENTS, SRPD_ROW
from harness.evidence.sources import DUIS_XSD, FACTS, duis_section, sources_section
from harness.migration import DEFAULT_RULES

FACT_IDS = {fact.id for fact in FACTS}


def test_every_fact_is_quoted_or_a_setting_with_default_and_change() -> None:
    assert len(FACT_IDS) == len(FACTS)
    for fact in FACTS:
        assert fact.kind in ("quoted", "setting"), fact.id
        assert fact.source, fact.id
        if fact.kind == "setting":
            assert fact.default and fact.change, fact.id
    assert sources_section()[0]["id"] == FACTS[0].id


def test_requirements_rest_on_known_facts_and_show_the_srpd_row_whole() -> None:
    for requirement in REQUIREMENTS.values():
        assert set(requirement.facts) <= FACT_IDS, requirement.id
    firmware = [r for r in REQUIREMENTS.values() if r.id.startswith("U12-FW-")]
    assert len(firmware) == 3
    for requirement in firmware:
        assert SRPD_ROW in requirement.clause
        assert "6.1(n), 16.1, 16.2(b), 18.1(d)(viii)(B)" in requirement.clause
    assert "EPCL" in REQUIREMENTS["U12-PIN-REPORT"].clause


def test_duis_versions_are_stated() -> None:
    section = duis_section()
    assert section["validated_against"]["version"] == "5.4"
    assert section["source_drafted_against"] == "3.1"


def test_mprn_limit_is_the_duis_xsd_type(shared_duis: Path) -> None:
    xsd = (shared_duis / DUIS_XSD).read_text(encoding="utf-8")
    match = re.search(r'<xs:simpleType name="MPRN">(.*?)</xs:simpleType>', xsd, re.DOTALL)
    assert match is not None
    assert '<xs:maxLength value="10"/>' in match.group(1)
    assert DEFAULT_RULES.max_field_length == DEFAULT_RULES.max_digits == 10


def test_dcc_eui64_is_the_reference_data_target(shared_duis: Path) -> None:
    template = (shared_duis / "11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML").read_text(encoding="utf-8")
    match = re.search(r"<sr:RequestID>([^:<]+):([^:<]+):(\d+)</sr:RequestID>", template)
    assert match is not None
    assert match.group(2) == REFERENCE_DCC == ProcessorSettings().dcc_eui64


def test_report_shows_changes_duis_and_every_fact() -> None:
    from harness.evidence.report_html import render_report

    summary = {
        "profile": "mprn-leading-zeros",
        "changes": ["mprn-leading-zeros"],
        "duis": duis_section(),
        "sources": sources_section(),
        "requirements": {
            "U12-FW-11.1": {
                "verdict": "fail",
                "clause": REQUIREMENTS["U12-FW-11.1"].clause,
                "facts": list(REQUIREMENTS["U12-FW-11.1"].facts),
                "scenarios": [],
            }
        },
    }
    html = render_report(summary, [])
    assert "Uplift 1.2 changes in force: mprn-leading-zeros" in html
    assert "DUIS 3.1" in html and "DUIS 5.4" in html
    assert "rests on: srpd-row" in html
    for fact in FACTS:
        assert f"<td>{fact.id}</td>" in html


def test_no_pin_value_is_shown_among_the_facts() -> None:
    from harness.configtool import DEFAULT_PIN_VALUES

    text = repr(sources_section())
    for pin in DEFAULT_PIN_VALUES:
        assert not re.search(rf"(?<![0-9A-Za-z]){pin}(?![0-9A-Za-z])", text), pin
