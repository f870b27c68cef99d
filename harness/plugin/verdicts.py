"""A scenario's verdict from its setup, call and teardown reports."""

from __future__ import annotations

import pytest

REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


def scenario_verdict(reports: dict[str, pytest.TestReport]) -> tuple[str, str | None]:
    """``pass``, ``fail`` (the scenario's check failed), ``error`` (setup or teardown broke) or
    ``skipped``; with the failure text where there is one."""
    setup = reports.get("setup")
    call = reports.get("call")
    teardown = reports.get("teardown")
    if setup is not None and setup.failed:
        return "error", setup.longreprtext
    if setup is not None and setup.skipped:
        return "skipped", _skip_reason(setup)
    if call is not None and call.failed:
        return "fail", call.longreprtext
    if call is not None and call.skipped:
        return "skipped", _skip_reason(call)
    if teardown is not None and teardown.failed:
        return "error", teardown.longreprtext
    if call is not None and call.passed:
        return "pass", None
    return "error", "the scenario did not run to completion"


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)
