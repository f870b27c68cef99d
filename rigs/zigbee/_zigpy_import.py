"""Import zigpy without paying for its OTA providers' TLS set-up at start-up.

``zigpy.device`` imports ``zigpy.ota.providers``, whose provider classes each build an
``ssl.create_default_context()`` while the module is imported: three loads of the system CA store,
0.1 to 0.4 s each on the project's machines, about a third of zigpy's import time. The rig never
uses zigpy's OTA providers (it serves images itself, with ``"ota": {"enabled": False}``), so while
that module is first imported the default contexts are made without the system CA store: each is
still a verifying TLS client context (hostname checked, certificate required) and still trusts the
vendor certificates zigpy loads into it. Nothing else changes, and nothing is patched afterwards.
"""

from __future__ import annotations

import ssl
import sys
from typing import Any


def import_zigpy() -> None:
    """Import ``zigpy.ota.providers`` (and with it zigpy's device layer) the cheap way, once."""
    if "zigpy.ota.providers" in sys.modules:
        return
    original = ssl.create_default_context

    def without_system_store(
        purpose: ssl.Purpose = ssl.Purpose.SERVER_AUTH, **kwargs: Any
    ) -> ssl.SSLContext:
        if purpose is not ssl.Purpose.SERVER_AUTH or any(kwargs.values()):
            return original(purpose, **kwargs)
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)

    ssl.create_default_context = without_system_store
    try:
        import zigpy.ota.providers  # noqa: F401
    finally:
        ssl.create_default_context = original
