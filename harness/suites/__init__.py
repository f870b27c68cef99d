"""Test suites installed with smets1-hil and run by ``smets1-hil run``."""
