"""Throughput measurements for engineers: codecs, ZigBee OTA and serial image transfer.

These are the user-facing figures of ``smets1-hil bench``; the project's own side-by-side
benchmarks (with the anchors and targets of DESIGN.md) live in ``tests/benchmarks``.
"""
