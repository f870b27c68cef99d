"""The SMETS1 Uplift 1.2 suite: scenarios for every requirement, each marked with its id.

Run with ``smets1-hil run`` (or ``pytest --pyargs harness.suites.uplift_1_2``); every scenario
passes against the ``uplift-1.2`` profile, and a ``baseline`` run fails on exactly the Uplift 1.2
requirements.
"""

from pathlib import Path

SUITE_DIR = Path(__file__).resolve().parent
