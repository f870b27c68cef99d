"""The requirements a run is traced to: the six Uplift 1.2 changes and the baseline checks.

Uplift 1.2 ids come from the design's requirement table. ``BASE-*`` ids name behaviour that does not
depend on Uplift 1.2 and must hold under both profiles; they keep the negative control honest (a
baseline run fails on the Uplift 1.2 ids and on nothing else).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Requirement:
    id: str
    clause: str
    title: str

    @property
    def uplift(self) -> bool:
        """True for a requirement that Uplift 1.2 introduces (a baseline run must fail it)."""
        return self.id.startswith("U12-")


REQUIREMENTS: dict[str, Requirement] = {
    r.id: r
    for r in (
        Requirement(
            "U12-FW-11.1",
            "DUIS 3.1 redline; SRPD 6.1(n), 16.1, 16.2(b)",
            "SR 11.1 Update Firmware accepts a PPMID target (IOC, MOC MDS, MOC Secure); the image reaches it",
        ),
        Requirement(
            "U12-FW-11.2",
            "DUIS; S1SR",
            "SR 11.2 Read Firmware Version accepts a PPMID target and returns its running version",
        ),
        Requirement(
            "U12-FW-11.3",
            "DUIS; SRPD 18.1(d)(viii)(B)",
            "SR 11.3 Activate Firmware accepts a PPMID target; activates only when FirmwareHash matches",
        ),
        Requirement(
            "U12-MPRN",
            "TMAD 3.24",
            "IOC (GroupID AA, BA, CA): leading zeros in the MPRN are disregarded in migration validation",
        ),
        Requirement(
            "U12-PIN-KEEP",
            "S1SR 13.1; IOC configuration tool fix",
            "The configuration tool replaces only a default engineering menu PIN; a non-default PIN is kept",
        ),
        Requirement(
            "U12-PIN-REPORT",
            "TMAD 3.25",
            "Wrongly changed PINs (Dormant and Active lists) reported to the Installing Supplier in 30 working days",
        ),
        Requirement(
            "BASE-FW-METER",
            "DUIS SR 11.1, 11.2, 11.3",
            "Firmware update, read and activation of an ESME or GSME work under both profiles",
        ),
        Requirement(
            "BASE-FW-REJECT",
            "DUIS SR 11.1, 11.3",
            "Invalid firmware requests (wrong image header or FirmwareHash, wrong RequestID target, "
            "ineligible user role) are refused and change nothing",
        ),
        Requirement(
            "BASE-MPRN",
            "TMAD migration validation",
            "An MPRN held exactly as the device reports it validates; a different MPRN fails, for every group",
        ),
        Requirement(
            "BASE-PIN",
            "S1SR 13.1",
            "A default engineering menu PIN never survives configuration",
        ),
        Requirement(
            "BASE-TEST-PORT",
            "Device serial test port, protocol version 1",
            "A device's serial test port reports the same firmware, held image and PIN lockout state as its ZigBee side",
        ),
    )
}

UPLIFT_IDS: tuple[str, ...] = tuple(r.id for r in REQUIREMENTS.values() if r.uplift)


def known(requirement_id: str) -> bool:
    return requirement_id in REQUIREMENTS
