"""Every Python example in README.md and docs/*.md runs as a test (sybil), so the docs cannot rot.

Each ```python block of a page is one test; the blocks of a page share one namespace, in order, and
run in a fresh temporary directory. An example may use these names without defining them:

- ``repo``: the Path of the checkout (an invisible block may read its own page from there).

``<!-- invisible-code-block: python ... -->`` runs code the reader does not need to see (e.g. the
check that a documented test file passes).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser


@pytest.fixture
def repo() -> Path:
    """The checkout's root (for an example that reads its own page)."""
    return Path(__file__).resolve().parent


@pytest.fixture
def _example_workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path


pytest_collect_file = Sybil(
    parsers=[PythonCodeBlockParser()],
    patterns=["README.md", "docs/*.md"],
    fixtures=["_example_workdir", "repo"],
    name="docs",
).pytest()
