from pathlib import Path

from harness.evidence.recorder import ScenarioEvidence
from harness.evidence.redaction import MASK, SecretFilter


def test_scrub_replaces_whole_tokens_only() -> None:
    secrets = SecretFilter()
    secrets.add("1234")
    assert secrets.scrub("PIN 1234 set") == f"PIN {MASK} set"
    assert secrets.scrub("<Pin>1234</Pin>") == f"<Pin>{MASK}</Pin>"
    assert secrets.scrub("12345 and 01234 and AB1234") == "12345 and 01234 and AB1234"


def test_scrub_bytes_keeps_length() -> None:
    secrets = SecretFilter()
    secrets.add("4711")
    data = b"\x01\x02PIN=4711;\xff"
    clean = secrets.scrub_bytes(data)
    assert len(clean) == len(data)
    assert b"4711" not in clean


def test_filter_never_shows_its_values() -> None:
    secrets = SecretFilter()
    secrets.add("8080")
    assert "8080" not in repr(secrets)
    assert len(secrets) == 1


def test_recorder_scrubs_duis_notes_measurements_and_traces(tmp_path: Path) -> None:
    secrets = SecretFilter()
    evidence = ScenarioEvidence(secrets, tmp_path, "scenario")
    evidence.secret("9182")
    evidence.duis_exchange("11.1", "<a>9182</a>", "<b>ok 9182</b>")
    evidence.note("engineer PIN 9182 kept")
    evidence.measure("pin_state", "9182")
    path = evidence.trace("link.log", b"tx 9182\n")
    assert path is not None
    text = str(evidence.as_dict())
    assert "9182" not in text
    assert b"9182" not in path.read_bytes()


def test_scrub_tree_keeps_numbers_and_structure() -> None:
    secrets = SecretFilter()
    secrets.add("1234")
    tree = {"first_record": 1234, "failure": "PIN 1234 wrong", "list": ["1234", 5]}
    assert secrets.scrub_tree(tree) == {
        "first_record": 1234,
        "failure": f"PIN {MASK} wrong",
        "list": [MASK, 5],
    }


def test_measurement_compares_raw_values_and_shows_none(tmp_path: Path) -> None:
    """A value equal to a registered secret still compares as measured; neither the record nor the
    failure message shows the secret."""
    import pytest

    from harness.evidence.measurement import MeasurementFailed

    evidence = ScenarioEvidence(SecretFilter(), tmp_path, "scenario")
    evidence.secret("0000")
    evidence.measure("image_type", "0000", equals="0000")  # passes: compared before scrubbing
    evidence.measure("pin_state", "0000", equals="1111")
    with pytest.raises(MeasurementFailed) as failed:
        evidence.check()
    assert "0000" not in str(failed.value)
    measurements = evidence.as_dict()["measurements"]
    assert [m["outcome"] for m in measurements] == ["pass", "fail"]
    assert "0000" not in str(measurements)
