"""Every Python example in README.md and docs/*.md runs as a test (sybil), so the docs cannot rot.

Each ```python block of a page is one test; the blocks of a page share one namespace, in order, and
run in a fresh temporary directory. An example may use these names without defining them:

- ``repo``: the Path of the checkout (an invisible block may read its own page from there).

``<!-- invisible-code-block: python ... -->`` runs code the reader does not need to see (e.g. the
check that a documented test file passes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent
DOC_PATTERNS = ["README.md", "docs/*.md"]


@pytest.fixture
def repo() -> Path:
    """The checkout's root (for an example that reads its own page)."""
    return ROOT


@pytest.fixture
def _example_workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path


class SybilMissing(pytest.File):
    """A page of examples that cannot run here: its collection fails, saying why."""

    def collect(self) -> list[pytest.Item]:
        raise self.CollectError(
            f"{self.path.name}: its examples run with sybil, which is not installed "
            "(pip install -e '.[test]')"
        )


def _is_doc(file_path: Path) -> bool:
    return file_path.is_relative_to(ROOT) and any(
        file_path.relative_to(ROOT).match(pattern) for pattern in DOC_PATTERNS
    )


def _without_sybil(parent: pytest.Collector, file_path: Path) -> pytest.File | None:
    return SybilMissing.from_parent(parent, path=file_path) if _is_doc(file_path) else None


def _doc_collector() -> Callable[..., Any]:
    try:
        from sybil import Sybil
        from sybil.parsers.markdown import PythonCodeBlockParser
    except ModuleNotFoundError:
        # An install without the test extra (a virtualenv inside this checkout makes pytest load
        # this file for the installed suite too): the suite runs; a page of examples fails.
        return _without_sybil
    return Sybil(
        parsers=[PythonCodeBlockParser()],
        patterns=DOC_PATTERNS,
        fixtures=["_example_workdir", "repo"],
        name="docs",
    ).pytest()


pytest_collect_file = _doc_collector()
