"""EUI-64 text: the one rule (rigs.eui64) and the DUIS forms built on it."""

from __future__ import annotations

import pytest

from harness.duis import DuisError, compact_eui64, normalise_eui64
from rigs.eui64 import canonical_eui64

ACCEPTED = [
    "00137A0300C0FFEE",
    "00137a0300c0ffee",
    "00:13:7A:03:00:C0:FF:EE",
    "00-13-7a-03-00-c0-ff-ee",
]
REJECTED = [
    "",
    "00137A0300C0FFE",  # 15 digits
    "00137A0300C0FFEE00",  # 18 digits
    "00137A0300C0FFEG",  # not hex
    "00:13-7A:03-00:C0-FF:EE",  # mixed separators
    "0013:7A03:00C0:FFEE",  # separators not between pairs
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_accepted_forms_give_the_bare_upper_case_form(text: str) -> None:
    assert canonical_eui64(text) == "00137A0300C0FFEE"
    assert compact_eui64(f" {text} ") == "00137A0300C0FFEE"
    assert normalise_eui64(text) == "00-13-7A-03-00-C0-FF-EE"


@pytest.mark.parametrize("text", REJECTED)
def test_other_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not an EUI-64"):
        canonical_eui64(text)
    with pytest.raises(DuisError, match="not an EUI-64"):
        normalise_eui64(text, field="DeviceID")
