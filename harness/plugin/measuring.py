"""A scenario whose measurement fell outside its limits fails when its body ends, with the first
such measurement, after every measurement it made has been recorded (see
:mod:`harness.evidence.recorder`)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from harness.plugin.evidence_hooks import EVIDENCE_STASH


def _first_failure(item: pytest.Item) -> BaseException | None:
    recorder = item.stash.get(EVIDENCE_STASH, None)
    return None if recorder is None else recorder.first_failure


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    __tracebackhide__ = True
    try:
        result = yield
    except Exception as exc:
        failure = _first_failure(item)
        if failure is None or failure is exc or isinstance(exc, pytest.skip.Exception):
            raise
        # the body broke after a measurement had already failed: that failure comes first
        raise failure from exc
    failure = _first_failure(item)
    if failure is not None:
        raise failure
    return result
