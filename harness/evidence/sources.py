"""Where each clause or fact the harness shows comes from: quoted from a source, or our setting.

Every fact shown in docs, the report or the evidence is one :class:`Fact` here. A ``quoted`` fact
names its source (a consultation section, a DUIS XSD type, DCC's reference data) and quotes only
what that source says; a ``setting`` is this project's choice, with its default and how to change
it. ``summary.json`` carries them all (``sources``), with the DUIS versions (``duis``), so a
reviewer can tell the source's words from ours.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Kind = Literal["quoted", "setting"]

CONSULTATION = "DCC consultation on SMETS1 Uplift 1.2"
DUIS_XSD = "DUIS Schema V5.4.xsd"
DUIS_XSD_VERSION = "5.4"
SOURCE_DUIS_VERSION = "3.1"


@dataclass(frozen=True)
class Fact:
    id: str
    shown: str
    """What the harness shows or acts on."""
    kind: Kind
    source: str
    """Quoted: where it comes from (and the quotation). Setting: why this default."""
    default: str = ""
    change: str = ""
    """Setting: how to change it."""

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}


FACTS: tuple[Fact, ...] = (
    Fact(
        "changes-separate",
        "The three changes are switches: any subset may be in force",
        "quoted",
        f'{CONSULTATION}: the changes are "capable of going live at separate times"',
    ),
    Fact(
        "srpd-row",
        "U12-FW-11.1, 11.2, 11.3 trace to SRPD 6.1(n), 16.1, 16.2(b), 18.1(d)(viii)(B)",
        "quoted",
        f"{CONSULTATION}: these SRPD clauses are listed together in one row, with no link to a "
        "particular service request; the harness shows the row whole for each of the three",
    ),
    Fact(
        "duis-version",
        f"Requests and responses validated against DUIS {DUIS_XSD_VERSION} ({DUIS_XSD})",
        "quoted",
        f"{CONSULTATION} drafts its changes against DUIS {SOURCE_DUIS_VERSION}; the harness "
        f"validates against the DUIS {DUIS_XSD_VERSION} XSD of DCC's public DCC Boxed signing "
        "tool. Differences between the two versions are not assessed here",
    ),
    Fact(
        "pin-fix-ioc",
        "The PIN fix and the PIN report apply to IOC installations (GroupID AA, BA, CA)",
        "quoted",
        f'{CONSULTATION}: the fix is "for IOC only"; the wrongly changed PINs were on "certain '
        'IOC Elster gas meters". IOC GroupIDs AA, BA, CA: TMAD 3.24',
        default="AA, BA, CA",
        change="pin-report --ioc-groups; ConfigurationTool(scope_groups=...)",
    ),
    Fact(
        "pin-report-covers",
        "The PIN report covers Dormant and Active EPCL entries",
        "quoted",
        f'{CONSULTATION}: "Dormant and Active EPCL entries where the PIN was incorrectly changed"',
    ),
    Fact(
        "pin-keep-esme",
        "The PIN-KEEP scenarios run on the ESME as well as the GSME",
        "setting",
        "the source names gas meters only; the tool's rule (replace only a default PIN) is the "
        "same for every meter it configures, so the suite checks it on the ESME too. This is our "
        "extension, not the source's claim",
        default="ESME and GSME",
        change="smets1-hil run -k gsme runs the GSME scenarios only",
    ),
    Fact(
        "pin-report-cut-off",
        "The one-time report leaves out changes recorded on or after a cut-off date",
        "setting",
        "the report is one-time; the date the fixed tool went live is the lab's to give",
        default="no cut-off (every change; the manifest records null)",
        change="pin-report --changes-before YYYY-MM-DD",
    ),
    Fact(
        "firmware-responsibility",
        "11.1 and 11.3 to a PPMID are accepted from an Import Supplier only",
        "setting",
        f"{CONSULTATION} places firmware testing and assurance on the Electricity Supplier to "
        "the premises (DUIS's Import Supplier), with the DCC delivering the payload; DUIS lists "
        "Import Supplier and Gas Supplier for 11.1 and 11.3",
        default="IS",
        change="ProcessorSettings(ppmid_firmware_roles=...)",
    ),
    Fact(
        "eligible-roles",
        "Eligible user roles: 11.1 and 11.3 IS, GS; 11.2 IS, ES, GS, RSA, ED, GT, OU",
        "quoted",
        "DUIS: eligible user roles of each service reference variant",
    ),
    Fact(
        "eligible-roles-11.4",
        "Eligible user roles of 11.4: IS, GS",
        "setting",
        "not in our sources; the default is that of 11.1",
        default="IS, GS",
        change="the eligible_roles of the 11.4 definition (harness.service_requests)",
    ),
    Fact(
        "user-roles",
        "The service users the DCC model knows, and their roles",
        "setting",
        "DCC's reference data uses service user 90-B3-D5-1F-30-01-00-00; we make it an Import "
        "Supplier",
        default="90-B3-D5-1F-30-01-00-00: IS",
        change="ProcessorSettings(user_roles=...); the dcc fixture's add_user()",
    ),
    Fact(
        "dcc-eui64",
        "The RequestID target of 11.1 and 11.4 is the DCC: 90-B3-D5-1F-30-00-00-02",
        "quoted",
        "DCC's reference data (11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML): RequestID "
        "90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:1000",
        default="90-B3-D5-1F-30-00-00-02",
        change="ProcessorSettings(dcc_eui64=...); duis build --target",
    ),
    Fact(
        "response-codes",
        "Which E code answers which refusal (E11 target type, E19 unknown device, E20/E21 "
        "unreachable / no answer, E2 role, E3 unknown request, E4 RequestID target, E5 counter)",
        "setting",
        f"{DUIS_XSD} lists the codes (sr:ResponseCode) without saying which refusal gets which",
        default="as listed",
        change="ProcessorSettings(*_code=...)",
    ),
    Fact(
        "mprn-field",
        "An MPRN held by the SMSO is at most 10 characters, leading zeros included",
        "quoted",
        f"{DUIS_XSD}: simpleType sr:MPRN is xs:string with minLength 1 and maxLength 10",
        default="10",
        change="MprnRules(max_field_length=..., max_digits=...)",
    ),
    Fact(
        "mprn-min-digits",
        "An MPRN has at least 6 significant digits",
        "setting",
        "not given by our sources",
        default="6",
        change="MprnRules(min_digits=...)",
    ),
    Fact(
        "moc-groups",
        "MOC (MDS) is GroupID MA, MB; MOC (Secure) is SA, SB",
        "setting",
        "our sources do not give the MOC cohorts' GroupIDs",
        default="MA, MB; SA, SB",
        change="CohortSettings(...); MprnRules(known_group_ids=...); --known-groups",
    ),
    Fact(
        "pin-lockout",
        "A SMETS1 device locks its engineering menu after 5 wrong PIN verifications",
        "setting",
        "not given by our sources; the emulated models lock after 5 and the configuration tool "
        "makes at most 4 wrong verifications (and never a device's last)",
        default="5 (tool: max_wrong_attempts 4)",
        change="ConfigurationTool(max_wrong_attempts=...); emulated models: "
        "rigs.emulator.device.MAX_PIN_FAILURES",
    ),
    Fact(
        "default-pins",
        "The list of default engineering menu PINs (four values; PINs are never shown in "
        "evidence, the list is in docs/configuration-tool.md)",
        "setting",
        "not given by our sources",
        default="four values (PinPolicy.defaults)",
        change="PinPolicy(defaults=...)",
    ),
    Fact(
        "working-day",
        "A working day is not a Saturday or Sunday and not a bank holiday in England and Wales",
        "setting",
        "the SEC defines Working Day (SEC Section A); its text is not reproduced here. Our "
        "calendar approximates it with the holidays package's England and Wales list; check it "
        "against the SEC definition in force",
        default="GB subdivision ENG, no extra dates",
        change="pin-report --bank-holidays SUBDIV --non-working-day YYYY-MM-DD",
    ),
    Fact(
        "power-recovery",
        "BASE-POWER: after a reboot or a power loss a device resumes an OTA transfer where it "
        "stopped, an activation it could not run is reported as an activation failure, and a "
        "device that stops answering between scenarios is power-cycled",
        "setting",
        "not given by our sources; this project's requirement for unattended lab runs. The resume "
        "rests on the ZigBee OTA cluster's Image Block Request carrying the file offset; the "
        "failure report uses DUIS ActivationStatus",
        default="probe: firmware version read, 5 s; power cycle: 2 s off; back within 60 s",
        change="--hil-recovery off (no probe or power cycle between scenarios); "
        "harness.plugin.recovery.RecoverySettings",
    ),
    Fact(
        "pin-report-deadline",
        "The PIN report is due within 30 working days",
        "quoted",
        "TMAD 3.25 (new clause, as the consultation drafts it)",
    ),
)


def sources_section() -> list[dict[str, str]]:
    """The ``sources`` section of summary.json."""
    return [fact.as_dict() for fact in FACTS]


def duis_section() -> dict[str, Any]:
    """The ``duis`` section of summary.json: the version validated against and the source's."""
    return {
        "validated_against": {"version": DUIS_XSD_VERSION, "xsd": DUIS_XSD},
        "source_drafted_against": SOURCE_DUIS_VERSION,
        "note": f"the consultation drafts against DUIS {SOURCE_DUIS_VERSION}; requests and "
        f"responses here are DUIS {DUIS_XSD_VERSION} and validated against its XSD",
    }
