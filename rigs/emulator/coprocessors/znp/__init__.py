"""The ``znp`` co-processor kind: TI Z-Stack 3.30 MT over UART (``docs/coprocessors.md``)."""

from rigs.emulator.coprocessors.znp.coprocessor import FIRMWARE, ZnpCoProcessor

__all__ = ["FIRMWARE", "ZnpCoProcessor"]
