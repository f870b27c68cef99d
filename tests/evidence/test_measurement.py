import math

import pytest

from harness.evidence.measurement import (
    Measurement,
    MeasurementFailed,
    Outcome,
    equals,
    in_range,
    one_of,
)
from harness.evidence.recorder import ScenarioEvidence
from harness.evidence.redaction import SecretFilter


def test_in_range_bounds_are_inclusive_and_may_be_open() -> None:
    check = in_range(1, 5)
    assert check(1) and check(5) and check(3.5)
    assert not check(0.999) and not check(5.001)
    assert in_range(minimum=10)(1e9) and not in_range(minimum=10)(9)
    assert in_range(maximum=0)(-3) and not in_range(maximum=0)(0.1)


def test_in_range_refuses_non_numbers_and_nan() -> None:
    check = in_range(0, 10)
    assert not check("5")
    assert not check(True)
    assert not check(None)
    assert not check(math.nan)


def test_in_range_needs_consistent_limits() -> None:
    with pytest.raises(ValueError, match="minimum"):
        in_range(5, 1)
    with pytest.raises(ValueError):
        in_range()


def test_equals_is_type_strict() -> None:
    assert equals("0x0000")("0x0000")
    assert not equals(1)(True)
    assert not equals("1")(1)


def test_measurement_outcome_and_dict() -> None:
    m = Measurement("transfer_rate", 1234.5678, "bytes/min", in_range(1000, None))
    assert m.outcome is Outcome.PASS
    d = m.to_dict()
    assert d == {
        "name": "transfer_rate",
        "value": 1234.568,
        "units": "bytes/min",
        "validator": {"kind": "in_range", "min": 1000, "max": None},
        "outcome": "pass",
        "description": "",
    }
    assert Measurement("x", 3).outcome is Outcome.UNSET
    assert Measurement("x", 3, validator=in_range(4, 5)).outcome is Outcome.FAIL


def test_recorder_records_every_measurement_then_raises_the_first_failure() -> None:
    evidence = ScenarioEvidence(SecretFilter(), None, "s")
    evidence.measure("ok", 2, units="s", low=1, high=3)
    evidence.measure("late", 9, units="s", low=0, high=3)
    evidence.measure("code", "E1", one_of=("I0", "I99"))
    evidence.measure("after", True, equals=True)
    outcomes = [(m["name"], m["outcome"]) for m in evidence.as_dict()["measurements"]]
    assert outcomes == [("ok", "pass"), ("late", "fail"), ("code", "fail"), ("after", "pass")]
    with pytest.raises(MeasurementFailed, match="late = 9 s outside 0 <= x <= 3"):
        evidence.check()


def test_measure_declares_one_validator_and_can_expect_none() -> None:
    evidence = ScenarioEvidence(SecretFilter(), None, "s")
    assert evidence.measure("absent", None, equals=None).outcome is Outcome.PASS
    assert evidence.measure("free", None).outcome is Outcome.UNSET
    assert evidence.measure("code", "I0", one_of=["I0"]).validator == one_of("I0")
    with pytest.raises(TypeError, match="give one validator, not equals and low/high"):
        evidence.measure("both", 1, equals=1, low=0)
    evidence.check()  # nothing failed
