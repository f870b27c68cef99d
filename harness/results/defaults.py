"""Defaults of regression detection (our settings), importable without the database layer."""

DEFAULT_THRESHOLD_PERCENT = 10.0
DEFAULT_WINDOW = 7
