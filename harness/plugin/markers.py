"""The ``requirement(...)`` marker: which requirement ids a scenario gives evidence for.

PYTEST_DONT_REWRITE: ``smets1-hil run`` imports this module (through the evidence hooks) before
pytest loads it as a plugin; it holds no assertions to rewrite.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from harness.evidence.requirements import REQUIREMENTS

MARKER = "requirement"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*ids): the requirement ids (e.g. U12-FW-11.1) a scenario gives evidence for",
    )


def requirement_ids(item: pytest.Item) -> list[str]:
    """The requirement ids of an item, in marker order, without repeats."""
    ids: list[str] = []
    for mark in item.iter_markers(MARKER):
        for value in mark.args:
            if value not in ids:
                ids.append(value)
    return ids


def check_requirement_marks(items: list[pytest.Item], known: Mapping[str, object]) -> None:
    """Refuse a run whose scenarios name a requirement id that neither the suite nor the lab's
    requirements file declares."""
    for item in items:
        for mark in item.iter_markers(MARKER):
            if not mark.args or mark.kwargs:
                raise pytest.UsageError(
                    f"{item.nodeid}: requirement(...) takes one or more id strings"
                )
            for value in mark.args:
                if not isinstance(value, str) or value not in known:
                    raise pytest.UsageError(
                        f"{item.nodeid}: unknown requirement id {value!r} "
                        f"(known: {', '.join(known)}; a lab declares its own with "
                        "--requirements FILE)"
                    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from harness.plugin.state import RUN_STATE

    state = config.stash.get(RUN_STATE, None)
    check_requirement_marks(items, state.requirements if state else REQUIREMENTS)
