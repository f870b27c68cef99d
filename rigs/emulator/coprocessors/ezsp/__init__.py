"""An emulated Silicon Labs EmberZNet network co-processor: EZSP (UG100) over ASH (UG101).

``ash`` is the NCP side of the ASH data link, ``frames`` the EZSP frame layout and the identifiers
this co-processor understands, ``ncp`` the command set, ``server`` serves it on a byte stream.
"""

from rigs.emulator.coprocessors.ezsp.frames import EZSP_PROTOCOL_VERSION

__all__ = ["EZSP_PROTOCOL_VERSION"]
