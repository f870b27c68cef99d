"""Argument checks shared by the pure-Python codecs (the compiled ones do the same in C)."""

from typing import TypeAlias

BytesLike: TypeAlias = bytes | bytearray | memoryview


def as_bytes(data: BytesLike) -> bytes:
    """Return the bytes of any C-contiguous bytes-like object, or raise TypeError."""
    if type(data) is bytes:
        return data
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError(f"a bytes-like object is required, not {type(data).__name__!r}") from None
    with view:
        if not view.c_contiguous:
            raise TypeError("a C-contiguous bytes-like object is required")
        return view.tobytes()


def check_int(value: int, low: int, high: int, name: str) -> int:
    """Return ``value`` if it is an int within [low, high]; TypeError / ValueError otherwise."""
    if not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be in {low}..{high}, got {value}")
    return value
