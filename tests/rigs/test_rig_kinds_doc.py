"""The example of docs/rig-kinds.md runs as written: a new kind registered and used."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

from rigs import kinds

DOC = Path(__file__).resolve().parents[2] / "docs" / "rig-kinds.md"


def test_the_example_kind_runs_as_written() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert blocks, "docs/rig-kinds.md has no Python example"
    module = types.ModuleType("rig_kinds_doc")  # dataclasses look their module up
    sys.modules[module.__name__] = module
    try:
        for block in blocks:
            exec(compile(block, str(DOC), "exec"), module.__dict__)  # noqa: S102
        assert kinds.get("optical", "port").summary.startswith("an IEC 62056-21")
    finally:
        kinds._registry.pop("optical", None)
        del sys.modules[module.__name__]
