"""EZSP frames of a unicast's round trip, in pure Python (the reference twin of _ezsp_c).

Silicon Labs UG100 (EZSP Reference Guide), the extended frame layout of protocol versions 8 to
13: ``sequence, frame control (2 bytes), frame ID (2 bytes, little-endian), parameters``. Integers
are little-endian; ``messageContents`` is one length byte and the bytes. The frames:

- ``sendUnicast`` (0x0034) command: ``type, indexOrDestination (2), apsFrame (11), messageTag,
  messageContents``; its response: ``status, sequence``.
- ``messageSentHandler`` (0x003F): ``type, indexOrDestination (2), apsFrame (11), messageTag,
  status, messageContents``.
- ``incomingMessageHandler`` (0x0045): ``type, apsFrame (11), lastHopLqi, lastHopRssi (signed),
  sender (2), bindingIndex, addressIndex, messageContents``.

``apsFrame`` is ``profileId (2), clusterId (2), sourceEndpoint, destinationEndpoint, options (2),
groupId (2), sequence``. The frame control bytes are not interpreted (a host reads a response or
callback by its frame ID and sequence number).
"""

from __future__ import annotations

import struct

SEND_UNICAST = 0x0034
MESSAGE_SENT_HANDLER = 0x003F
INCOMING_MESSAGE_HANDLER = 0x0045
FRAME_CONTROL_COMMAND = b"\x00\x01"  # low byte 0 (a command), high byte 1 (frame format 1)
MAX_MESSAGE = 254  # one length byte; 255 is kept back, as zigpy's LVBytes refuses it

_HEADER = struct.Struct("<B2sH")
_SEND_UNICAST = struct.Struct("<BHHHBBHHBB")
_MESSAGE_SENT = struct.Struct("<BHHHBBHHBBBB")
_INCOMING = struct.Struct("<BHHBBHHBBbHBBB")

__all__ = [
    "FRAME_CONTROL_COMMAND",
    "INCOMING_MESSAGE_HANDLER",
    "MAX_MESSAGE",
    "MESSAGE_SENT_HANDLER",
    "SEND_UNICAST",
    "decode_hot_frame",
    "send_unicast_frame",
]


def _int(value: object, low: int, high: int, name: str) -> int:
    if not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be in {low}..{high}, got {value}")
    return int(value)


def send_unicast_frame(
    sequence: int,
    outgoing_type: int,
    destination: int,
    profile: int,
    cluster: int,
    src_ep: int,
    dst_ep: int,
    options: int,
    group: int,
    aps_sequence: int,
    tag: int,
    message: bytes,
) -> bytes:
    """The whole ``sendUnicast`` command frame (header included)."""
    data = bytes(memoryview(message))
    if len(data) > MAX_MESSAGE:
        raise ValueError(f"messageContents of {len(data)} bytes is over {MAX_MESSAGE}")
    return (
        _HEADER.pack(_int(sequence, 0, 0xFF, "sequence"), FRAME_CONTROL_COMMAND, SEND_UNICAST)
        + _SEND_UNICAST.pack(
            _int(outgoing_type, 0, 0xFF, "type"),
            _int(destination, 0, 0xFFFF, "destination"),
            _int(profile, 0, 0xFFFF, "profile"),
            _int(cluster, 0, 0xFFFF, "cluster"),
            _int(src_ep, 0, 0xFF, "src_ep"),
            _int(dst_ep, 0, 0xFF, "dst_ep"),
            _int(options, 0, 0xFFFF, "options"),
            _int(group, 0, 0xFFFF, "group"),
            _int(aps_sequence, 0, 0xFF, "aps_sequence"),
            _int(tag, 0, 0xFF, "tag"),
        )
        + bytes((len(data),))
        + data
    )


def decode_hot_frame(frame: bytes) -> tuple[int | bytes, ...] | None:
    """Decode a ``sendUnicast`` response, ``messageSentHandler`` or ``incomingMessageHandler``.

    Returns a flat tuple ``(sequence, frame_id, fields...)``:

    - 0x0034: ``status, aps_sequence``
    - 0x003F: ``type, destination, profile, cluster, src_ep, dst_ep, options, group,
      aps_sequence, tag, status, message``
    - 0x0045: ``type, profile, cluster, src_ep, dst_ep, options, group, aps_sequence, lqi,
      rssi, sender, binding_index, address_index, message``

    ``None`` for any other frame, and for one of these whose parameters do not fill it exactly
    (short, or with bytes after ``messageContents``): such a frame is for a general parser.
    """
    data = bytes(memoryview(frame))
    if len(data) < 5:
        return None
    sequence, _control, frame_id = _HEADER.unpack_from(data)
    size = len(data) - 5
    if frame_id == SEND_UNICAST:
        if size != 2:
            return None
        return (sequence, frame_id, data[5], data[6])
    if frame_id == MESSAGE_SENT_HANDLER:
        fixed = _MESSAGE_SENT.size
        if size < fixed or size != fixed + data[5 + fixed - 1]:
            return None
        return (sequence, frame_id, *_MESSAGE_SENT.unpack_from(data, 5)[:-1], data[5 + fixed :])
    if frame_id == INCOMING_MESSAGE_HANDLER:
        fixed = _INCOMING.size
        if size < fixed or size != fixed + data[5 + fixed - 1]:
            return None
        return (sequence, frame_id, *_INCOMING.unpack_from(data, 5)[:-1], data[5 + fixed :])
    return None
