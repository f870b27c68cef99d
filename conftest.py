"""Every Python example in README.md and docs/*.md runs as a test (sybil), so the docs cannot rot.

Each ```python block of a page is one test; the blocks of a page share one namespace, in order, and
run in a fresh temporary directory. An example may use these names without defining them:

- ``shared``: the Path of the shared data folder beside the checkout (``../shared``), for
  examples that read the DUIS XSD or templates; the example is skipped when it is absent.

``<!-- skip: next "reason" -->`` before a block skips it (say why: a block that needs hardware).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser

SHARED = Path(__file__).resolve().parent.parent / "shared"


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"the shared data folder {SHARED} is absent")
    return SHARED


@pytest.fixture
def _example_workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path


pytest_collect_file = Sybil(
    parsers=[PythonCodeBlockParser(), SkipParser()],
    patterns=["README.md", "docs/*.md"],
    fixtures=["_example_workdir"],
    name="docs",
).pytest()
