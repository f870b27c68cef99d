"""The requirements a run is traced to: the six Uplift 1.2 requirements and the baseline checks.

Uplift 1.2 ids come from the design's requirement table; each belongs to one change
(:data:`harness.changes.CHANGE_REQUIREMENTS`). ``BASE-*`` ids name behaviour that does not depend on
Uplift 1.2 and must hold whatever changes are in force; they keep the negative control honest (a
baseline run fails on the Uplift 1.2 ids and on nothing else).

``clause`` is what the source gives, as it gives it (the SRPD clauses stand in one row of the
consultation, so the three firmware requirements each show the whole row); ``facts`` name the
entries of :mod:`harness.evidence.sources` the requirement rests on, quoted or our setting.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from harness.errors import UserError

SRPD_ROW = (
    "SRPD 6.1(n), 16.1, 16.2(b), 18.1(d)(viii)(B) (one row of the consultation, not split by "
    "service request)"
)
FIRMWARE_CLAUSE = f"Consultation: DUIS 3.1 redline (validated here against DUIS 5.4); {SRPD_ROW}"


@dataclass(frozen=True)
class Requirement:
    id: str
    clause: str
    title: str
    facts: tuple[str, ...] = ()
    needs: str | None = None
    """A port kind only some rigs have (``power``): on a rig without it every scenario of the
    requirement is skipped, and the requirement neither passes nor fails the run."""

    @property
    def uplift(self) -> bool:
        """True for a requirement that Uplift 1.2 introduces (a baseline run must fail it)."""
        return self.id.startswith("U12-")


REQUIREMENTS: dict[str, Requirement] = {
    r.id: r
    for r in (
        Requirement(
            "U12-FW-11.1",
            FIRMWARE_CLAUSE,
            "SR 11.1 Update Firmware accepts a PPMID target (IOC, MOC MDS, MOC Secure); the image reaches it",
            ("srpd-row", "duis-version", "firmware-responsibility", "dcc-eui64"),
        ),
        Requirement(
            "U12-FW-11.2",
            FIRMWARE_CLAUSE,
            "SR 11.2 Read Firmware Version accepts a PPMID target and returns its running version",
            ("srpd-row", "duis-version", "eligible-roles"),
        ),
        Requirement(
            "U12-FW-11.3",
            FIRMWARE_CLAUSE,
            "SR 11.3 Activate Firmware accepts a PPMID target; activates only when FirmwareHash matches",
            ("srpd-row", "duis-version", "firmware-responsibility"),
        ),
        Requirement(
            "U12-MPRN",
            "TMAD 3.24 (new clause): for IOC only, SMSO GroupID AA, BA or CA",
            "IOC (GroupID AA, BA, CA): leading zeros in the MPRN are disregarded in migration validation",
            ("mprn-field", "mprn-min-digits", "moc-groups"),
        ),
        Requirement(
            "U12-PIN-KEEP",
            'S1SR 13.1 (unchanged); the IOC configuration tool fix, "for IOC only" (consultation)',
            "The IOC configuration tool replaces only a default engineering menu PIN; a non-default PIN is kept",
            ("pin-fix-ioc", "pin-keep-esme", "pin-lockout", "default-pins", "moc-groups"),
        ),
        Requirement(
            "U12-PIN-REPORT",
            'TMAD 3.25 (new clause): one-time; "Dormant and Active EPCL entries where the PIN was '
            'incorrectly changed" (consultation)',
            "Wrongly changed PINs (Dormant and Active EPCL entries, IOC) reported to the Installing Supplier in 30 working days",
            (
                "pin-report-covers",
                "pin-fix-ioc",
                "pin-report-cut-off",
                "working-day",
                "pin-report-deadline",
            ),
        ),
        Requirement(
            "BASE-FW-METER",
            "DUIS SR 11.1, 11.2, 11.3",
            "Firmware update, read and activation of an ESME or GSME work under both profiles",
            ("duis-version", "eligible-roles", "dcc-eui64"),
        ),
        Requirement(
            "BASE-FW-REJECT",
            "DUIS SR 11.1, 11.3; DUIS eligible user roles; RequestID as in DCC's reference data",
            "Invalid firmware requests (wrong image header or FirmwareHash, wrong RequestID target, "
            "ineligible user role) are refused and change nothing",
            ("eligible-roles", "dcc-eui64", "response-codes", "duis-version"),
        ),
        Requirement(
            "BASE-MPRN",
            "TMAD migration validation",
            "An MPRN held exactly as the device reports it validates; a different MPRN fails, for every group",
            ("mprn-field", "mprn-min-digits", "moc-groups"),
        ),
        Requirement(
            "BASE-PIN",
            "S1SR 13.1",
            "A default engineering menu PIN never survives configuration",
            ("default-pins", "pin-lockout"),
        ),
        Requirement(
            "BASE-POWER",
            "Our setting: no public clause (a lab's own robustness requirement)",
            "A device that loses power recovers: an OTA transfer cut by a reboot resumes and "
            "completes, an activation cut by a power loss is reported as failed, and a device "
            "that stops answering is power-cycled between scenarios with the recovery recorded",
            ("power-recovery",),
            needs="power",
        ),
        Requirement(
            "BASE-TEST-PORT",
            "Device serial test port, protocol version 1",
            "A device's serial test port reports the same firmware, held image and PIN lockout state as its ZigBee side",
        ),
    )
}

UPLIFT_IDS: tuple[str, ...] = tuple(r.id for r in REQUIREMENTS.values() if r.uplift)
"""The facts each requirement rests on are in :data:`harness.evidence.sources.FACTS`."""


def known(requirement_id: str) -> bool:
    return requirement_id in REQUIREMENTS


_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def load_requirements_file(path: Path) -> dict[str, Requirement]:
    """A lab's own requirements: a TOML file of ``[[requirements]]`` tables, each with ``id``,
    ``title`` and ``clause`` (all text). Any mistake is one line naming the file and the entry."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: no such requirements file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read requirements file ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: not valid TOML: {exc}") from None
    extra = sorted(set(data) - {"requirements"})
    if extra:
        raise UserError(f"{path}: unknown key {extra[0]!r} (only [[requirements]] tables)")
    entries = data.get("requirements")
    if not isinstance(entries, list) or not entries:
        raise UserError(f"{path}: no [[requirements]] tables")
    found: dict[str, Requirement] = {}
    for index, entry in enumerate(entries):
        where = f"{path}: requirements[{index}]"
        if not isinstance(entry, dict):
            raise UserError(f"{where}: must be a table")
        unknown = sorted(set(entry) - {"id", "title", "clause"})
        if unknown:
            raise UserError(f"{where}: unknown key {unknown[0]!r} (id, title, clause)")
        for key in ("id", "title", "clause"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise UserError(f"{where}.{key}: must be non-empty text")
        rid = entry["id"].strip()
        if not _ID.match(rid):
            raise UserError(f"{where}.id: {rid!r} is not an id (letters, digits, . _ -)")
        if rid in found:
            raise UserError(f"{where}.id: {rid!r} is listed twice")
        found[rid] = Requirement(rid, entry["clause"].strip(), entry["title"].strip())
    return found


def merge_catalogue(
    suite: Mapping[str, Requirement], lab: Mapping[str, Requirement], source: str
) -> dict[str, Requirement]:
    """The suite's requirements and a lab's; a lab may not redefine one of the suite's ids."""
    clash = sorted(set(suite) & set(lab))
    if clash:
        raise UserError(f"{source}: {clash[0]!r} is already a requirement of the suite")
    return {**suite, **lab}
