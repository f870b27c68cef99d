"""One EZSP round trip less per unicast through bellows, for the bellows versions tested.

bellows 1.2.1's ``send_packet`` calls ``set_extended_timeout`` before every unicast to a known
device, and that always asks the NCP first (``getExtendedTimeout``, one EZSP command and its
response) even when nothing is to change. Stop-and-wait traffic such as an OTA transfer pays that
round trip on every block.

:func:`install` wraps ``EZSPv4.set_extended_timeout`` (every later protocol version inherits it)
so that a request for the state the NCP is already known to be in — extended timeout *off* for
a device, as bellows' own last ``getExtendedTimeout`` or ``setExtendedTimeout`` for it on this
connection established — is not sent again. Only "off" is remembered: it is what an NCP reports for an
address it keeps no setting for (a restarted NCP, an address-table slot given to another device),
so the remembered state does not go stale that way; switching a device to
"on" always goes to the NCP, and forgets the device. The memory belongs to one protocol object,
so a reconnection (a new protocol object) starts empty. Any other bellows version keeps its own
behaviour (:func:`status`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rigs.zigbee.library_codec import installed_version

LOGGER = logging.getLogger(__name__)

TESTED_VERSIONS = frozenset({"1.2.1"})
_MEMORY = "_smets1_hil_extended_timeout_off"

_original: Callable[..., Awaitable[None]] | None = None


def status() -> bool:
    """True if this bellows version gets the wrapped ``set_extended_timeout``."""
    return installed_version("bellows") in TESTED_VERSIONS


def install() -> bool:
    """Wrap ``set_extended_timeout`` if this bellows version was tested with it."""
    global _original
    if _original is not None:
        return True
    if not status():
        LOGGER.info("bellows %s: set_extended_timeout left as it is", installed_version("bellows"))
        return False
    from bellows.ezsp.v4 import EZSPv4

    original: Callable[..., Awaitable[None]] = EZSPv4.set_extended_timeout

    @functools.wraps(original)
    async def set_extended_timeout(
        self: Any, nwk: Any, ieee: Any, extended_timeout: bool = True
    ) -> None:
        known_off: set[Any] = self.__dict__.setdefault(_MEMORY, set())
        if not extended_timeout and ieee in known_off:
            return
        known_off.discard(ieee)
        await original(self, nwk, ieee, extended_timeout)
        if not extended_timeout:
            known_off.add(ieee)

    EZSPv4.set_extended_timeout = set_extended_timeout
    _original = original
    return True


def uninstall() -> None:
    """Give bellows back its own ``set_extended_timeout``."""
    global _original
    if _original is None:
        return
    from bellows.ezsp.v4 import EZSPv4

    EZSPv4.set_extended_timeout = _original
    _original = None
