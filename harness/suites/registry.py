"""Packaged suites: each one a unit that owns its scenarios, requirements and behaviour profiles.

A suite is one :class:`Suite` definition and a registration. This project registers its own here;
another installed package adds one through the ``smets1_hil.suites`` entry point group, naming a
:class:`Suite` object (``lab = "lab_suites.nightly:SUITE"``). ``smets1-hil run --suite NAME``
runs it; the default is ``uplift-1.2``.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from harness.errors import UserError
from harness.evidence.requirements import REQUIREMENTS, UPLIFT_IDS, Requirement

ENTRY_POINTS = "smets1_hil.suites"
DEFAULT_SUITE = "uplift-1.2"


@dataclass(frozen=True)
class Suite:
    name: str
    package: str  # the importable package holding the scenarios (and their pytest.ini)
    title: str
    requirements: Mapping[str, Requirement]
    profiles: tuple[str, ...]
    default_profile: str
    always_listed: tuple[str, ...] = ()  # ids shown in every summary, selected or not

    @property
    def directory(self) -> Path:
        module = importlib.import_module(self.package)
        assert module.__file__ is not None
        return Path(module.__file__).resolve().parent


_SUITES: dict[str, Suite] = {}


def register(suite: Suite) -> Suite:
    if suite.name in _SUITES and _SUITES[suite.name] != suite:
        raise ValueError(f"suite {suite.name!r} is registered twice")
    if suite.default_profile not in suite.profiles:
        raise ValueError(f"suite {suite.name!r}: default profile is not one of its profiles")
    _SUITES[suite.name] = suite
    return suite


def _load_entry_points() -> None:
    for entry in metadata.entry_points(group=ENTRY_POINTS):
        suite = entry.load()
        if not isinstance(suite, Suite):
            raise UserError(f"entry point {entry.name} ({entry.value}) is not a Suite")
        register(suite)


def suites() -> dict[str, Suite]:
    """Every registered suite, by name (this project's and those of installed packages)."""
    _load_entry_points()
    return dict(_SUITES)


def get_suite(name: str) -> Suite:
    if name in _SUITES:
        return _SUITES[name]
    known = suites()
    if name not in known:
        raise UserError(f"--suite {name}: no such suite (known: {', '.join(sorted(known))})")
    return known[name]


def _uplift_profiles() -> tuple[str, ...]:
    from harness.changes import PROFILES

    return tuple(PROFILES)


UPLIFT_1_2 = register(
    Suite(
        name=DEFAULT_SUITE,
        package="harness.suites.uplift_1_2",
        title="SMETS1 Uplift 1.2",
        requirements=REQUIREMENTS,
        profiles=_uplift_profiles(),
        default_profile="uplift-1.2",
        always_listed=UPLIFT_IDS,
    )
)
