"""How a pytest started by smets1-hil (or by a test) gets this plugin loaded exactly once.

An installed smets1-hil registers the plugin through the ``pytest11`` entry point; a source tree
that is not installed does not, and then the plugin is named with ``-p``. Naming it when the entry
point already loads it would register it twice, which pytest refuses.
"""

from __future__ import annotations

import os
from importlib import metadata

ENTRY_POINT = "smets1_hil"
MODULE = "harness.plugin"


def entry_point_active() -> bool:
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return False
    return any(
        ep.name == ENTRY_POINT and ep.value.strip() == MODULE
        for ep in metadata.entry_points(group="pytest11")
    )


def plugin_args() -> list[str]:
    """The pytest arguments that make sure the plugin is loaded: ``[]`` or ``["-p", MODULE]``."""
    return [] if entry_point_active() else ["-p", MODULE]
