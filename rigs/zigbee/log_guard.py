"""Keep PINs out of the radio libraries' debug logs.

The rig sends engineering-cluster commands (0xFC53) as pre-built frames so that zigpy's logging of
command arguments never sees a PIN, but a radio library may log whole packets at DEBUG level
(zigpy-znp 1.1.1: ``Sending packet ZigbeePacket(... cluster_id=64595, data=Serialized[b'...'])``),
PIN included. :func:`guard` puts a filter on every logger of a library that replaces the message
of any record mentioning the engineering cluster with a fixed line. Only records a logger would
emit pay for the check (filters run after the level check), so normal runs pay nothing.
"""

from __future__ import annotations

import logging

from rigs.zigbee.engineering_cluster import ENGINEERING_CLUSTER_ID

MASKED = (
    f"[a frame of the SMETS1 engineering cluster (0x{ENGINEERING_CLUSTER_ID:04X}) is not logged:"
    " it may carry a PIN]"
)
_MARKERS = (str(ENGINEERING_CLUSTER_ID), f"0x{ENGINEERING_CLUSTER_ID:04x}")


class EngineeringFrameFilter(logging.Filter):
    """Replaces the message of a record that mentions the engineering cluster."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage().lower()
        except Exception:  # noqa: BLE001  (a bad format string is logging's own error to report)
            return True
        if any(marker in message for marker in _MARKERS):
            record.msg, record.args = MASKED, None
            record.exc_info = record.exc_text = None
        return True


_FILTER = EngineeringFrameFilter()


def guard(library: str) -> int:
    """Filter every logger of ``library`` (e.g. ``"zigpy_znp"``) that exists now; returns how many
    were guarded. Call it after importing the library's modules."""
    manager = logging.Logger.manager
    count = 0
    for name in [library, *list(manager.loggerDict)]:
        if name != library and not name.startswith(library + "."):
            continue
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
            count += 1
    return count
