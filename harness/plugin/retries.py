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
from _pytest.runner import runtestprotocol

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
        # Between attempts, tear down only the scenario's own (function-scoped) fixtures.
        after = nextitem if final else item.parent
        reports = runtestprotocol(item, log=False, nextitem=after)  # type: ignore[arg-type]
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


def pytest_report_teststatus(report: pytest.TestReport) -> tuple[str, str, tuple[str, Any]] | None:
    if report.outcome == RERUN:
        return RERUN, "R", ("RERUN", {"yellow": True})
    return None
