"""What a radio library's framing codec is, shared by its fastpath wirings.

``rigs.zigbee.bellows_fastpath`` and ``rigs.zigbee.znp_fastpath`` each put a ``fastpath`` codec
into one library, only for the library versions they were tested with; this module holds what
they have in common: the installed version, the :class:`CodecStatus` that says which codec is in
use, and the guard that leaves an untested version with its own codec.
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

import fastpath


@dataclass(frozen=True)
class CodecStatus:
    library: str
    version: str | None  # None: not installed
    codec: str  # what does the framing in that library
    tested: bool
    framing: str  # the framing the codec does, e.g. "ASH" or "MT"

    def summary(self) -> str:
        """The version and the codec, e.g. ``1.2.1, ASH framed by fastpath.ash (compiled)``."""
        if self.version is None:
            return "not installed"
        return f"{self.version}, {self.framing} framed by {self.codec}"

    def describe(self) -> str:
        return f"{self.library} {self.summary()}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "library": self.library,
            "version": self.version,
            "codec": self.codec,
            "tested": self.tested,
        }


def installed_version(library: str) -> str | None:
    """The installed distribution's version, or None when it is not installed."""
    try:
        return importlib.metadata.version(library)
    except importlib.metadata.PackageNotFoundError:
        return None


def codec_status(
    library: str,
    version: str | None,
    *,
    tested_versions: AbstractSet[str],
    framing: str,
    fast_codec: str,
) -> CodecStatus:
    """Which codec ``library`` at ``version`` runs with once its fastpath wiring is installed.

    ``fast_codec`` names the fastpath module (``fastpath.ash``), used only for a tested version.
    """
    if version is None:
        return CodecStatus(library, None, "none", False, framing)
    if version in tested_versions:
        return CodecStatus(
            library, version, f"{fast_codec} ({fastpath.IMPLEMENTATION})", True, framing
        )
    tested = ", ".join(sorted(tested_versions))
    owner = f"{library}'" if library.endswith("s") else f"{library}'s"
    own = f"{owner} own {framing} codec (fastpath tested with {library} {tested})"
    return CodecStatus(library, version, own, False, framing)


def keeps_own_codec(current: CodecStatus, logger: logging.Logger) -> bool:
    """True if the library keeps its own codec (an untested version, logged, or none at all)."""
    if current.tested:
        return False
    if current.version is not None:
        logger.info("%s", current.describe())
    return True
