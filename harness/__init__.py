"""smets1-hil harness: what is tested and what it proves (DUIS, DCC-side model, suite, evidence)."""

__version__ = "0.1.0"
