"""Every counter the rig keeps about lost frames, and every counter that makes a port count as
losing bytes, is named where docs/coprocessors.md and docs/evidence.md list them."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from rigs.zigbee.rig import LOSS_SIGNS, ZigbeeRig

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _rig_counters() -> list[str]:
    source = inspect.getsource(ZigbeeRig.recovery_counts)
    names = re.findall(r'"(\w+)": ', source)
    assert "limits_extended" in names and "reads_asked_again" in names  # the pattern still reads
    return names


@pytest.mark.parametrize("doc", ["coprocessors.md", "evidence.md"])
def test_each_rig_counter_is_documented(doc: str) -> None:
    text = " ".join((DOCS / doc).read_text("utf-8").split())
    missing = [name for name in _rig_counters() if f"`{name}`" not in text]
    assert not missing, f"docs/{doc} does not name {missing}"


def test_each_sign_of_loss_is_documented() -> None:
    text = (DOCS / "coprocessors.md").read_text("utf-8")
    start = text.index("**Time limits on a port losing bytes**")
    bullet = " ".join(text[start : text.index("\n- **", start)].split())
    missing = [name for name in LOSS_SIGNS if f"`{name}`" not in bullet]
    assert not missing, f"the time-limits paragraph does not name {missing}"
