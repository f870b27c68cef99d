"""The emulator's control channel: wire definitions shared by the emulator and its clients.

What no real co-processor offers (the devices' clock, a device's internal state, the radio port's
counters) is reached over a small local TCP socket beside the radio port, speaking JSON lines
(``docs/coprocessors.md``, "Control channel"). One request per line, one answer per line, in order::

    -> {"id": 1, "op": "clock.advance", "seconds": 3600}
    <- {"id": 1, "ok": true, "result": {"time": "2027-01-01T01:00:00+00:00"}}
    -> {"id": 2, "op": "device.state", "ieee": "00000000000000FF"}
    <- {"id": 2, "ok": false, "error": "no such device"}

This module imports nothing from the emulator, so host-side code can use it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

OPS = {
    "info": "co-processor kind, firmware, devices",
    "clock.now": "the devices' clock",
    "clock.set": "set the devices' clock to 'time' (ISO 8601 with a UTC offset)",
    "clock.advance": "advance the devices' clock by 'seconds'",
    "device.state": "a device's state by 'ieee' (16 hex digits); no PIN in it",
    "link.stats": "counters of the radio port (frames, bad frames, unknown commands)",
    "power.get": "whether device 'ieee' is powered",
    "power.set": "power device 'ieee' on ('on': true: it boots, keeping flash) or off ('on': "
    "false: silent on every port, volatile state lost)",
    "device.hang": "make device 'ieee' hang: powered, but silent on every port until its power "
    "is cycled (a fault for tests)",
}
"""Operation name -> what it does."""

MAX_LINE = 1 << 20  # longest request or answer line, in bytes
SCHEME = "tcp://"


class ControlError(Exception):
    """A control request failed; the message is the emulator's one-line reason."""


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    """One JSON object from one line; ControlError if it is not one."""
    try:
        value = json.loads(line)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ControlError(f"not a JSON line: {exc}") from None
    if not isinstance(value, dict):
        raise ControlError("a control message is a JSON object")
    return value


def time_text(moment: dt.datetime) -> str:
    return moment.isoformat()


def parse_time(text: object) -> dt.datetime:
    if not isinstance(text, str):
        raise ControlError("a time is an ISO 8601 string")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ControlError(f"not an ISO 8601 time: {text!r}") from None
    if moment.tzinfo is None:
        raise ControlError("the device clock needs a time with a UTC offset")
    return moment


def url(host: str, port: int) -> str:
    return f"{SCHEME}{host}:{port}"


def parse_url(text: str) -> tuple[str, int]:
    """``tcp://HOST:PORT`` -> (host, port); ValueError with a one-line reason otherwise."""
    if not text.startswith(SCHEME):
        raise ValueError(f"control address must be {SCHEME}HOST:PORT, got {text!r}")
    host, sep, port = text[len(SCHEME) :].rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) <= 65535:
        raise ValueError(f"control address must be {SCHEME}HOST:PORT, got {text!r}")
    return host.strip("[]") or "127.0.0.1", int(port)
