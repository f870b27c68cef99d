"""Reruns of a failed scenario: ``--hil-retries N`` for every scenario, or the marker
``@pytest.mark.retries(N)`` for one (the marker wins).

A scenario that fails (in setup, call or teardown) is run again, up to N more times, with fresh
function-scoped fixtures; session and module fixtures (the rig) stay up. Each failed attempt is kept
(verdict, failure, traceback, duration) in :data:`~harness.plugin.verdicts.ATTEMPTS`; the
scenario's record lists them, and one that passes on a later attempt is ``flaky``, never ``pass``.
The terminal shows a failed attempt that was retried as ``R`` (RERUN).
"""

from __future__ import annotations

from typing import Any

import pytest
from _pytest.reports import TestReport
from _pytest.runner import call_and_report

from harness.plugin.state import RUN_STATE
from harness.plugin.verdicts import ATTEMPTS, REPORTS, RIG_FAULT, scenario_verdict

MARKER = "retries"
OPTION = "hil_retries"
RERUN = "rerun"
FAILURE_TEXT_LIMIT = 8000


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("smets1-hil")
    group.addoption(
        "--hil-retries",
        dest=OPTION,
        metavar="N",
        type=int,
        default=0,
        help="run a failed scenario up to N more times; one passing later is recorded as flaky "
        "(default 0; the retries(N) marker overrides it per scenario)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(n): rerun this scenario up to n times when it fails (a later pass is flaky)",
    )
    if int(config.getoption(OPTION, 0) or 0) < 0:
        raise pytest.UsageError("--hil-retries: must be 0 or more")


def allowed_retries(item: pytest.Item) -> int:
    mark = item.get_closest_marker(MARKER)
    if mark is not None:
        value = mark.args[0] if mark.args else mark.kwargs.get("n")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise pytest.UsageError(f"{item.nodeid}: {MARKER}(n) takes one whole number >= 0")
        return value
    return int(item.config.getoption(OPTION, 0) or 0)


def _scrub(config: pytest.Config, text: str | None) -> str | None:
    if text is None:
        return None
    state = config.stash.get(RUN_STATE, None)
    return state.secrets.scrub(text) if state is not None else text


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    retries = allowed_retries(item)
    if retries == 0:
        return None
    hook = item.ihook
    hook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    attempts: list[dict[str, Any]] = []
    item.stash[ATTEMPTS] = attempts
    for attempt in range(1, retries + 2):
        item.stash[REPORTS] = {}
        if RIG_FAULT in item.stash:
            del item.stash[RIG_FAULT]  # each attempt's own
        final = attempt == retries + 1
        reports = _attempt(item, nextitem, final)
        failed = any(report.failed for report in reports)
        stopping = bool(item.session.shouldstop or item.session.shouldfail)
        if not failed or final or stopping:
            for report in reports:
                hook.pytest_runtest_logreport(report=report)
            break
        verdict, failure, traceback = scenario_verdict(
            {r.when: r for r in reports}, item.stash.get(RIG_FAULT, None)
        )
        attempts.append(
            {
                "attempt": attempt,
                "verdict": verdict,
                "failure": (_scrub(item.config, failure) or "")[:FAILURE_TEXT_LIMIT] or None,
                "traceback": (_scrub(item.config, traceback) or "")[-FAILURE_TEXT_LIMIT:] or None,
                "duration_s": round(sum(r.duration for r in reports), 3),
            }
        )
        for report in reports:
            if report.failed:
                report.outcome = RERUN  # type: ignore[assignment]
            hook.pytest_runtest_logreport(report=report)
    hook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


def _attempt(item: pytest.Item, nextitem: pytest.Item | None, final: bool) -> list[TestReport]:
    """One run of the scenario, as pytest's ``runtestprotocol``, except where teardown stops.

    Before another attempt only the scenario's own (function-scoped) fixtures are torn down;
    after the last one (a pass, the final attempt, or a session told to stop) everything down to
    the next item's, as pytest would: leaving this module's fixtures up would fail the next
    module's first scenario ("previous item was not torn down properly").
    """
    if hasattr(item, "_request") and not item._request:
        item._initrequest()  # type: ignore[attr-defined]  # a rerun: a fresh fixture request
    try:
        reports = [call_and_report(item, "setup", log=False)]
        if reports[0].passed and not item.config.getoption("setuponly", False):
            reports.append(call_and_report(item, "call", log=False))
        session = item.session
        if session.shouldfail or session.shouldstop:
            after: pytest.Item | None = None
        elif final or not any(report.failed for report in reports):
            after = nextitem
        else:
            after = item.parent  # type: ignore[assignment]
        reports.append(call_and_report(item, "teardown", log=False, nextitem=after))
    finally:
        if hasattr(item, "_request"):
            item._request = False
            item.funcargs = None  # type: ignore[attr-defined]
    return reports


def pytest_report_teststatus(report: pytest.TestReport) -> tuple[str, str, tuple[str, Any]] | None:
    if report.outcome == RERUN:
        return RERUN, "R", ("RERUN", {"yellow": True})
    return None
