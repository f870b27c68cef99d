"""Command-line options of the plugin: the rig file, the behaviour profile, the evidence directory."""

from __future__ import annotations

import pytest

from harness.migration import PROFILES, UPLIFT_1_2

DEFAULT_PROFILE = UPLIFT_1_2


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("smets1-hil", "smets1-hil hardware-in-the-loop suite")
    group.addoption(
        "--rig",
        metavar="FILE",
        default=None,
        help="rig file (TOML) describing the radio and devices; default: start the embedded emulated rig",
    )
    group.addoption(
        "--profile",
        choices=PROFILES,
        default=DEFAULT_PROFILE,
        help=f"behaviour profile of the DCC-side model (default {DEFAULT_PROFILE})",
    )
    group.addoption(
        "--evidence",
        metavar="DIR",
        default=None,
        help="write an evidence bundle into DIR (a new or empty directory); default: no evidence",
    )
