"""Command-line options of the plugin: the rig file, the behaviour profile, the evidence directory.

Every option carries the ``--hil-`` prefix: the plugin loads in every pytest run of an environment
where smets1-hil is installed, so a generic name (``--profile``) would collide with other plugins
(pytest-profiling has one). ``smets1-hil run`` keeps its short flags and translates them.
"""

from __future__ import annotations

import pytest

from harness.migration import PROFILES, UPLIFT_1_2

DEFAULT_PROFILE = UPLIFT_1_2

RIG = "--hil-rig"
PROFILE = "--hil-profile"
EVIDENCE = "--hil-evidence"
CHANGES = "--hil-changes"
DUIS_XSD = "--hil-duis-xsd"
REQUIRE_SCHEMA = "--hil-require-schema"
SIGN_KEY = "--hil-sign-key"
SUITE = "--hil-suite"
REQUIREMENTS = "--hil-requirements"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("smets1-hil", "smets1-hil hardware-in-the-loop suite")
    group.addoption(
        RIG,
        dest="hil_rig",
        metavar="FILE",
        default=None,
        help="rig file (TOML) describing the radio and devices; default: start the embedded emulated rig",
    )
    group.addoption(
        PROFILE,
        dest="hil_profile",
        choices=PROFILES,
        default=DEFAULT_PROFILE,
        help=f"behaviour profile of the DCC-side model (default {DEFAULT_PROFILE})",
    )
    group.addoption(
        CHANGES,
        dest="hil_changes",
        metavar="CHANGES",
        default=None,
        help="the Uplift 1.2 changes in force, comma-separated (ppmid-firmware, "
        "mprn-leading-zeros, pin-keep); overrides the profile (uplift-1.2 = all, baseline = none)",
    )
    group.addoption(
        EVIDENCE,
        dest="hil_evidence",
        metavar="DIR",
        default=None,
        help="write an evidence bundle into DIR (a new or empty directory); default: no evidence",
    )
    group.addoption(
        DUIS_XSD,
        dest="hil_duis_xsd",
        metavar="FILE",
        default=None,
        help="the DUIS 5.4 XSD to validate DUIS XML against (default: $SMETS1_HIL_DUIS_XSD, then "
        "../shared/duis/ from the current directory and from the source checkout)",
    )
    group.addoption(
        REQUIRE_SCHEMA,
        dest="hil_require_schema",
        action="store_true",
        default=False,
        help="refuse to run when no DUIS XSD is found (default: warn once and record it)",
    )
    group.addoption(
        SIGN_KEY,
        dest="hil_sign_key",
        metavar="NAME.key",
        default=None,
        help="sign the bundle's manifest with this Ed25519 key (smets1-hil evidence keygen)",
    )
    group.addoption(
        SUITE,
        dest="hil_suite",
        metavar="NAME",
        default="uplift-1.2",
        help="the packaged suite whose requirements and profiles the run uses (default uplift-1.2)",
    )
    group.addoption(
        REQUIREMENTS,
        dest="hil_requirements",
        metavar="FILE",
        default=None,
        help="the lab's own requirements (TOML [[requirements]] with id, title, clause); "
        "default: the rig file's `requirements`, if it names one",
    )
