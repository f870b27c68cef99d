"""A scenario's verdict from its setup, call and teardown reports."""

from __future__ import annotations

import pytest

REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


def scenario_verdict(reports: dict[str, pytest.TestReport]) -> tuple[str, str | None, str | None]:
    """``pass``, ``fail`` (the scenario's check failed), ``error`` (setup or teardown broke) or
    ``skipped``; with a one-line reason and the full failure text where there is one."""
    setup = reports.get("setup")
    call = reports.get("call")
    teardown = reports.get("teardown")
    if setup is not None and setup.failed:
        return "error", _crash(setup), setup.longreprtext
    if setup is not None and setup.skipped:
        return "skipped", _skip_reason(setup), None
    if call is not None and call.failed:
        return "fail", _crash(call), call.longreprtext
    if call is not None and call.skipped:
        return "skipped", _skip_reason(call), None
    if teardown is not None and teardown.failed:
        return "error", _crash(teardown), teardown.longreprtext
    if call is not None and call.passed:
        return "pass", None, None
    return "error", "the scenario did not run to completion", None


def _crash(report: pytest.TestReport) -> str:
    """The failing line's message and where it was raised, e.g. ``AssertionError: ... (x.py:12)``."""
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is None:
        lines = report.longreprtext.strip().splitlines()
        return lines[-1] if lines else "failed"
    return f"{crash.message} ({crash.path}:{crash.lineno})"


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)
