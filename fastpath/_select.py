"""Choosing the implementation: compiled by default, pure when SMETS1_HIL_PURE asks for it."""

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType, SimpleNamespace
from typing import Literal

PURE_ENV_VAR = "SMETS1_HIL_PURE"
ImplementationName = Literal["compiled", "pure"]

_SUFFIX: dict[str, str] = {"compiled": "_c", "pure": "_py"}

# What each implementation supplies itself; constants and control-byte helpers are plain
# Python, shared by both and taken from the pure module.
_OWN_NAMES: dict[str, tuple[str, ...]] = {
    "ash": ("encode", "encode_many", "Decoder", "randomise", "RANDOM_SEQUENCE"),
    "hdlc": ("encode", "encode_many", "Decoder"),
    "mt": (
        "encode",
        "encode_many",
        "Decoder",
        "af_data_confirm",
        "af_data_request_ext",
        "af_incoming_msg",
    ),
    "ezsp": ("decode_hot_frame", "send_unicast_frame"),
    "ota": (
        "decode_request",
        "default_response",
        "image_block_response",
        "image_block_wait",
        "image_notify",
        "query_next_image_response",
        "status_response",
        "upgrade_end_response",
    ),
}


def _codec_namespace(part: str, module: ModuleType) -> SimpleNamespace:
    pure = importlib.import_module(f"fastpath._{part}_py")
    names = {name: getattr(pure, name) for name in pure.__all__}
    names.update({name: getattr(module, name) for name in _OWN_NAMES[part]})
    return SimpleNamespace(**names)


@dataclass(frozen=True)
class Implementation:
    """One complete set of fastpath functions and codec modules."""

    name: ImplementationName
    crc16_ccitt: Callable[..., int]
    crc16_x25: Callable[..., int]
    xor8: Callable[..., int]
    ash: SimpleNamespace
    hdlc: SimpleNamespace
    mt: SimpleNamespace
    ota: SimpleNamespace
    ezsp: SimpleNamespace


def pure_requested() -> bool:
    """True when the environment forces the pure-Python twin (any value but "" or "0")."""
    return os.environ.get(PURE_ENV_VAR, "") not in ("", "0")


def load_implementation(name: ImplementationName) -> Implementation:
    """Import one implementation; ImportError, saying how to build it, if the compiled one is missing."""
    if name not in _SUFFIX:
        raise ValueError(f"implementation must be 'compiled' or 'pure', not {name!r}")
    suffix = _SUFFIX[name]
    try:
        crc, ash, hdlc, mt, ota, ezsp = (
            importlib.import_module(f"fastpath._{part}{suffix}")
            for part in ("crc", "ash", "hdlc", "mt", "ota", "ezsp")
        )
    except ImportError as exc:
        if name == "pure":
            raise
        raise ImportError(
            f"fastpath: the compiled extensions cannot be imported ({exc}). Build them with "
            "`pip install -e .` (or `python setup.py build_ext --inplace` in a source tree), "
            f"or set {PURE_ENV_VAR}=1 to use the pure-Python implementation."
        ) from exc
    return Implementation(
        name,
        crc.crc16_ccitt,
        crc.crc16_x25,
        crc.xor8,
        _codec_namespace("ash", ash),
        _codec_namespace("hdlc", hdlc),
        _codec_namespace("mt", mt),
        _codec_namespace("ota", ota),
        _codec_namespace("ezsp", ezsp),
    )


def implementations() -> dict[ImplementationName, Implementation]:
    """Both implementations, for parity tests and benchmarks (ImportError if one is missing)."""
    return {"compiled": load_implementation("compiled"), "pure": load_implementation("pure")}


CHOSEN = load_implementation("pure" if pure_requested() else "compiled")
IMPLEMENTATION: ImplementationName = CHOSEN.name
