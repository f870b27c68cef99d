"""The regression rule.

A run regresses when

- **throughput**: in a series of comparable transfers (same rig, device, firmware and transfer
  kind), its figure is more than ``threshold`` percent (default 10) below the median of the same
  series in the last ``window`` (default 7) earlier runs; a series with no earlier run has nothing
  to regress from; or
- **verdict**: a requirement that passed (cleanly or flaky) in the previous run on the same rig
  with the same profile fails in this one.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from sqlalchemy import Engine

from harness.results.defaults import DEFAULT_THRESHOLD_PERCENT, DEFAULT_WINDOW
from harness.results.queries import (
    Point,
    Run,
    Series,
    previous_run,
    requirement_verdicts,
    throughput_series,
)

PASSING = ("pass", "flaky")


@dataclass(frozen=True)
class Judged:
    """A point of a series measured against the median of the runs before it."""

    series: Series
    point: Point
    baseline: float | None  # median of the last ``window`` earlier points
    compared_with: int  # how many earlier points that median is of
    threshold: float

    @property
    def change_percent(self) -> float | None:
        if not self.baseline:
            return None
        return 100.0 * (self.point.value - self.baseline) / self.baseline

    @property
    def regressed(self) -> bool:
        if self.baseline is None:
            return False
        return self.point.value < self.baseline * (1.0 - self.threshold / 100.0)


@dataclass(frozen=True)
class Regression:
    kind: str  # throughput | verdict
    run_id: int
    message: str


def judge_series(
    series: Series, *, threshold: float = DEFAULT_THRESHOLD_PERCENT, window: int = DEFAULT_WINDOW
) -> list[Judged]:
    """Every point of ``series`` against the median of the ``window`` points before it."""
    judged = []
    for index, point in enumerate(series.points):
        earlier = [p.value for p in series.points[max(0, index - window) : index]]
        judged.append(
            Judged(
                series,
                point,
                statistics.median(earlier) if earlier else None,
                len(earlier),
                threshold,
            )
        )
    return judged


def describe(judged: Judged) -> str:
    p = judged.point
    return (
        f"throughput of {judged.series.key.describe(judged.series.role)}: "
        f"{p.value:.3f} {p.units} in run {p.run_id} is {abs(judged.change_percent or 0):.1f}% "
        f"below the median {judged.baseline:.3f} of the {judged.compared_with} run(s) before it "
        f"(threshold {judged.threshold:g}%)"
    )


def throughput_regressions(
    engine: Engine,
    run: Run,
    *,
    threshold: float = DEFAULT_THRESHOLD_PERCENT,
    window: int = DEFAULT_WINDOW,
) -> list[Regression]:
    found = []
    for series in throughput_series(engine):
        for judged in judge_series(series, threshold=threshold, window=window):
            if judged.point.run_id == run.id and judged.regressed:
                found.append(Regression("throughput", run.id, describe(judged)))
    return found


def verdict_changes(engine: Engine, before: Run, after: Run) -> list[tuple[str, str, str]]:
    """(requirement, verdict before, verdict after) for every requirement selected in both runs
    whose verdict differs."""
    old = requirement_verdicts(engine, before.id)
    new = requirement_verdicts(engine, after.id)
    changes = []
    for rid in sorted(set(old) & set(new)):
        both = old[rid]["selected"] and new[rid]["selected"]
        if both and old[rid]["verdict"] != new[rid]["verdict"]:
            changes.append((rid, old[rid]["verdict"], new[rid]["verdict"]))
    return changes


def verdict_regressions(engine: Engine, run: Run, before: Run | None = None) -> list[Regression]:
    before = before or previous_run(engine, run)
    if before is None:
        return []
    return [
        Regression(
            "verdict",
            run.id,
            f"requirement {rid}: {old} in run {before.id}, {new} in run {run.id}",
        )
        for rid, old, new in verdict_changes(engine, before, run)
        if old in PASSING and new == "fail"
    ]


def regressions(
    engine: Engine,
    run: Run,
    *,
    threshold: float = DEFAULT_THRESHOLD_PERCENT,
    window: int = DEFAULT_WINDOW,
    before: Run | None = None,
) -> list[Regression]:
    """Every regression of ``run`` by the rule above."""
    return throughput_regressions(
        engine, run, threshold=threshold, window=window
    ) + verdict_regressions(engine, run, before)
