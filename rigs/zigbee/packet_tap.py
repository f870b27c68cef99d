"""Packet taps: take chosen incoming frames before zigpy's ZCL machinery sees them.

A tap is registered for one NWK source address and one cluster; a received packet that matches
goes to the tap, and the tap says whether it consumed it (``True``) or zigpy should handle it as
usual (``False``). The OTA server uses this to decode its requests with ``fastpath.ota`` and answer
through ``send_packet``, with no per-request ``Cluster`` work. The mixin goes in front of any radio
library's ``ControllerApplication`` (radio libraries hand every frame to ``packet_received``).

A frame tap (:meth:`PacketTapMixin.frame_tap`) is the same for a radio of this project that can
hand over a frame before making zigpy's packet of it (the emulated radio): it gets the source and
destination endpoints and the frame's bytes; a frame it does not consume becomes a packet as usual
(and meets the packet tap).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import zigpy.types as t

PacketTap = Callable[[t.ZigbeePacket], bool]
FrameTap = Callable[[int, int, bytes], bool]  # (src_ep, dst_ep, data) -> consumed


class PacketTapMixin:
    """Put in front of a ``ControllerApplication`` class."""

    _packet_taps: dict[tuple[object, int], PacketTap] | None = None
    _frame_taps: dict[tuple[int, int], FrameTap] | None = None

    def packet_received(self, packet: t.ZigbeePacket) -> None:
        taps = self._packet_taps
        if taps:
            src = packet.src
            if src is not None and src.addr_mode == t.AddrMode.NWK:
                tap = taps.get((src.address, packet.cluster_id))
                if tap is not None and tap(packet):
                    return
        super().packet_received(packet)  # type: ignore[misc]

    @contextlib.contextmanager
    def packet_tap(self, nwk: int, cluster_id: int, tap: PacketTap) -> Iterator[None]:
        """Route frames of ``cluster_id`` from ``nwk`` to ``tap`` while the context is open."""
        key = (int(nwk), int(cluster_id))
        if self._packet_taps is None:
            self._packet_taps = {}
        if key in self._packet_taps:
            raise RuntimeError(f"a tap for NWK 0x{key[0]:04X} cluster 0x{key[1]:04X} is open")
        self._packet_taps[key] = tap
        try:
            yield
        finally:
            del self._packet_taps[key]

    @contextlib.contextmanager
    def frame_tap(self, nwk: int, cluster_id: int, tap: FrameTap) -> Iterator[None]:
        """Route frames of ``cluster_id`` from ``nwk`` to ``tap`` before they become packets,
        where the radio can (:func:`takes_frame_taps`), while the context is open."""
        key = (int(nwk), int(cluster_id))
        if self._frame_taps is None:
            self._frame_taps = {}
        if key in self._frame_taps:
            raise RuntimeError(f"a frame tap for NWK 0x{key[0]:04X} cluster 0x{key[1]:04X} is open")
        self._frame_taps[key] = tap
        try:
            yield
        finally:
            del self._frame_taps[key]


def takes_frame_taps(app: Any) -> bool:
    """True for a radio that offers frames to frame taps and sends frames (``send_frame_then``)."""
    return isinstance(app, PacketTapMixin) and hasattr(app, "send_frame_then")


def supports_taps(app: Any) -> bool:
    return isinstance(app, PacketTapMixin)
