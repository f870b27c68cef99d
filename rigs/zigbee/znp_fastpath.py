# zigpy-znp is untyped: its protocol class and frame types are Any to strict mypy.
# mypy: disable-error-code="misc,no-any-return"
"""``fastpath.mt`` in zigpy-znp's UART receive and transmit path, for the versions tested.

zigpy-znp 1.1.x frames MT in pure Python: ``ZnpMtProtocol.data_received`` appends to a buffer and
parses one ``TransportFrame`` at a time (length check, FCS over a copy, header deserialisation),
and ``send`` serialises a ``TransportFrame``. :class:`FastMtProtocol` keeps zigpy-znp's protocol
(connection handling, the API it hands frames to) and replaces those two with ``fastpath.mt``'s
stream decoder and encoder: every whole, FCS-valid frame becomes the same ``GeneralFrame``
zigpy-znp would have built. :func:`install` makes ``zigpy_znp.uart.connect`` build it instead of
``ZnpMtProtocol`` — only for a version in :data:`TESTED_VERSIONS`; any other keeps zigpy-znp's own
codec, and :func:`status` says which is in use (``smets1-hil info``, the evidence).

With :func:`trace_port`, the rig's radio trace records every MT frame in both directions (the
PIN of engineering-cluster PIN commands masked).

On damaged input: zigpy-znp drops the bytes of a frame with a bad FCS only up to the next SOF
byte, so a frame that a lost byte made take the start of the next one for its own does not take
the next one with it. The stream decoder does the same (``rescan=True``: a frame whose FCS fails
is searched again for a start of frame after its SOF), and counts what it drops
(``FastMtProtocol.decoder.stats``).
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from fastpath import mt
from rigs.trace import TraceWriter
from rigs.zigbee.engineering_cluster import mask_pin
from rigs.zigbee.library_codec import CodecStatus, codec_status, installed_version, keeps_own_codec

LOGGER = logging.getLogger(__name__)
UART_LOGGER = logging.getLogger("zigpy_znp.uart")
API_LOGGER = logging.getLogger("zigpy_znp.api")

TESTED_VERSIONS = frozenset({"1.1.1"})
LIBRARY = "zigpy-znp"

__all__ = [
    "LIBRARY",
    "TESTED_VERSIONS",
    "CodecStatus",
    "install",
    "redact_mt_frame",
    "status",
    "trace_port",
]

_installed: list[Any] = []  # the FastMtProtocol instances made since install()
# the AF data requests whose ZCL data a trace masks (cmd1 of an SREQ of the AF subsystem)
AF = 0x04  # the AF subsystem (cmd0 low five bits)
AF_DATA_REQUEST, AF_DATA_REQUEST_EXT, AF_DATA_REQUEST_SRC_RTG = 0x01, 0x02, 0x03
TRACE_DECODER = "zstack-mt"

_traces: dict[str, TraceWriter] = {}  # port URL -> the trace of the rig opening it


def trace_port(url: str, trace: TraceWriter | None) -> None:
    """Record the MT frames zigpy-znp exchanges over ``url`` in ``trace`` (None: stop).

    Frames are recorded by the fastpath protocol, whole and with the PIN of engineering-cluster
    PIN commands masked (:func:`redact_mt_frame`); with zigpy-znp's own codec (an untested
    version) nothing is recorded."""
    if trace is None:
        _traces.pop(url, None)
        return
    trace.use_decoder(TRACE_DECODER, redact=redact_mt_frame)
    _traces[url] = trace


def _af_data(cmd1: int, data: bytes) -> tuple[int, int, int] | None:
    """Cluster id, start and length of the ZCL data of an AF data request's fields."""
    if cmd1 == AF_DATA_REQUEST and len(data) >= 10:
        return int.from_bytes(data[4:6], "little"), 10, data[9]
    if cmd1 == AF_DATA_REQUEST_EXT and len(data) >= 20:
        return int.from_bytes(data[13:15], "little"), 20, int.from_bytes(data[18:20], "little")
    if cmd1 == AF_DATA_REQUEST_SRC_RTG and len(data) >= 10:
        start = 10 + 2 * data[9]
        if len(data) > start:
            return int.from_bytes(data[4:6], "little"), start + 1, data[start]
    return None


def redact_mt_frame(wire: bytes) -> bytes:
    """An MT frame (SOF .. FCS) with the PIN of an engineering-cluster PIN command masked."""
    if len(wire) < 5 or wire[2] & 0x1F != AF or wire[2] & 0xE0 != 0x20:  # AF SREQs only
        return wire
    data = wire[4:-1]
    found = _af_data(wire[3], data)
    if found is None:
        return wire
    cluster, start, length = found
    zcl = data[start : start + length]
    masked = mask_pin(cluster, zcl)
    if masked == zcl:
        return wire
    return mt.encode(wire[2], wire[3], data[:start] + masked + data[start + length :])


def library_version() -> str | None:
    return installed_version(LIBRARY)


def status() -> CodecStatus:
    """Which MT codec zigpy-znp runs with when :func:`install` has been called."""
    return codec_status(
        LIBRARY,
        library_version(),
        tested_versions=TESTED_VERSIONS,
        framing="MT",
        fast_codec="fastpath.mt",
    )


def _fast_protocol_class() -> type[Any]:
    """zigpy-znp's protocol with fastpath.mt framing (built on first use: zigpy-znp is optional)."""
    from zigpy_znp import frames
    from zigpy_znp import types as znp_t
    from zigpy_znp.logger import TRACE
    from zigpy_znp.uart import ZnpMtProtocol

    general_frame = frames.GeneralFrame
    header_type = znp_t.CommandHeader
    data_type = znp_t.Bytes
    new_frame = object.__new__
    headers: dict[int, Any] = {}  # cmd0 | cmd1 << 8 -> its CommandHeader (immutable, shared)

    class FastMtProtocol(ZnpMtProtocol):
        def __init__(self, api: Any, *, url: str | None = None) -> None:
            super().__init__(api, url=url)
            self.decoder = mt.Decoder(rescan=True)
            self.trace = _traces.get(url) if url is not None else None
            self.resyncs = 0
            # cmd0 | cmd1 << 8 -> a handler that takes a frame's data before zigpy-znp's API
            # does (True: taken); see AfFastpathMixin
            self.fast_frames: dict[int, Any] = {}
            self._earlier = (0, 0, 0, 0)  # the counters of decoders replaced by resync()

        def resync(self) -> None:
            """Forget a frame begun but not finished: when a byte of it was lost, the frame
            would otherwise take the bytes of the frames after it to make up its length."""
            self._earlier = self.decoder_counts()
            self.decoder = mt.Decoder(rescan=True)
            self.resyncs += 1

        def decoder_counts(self) -> tuple[int, int, int, int]:
            """Frames taken, frames dropped for a bad FCS, bytes skipped hunting for a start of
            frame, LEN bytes over 250: since the connection was made."""
            s = self.decoder.stats
            now = (s.frames, s.crc_errors, s.discarded, s.oversized)
            return tuple(a + b for a, b in zip(self._earlier, now, strict=True))  # type: ignore[return-value]

        def data_received(self, data: bytes) -> None:
            trace = self.trace
            for cmd0, cmd1, payload in self.decoder.feed(data):
                if trace is not None:
                    trace.record("rx", mt.encode(cmd0, cmd1, payload))
                key = cmd0 | cmd1 << 8
                fast = self.fast_frames.get(key)
                if fast is not None and fast(payload):
                    continue
                header = headers.get(key)
                if header is None:
                    header = headers[key] = header_type(key)
                # GeneralFrame(header, data) without its __init__ and __post_init__: they only
                # convert the two fields to these types and check len(data) <= 250, which the
                # decoder already guarantees (fastpath.mt.MAX_DATA)
                frame = new_frame(general_frame)
                fields = frame.__dict__
                fields["header"] = header
                fields["data"] = data_type(payload)
                try:
                    self._api.frame_received(frame)
                except Exception as exc:  # as zigpy-znp: log it, keep reading
                    LOGGER.error("exception while passing %s to zigpy-znp", frame, exc_info=exc)

        def send(self, payload: Any) -> None:
            header = payload.header
            self.send_wire(mt.encode(header & 0xFF, header >> 8, bytes(payload.data)))

        def send_wire(self, wire: bytes) -> None:
            """Write one whole MT frame (SOF .. FCS), traced as every frame sent is."""
            if self.trace is not None:
                self.trace.record("tx", wire)
            # ZnpMtProtocol.write formats every frame for its TRACE log line even when that
            # level is off; the transport write is all it does besides
            if UART_LOGGER.isEnabledFor(TRACE):
                self.write(wire)
            else:
                self._transport.write(wire)

    if mt.MAX_DATA > 250:  # GeneralFrame's own length check is skipped above
        raise RuntimeError("fastpath.mt takes frames longer than zigpy-znp allows")
    return FastMtProtocol


def _remove_listener(api_class: type[Any]) -> Any:
    """zigpy-znp's ``ZNP.remove_listener`` without its TRACE-only bookkeeping.

    zigpy-znp 1.1.1 counts every listener left (a ``Counter`` over all of them) after each
    removal, only for a TRACE log line; a request removes two listeners. With TRACE off this
    does the same removal and skips the count.
    """
    from zigpy_znp.logger import TRACE

    stock = api_class.remove_listener

    def remove_listener(self: Any, listener: Any) -> None:
        if API_LOGGER.isEnabledFor(TRACE):
            stock(self, listener)
            return
        listeners = self._listeners
        if not listeners:
            return
        for header in listener.matching_headers():
            waiting = listeners.get(header)
            if waiting is None:
                continue
            with contextlib.suppress(ValueError):
                waiting.remove(listener)
            if not waiting:
                del listeners[header]

    remove_listener._smets1_hil_stock = stock  # type: ignore[attr-defined]
    return remove_listener


def install() -> CodecStatus:
    """Put fastpath.mt into zigpy-znp's UART path if this zigpy-znp version is tested."""
    current = status()
    if keeps_own_codec(current, LOGGER):
        return current
    from zigpy_znp import api, uart

    if not getattr(uart.ZnpMtProtocol, "_smets1_hil_fastpath", False):
        fast = _fast_protocol_class()
        fast._smets1_hil_fastpath = True
        uart.ZnpMtProtocol = fast
    if not hasattr(api.ZNP.remove_listener, "_smets1_hil_stock"):
        api.ZNP.remove_listener = _remove_listener(api.ZNP)
    return current
