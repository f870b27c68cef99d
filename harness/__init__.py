"""smets1-hil harness: what is tested and what it proves (DUIS, DCC-side model, suite, evidence).

PYTEST_DONT_REWRITE: the pytest plugin's distribution marks this package for assertion rewriting,
but ``smets1-hil run`` has imported it before pytest starts; it holds library code, not tests.
"""

__version__ = "0.1.0"
