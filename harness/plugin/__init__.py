"""pytest plugin of smets1-hil (registered through the ``pytest11`` entry point)."""
