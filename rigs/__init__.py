"""smets1-hil rigs: how devices are reached (serial links, ZigBee through zigpy, emulated devices).

PYTEST_DONT_REWRITE: the pytest plugin's distribution marks this package for assertion rewriting,
but ``smets1-hil run`` has imported it before pytest starts; it holds library code, not tests.
"""
