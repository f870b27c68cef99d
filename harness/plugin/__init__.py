"""pytest plugin of smets1-hil (registered through the ``pytest11`` entry point).

Loaded by every pytest run in an environment where smets1-hil is installed, so it does nothing
unless asked: its options default to off, its fixtures are lazy (the embedded emulated rig starts
only when a test requests the ``rig`` fixture or a device), and evidence is written only with
``--hil-evidence DIR``.
"""

pytest_plugins = [
    "harness.plugin.options",
    "harness.plugin.markers",
    "harness.plugin.retries",
    "harness.plugin.hooks",
    "harness.plugin.measuring",
    "harness.plugin.preflight",
    "harness.plugin.recovery",
    "harness.plugin.fixtures",
]
