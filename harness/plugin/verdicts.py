"""A scenario's verdict from its setup, call and teardown reports.

``fail`` is a verdict on the device: its check did not hold. ``error`` is a verdict on the rig or
the run: setup or teardown broke, or the scenario's check was cut short by a rig fault (the radio
link lost, a port gone, the disk full), which says nothing about the device.
"""

from __future__ import annotations

import errno
from typing import Any

import pytest

REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()
RIG_FAULT = pytest.StashKey[str]()  # why a failed call was the rig's fault, not the device's
ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS, errno.EIO})
# the failed attempts before the current one of a scenario run with retries (harness.plugin.retries)
ATTEMPTS = pytest.StashKey[list[dict[str, Any]]]()


def rig_fault(item: pytest.Item, exception: BaseException | None) -> str | None:
    """Why the failure of ``item``'s call is a rig fault, or None if it is the device's.

    It is when the exception is a link that closed or could not open, or an I/O failure of the
    machine (disk full, file too large, read-only, I/O error), or when the rig's radio link is
    found lost once the call has ended (whatever the scenario's check then said).
    """
    from rigs.link.base import LinkClosed, LinkOpenError

    if isinstance(exception, (LinkClosed, LinkOpenError)):
        return f"rig fault: {exception}"
    if isinstance(exception, OSError) and exception.errno in ENVIRONMENT_ERRNOS:
        return f"rig fault: {exception.strerror or exception}"
    lost = _radio_link_lost(item)
    if lost is not None:
        return f"rig fault: the radio link is lost ({lost})"
    return None


def _radio_link_lost(item: pytest.Item) -> str | None:
    """What ended the radio link of the rig ``item`` used, if it has ended (else None)."""
    funcargs: dict[str, Any] = getattr(item, "funcargs", {}) or {}
    for value in funcargs.values():
        rig = value if hasattr(value, "ops") else getattr(value, "rig", None)
        check = getattr(getattr(rig, "ops", None), "link_lost", None)
        if callable(check):
            lost = check()
            if lost is not None:
                return str(lost) or type(lost).__name__
    return None


def scenario_verdict(
    reports: dict[str, pytest.TestReport], fault: str | None = None
) -> tuple[str, str | None, str | None]:
    """``pass``, ``fail`` (the scenario's check failed), ``error`` (setup or teardown broke, or
    ``fault``: the call failed through a rig fault) or ``skipped``; with a one-line reason and the
    full failure text where there is one."""
    setup = reports.get("setup")
    call = reports.get("call")
    teardown = reports.get("teardown")
    if setup is not None and setup.failed:
        return "error", _crash(setup), setup.longreprtext
    if setup is not None and setup.skipped:
        return "skipped", _skip_reason(setup), None
    if call is not None and call.failed:
        if fault is not None:
            return "error", f"{fault}; {_crash(call)}", call.longreprtext
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
