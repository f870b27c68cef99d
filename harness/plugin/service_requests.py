"""The ``dcc`` fixture: DUIS requests built for the rig's devices and processed by the DCC model.

Each call builds a DUIS 5.4 request as DUIS has it (RequestID target: the DCC for 11.1 / 11.4,
the device for 11.2 / 11.3; the originator's counter strictly increasing), hands its XML to the
:class:`~harness.dcc.ServiceRequestProcessor` with the run's changes in force (which checks it and
executes it on the rig), and returns the request and response XML with the processing result. The
inventory the model checks targets against comes from the rig file; a scenario may put a device in
another installation cohort by naming its GroupID, send as another service user
(:meth:`ServiceRequests.add_user`, ``originator=``) or name another RequestID target
(``request_target=``) to see the DCC refuse it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness.plugin.block_timing import BlockTimer
from harness.plugin.rig import HilDevice, HilRig

if TYPE_CHECKING:
    from harness.changes import ChangeSet
    from harness.dcc import ProcessResult, ServiceRequestProcessor, UserAlert
    from harness.duis import RequestId, ServiceRequest

ORIGINATOR = "90-B3-D5-1F-30-01-00-00"  # the service user of DCC's reference data (Import Supplier)


class ManualClock:
    """The DCC model's clock: real time plus whatever a scenario has advanced it by."""

    def __init__(self) -> None:
        self._offset = dt.timedelta(0)

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self._offset

    def advance(self, seconds: float) -> None:
        self._offset += dt.timedelta(seconds=seconds)


@dataclass
class Exchange:
    """One DUIS request, its response and what processing it did."""

    service_request: str
    request_xml: str
    result: ProcessResult

    @property
    def response_xml(self) -> str:
        return self.result.response_xml.decode("utf-8")

    @property
    def response_code(self) -> str:
        return self.result.response_code

    @property
    def activation_status(self) -> str | None:
        """The ActivationStatus of an 11.3 executed now, or None."""
        activation = self.result.activation
        return activation.value if activation else None

    @property
    def reported_version(self) -> str | None:
        """The FirmwareVersion a device's reply reports, or None."""
        from harness.duis import Smets1Reply

        body = self.result.response.body
        if not isinstance(body, Smets1Reply):
            return None
        return getattr(body.payload, "firmware_version", None)


class ServiceRequests:
    """Builds and processes requests of the registered service requests against the rig, with one
    set of changes in force."""

    def __init__(self, rig: HilRig, profile: str | ChangeSet, *, schema: Any = "auto") -> None:
        """``schema``: the loaded DUIS XSD the model checks requests against, None for none, or
        "auto" to look for it (see :mod:`harness.duis.schema`)."""
        from harness.changes import ChangeSet
        from harness.dcc import ProcessorSettings

        self.rig = rig
        self.changes = ChangeSet.resolve(profile)
        self.profile = self.changes.name
        self.schema = schema
        self.clock = ManualClock()
        self._counter = itertools.count(int(dt.datetime.now(dt.UTC).timestamp() * 1000))
        self.users = dict(ProcessorSettings().user_roles)
        self._processors: dict[tuple[object, ...], ServiceRequestProcessor] = {}
        self._timer = BlockTimer(rig.ops)

    @property
    def dcc_eui64(self) -> str:
        """The DCC's EUI-64, target of the RequestID of 11.1 and 11.4 (a model setting)."""
        from harness.dcc import ProcessorSettings

        return ProcessorSettings().dcc_eui64

    def add_user(self, eui64: str, role: str) -> str:
        """Make ``eui64`` a service user of ``role`` (``IS``, ``ED``, ...) in the model's user
        table; returns the EUI-64 in DUIS form."""
        from harness.duis import normalise_eui64
        from harness.duis.roles import UserRole

        key = normalise_eui64(eui64)
        self.users[key] = UserRole.parse(role)
        return key

    def block_intervals(self, ieee: str) -> list[float]:
        """Seconds between the block progress reports of the last transfer to ``ieee``."""
        return list(self._timer.intervals.get(ieee, []))

    def processor(self, groups: dict[str, str] | None = None) -> ServiceRequestProcessor:
        """The model for an inventory where ``groups`` (IEEE -> GroupID) overrides the rig file."""
        from harness.dcc import (
            DeviceModel,
            Inventory,
            ProcessorSettings,
            ServiceRequestProcessor,
        )

        overrides = groups or {}
        key = (tuple(sorted(overrides.items())), tuple(sorted(self.users.items())))
        if key not in self._processors:
            settings = ProcessorSettings(profile=self.changes, user_roles=dict(self.users))
            inventory = Inventory(settings.cohorts)
            for device in self.rig.spec.devices:
                identity = self.rig.identities[device.ieee]
                model = DeviceModel(
                    identity.manufacturer_code,
                    identity.image_type,
                    identity.hardware_version,
                    identity.model,
                )
                inventory.add(
                    device.ieee, device.role, model, overrides.get(device.ieee, device.group_id)
                )
            self._processors[key] = ServiceRequestProcessor(
                self._timer, inventory, settings, clock=self.clock, schema=self.schema
            )
        return self._processors[key]

    def cohort_group(self, cohort_name: str) -> str:
        """A GroupID of the named cohort (``IOC``, ``MOC (MDS)``, ``MOC (Secure)``)."""
        from harness.dcc import Cohort, ProcessorSettings

        return ProcessorSettings().cohorts.example_group(Cohort(cohort_name))

    def _request_id(self, target: str, originator: str | None, override: str | None) -> RequestId:
        """``override`` replaces the right target (to see the DCC refuse a wrong one)."""
        from harness.duis import RequestId

        return RequestId(originator or ORIGINATOR, override or target, next(self._counter))

    def _process(
        self, label: str, request: ServiceRequest, groups: dict[str, str] | None
    ) -> Exchange:
        xml = request.to_xml()
        result = self.rig.run(self.processor(groups).process(xml), timeout=900)
        return Exchange(label, xml.decode("utf-8"), result)

    def update_firmware(
        self,
        devices: list[HilDevice],
        image: bytes,
        firmware_version: str,
        *,
        groups: dict[str, str] | None = None,
        originator: str | None = None,
        request_target: str | None = None,
    ) -> Exchange:
        """SR 11.1 Update Firmware to ``devices`` (the DeviceIDList); RequestID target: the DCC."""
        from harness.duis import ServiceReference, ServiceRequest, UpdateFirmware

        body = UpdateFirmware(image, firmware_version, tuple(d.ieee for d in devices))
        request = ServiceRequest(
            self._request_id(self.dcc_eui64, originator, request_target),
            ServiceReference.UPDATE_FIRMWARE,
            body,
        )
        return self._process("11.1", request, groups)

    def update_ppmid_firmware(
        self,
        device: HilDevice,
        image: bytes,
        firmware_version: str,
        *,
        groups: dict[str, str] | None = None,
        originator: str | None = None,
        request_target: str | None = None,
    ) -> Exchange:
        """SR 11.4 Update PPMID Firmware (the SMETS2 route) to ``device``; target: the DCC."""
        from harness.duis import ServiceReference, ServiceRequest, UpdatePPMIDFirmware

        body = UpdatePPMIDFirmware(image, firmware_version, (device.ieee,))
        request = ServiceRequest(
            self._request_id(self.dcc_eui64, originator, request_target),
            ServiceReference.UPDATE_PPMID_FIRMWARE,
            body,
        )
        return self._process("11.4", request, groups)

    def read_firmware_version(
        self,
        device: HilDevice,
        *,
        groups: dict[str, str] | None = None,
        originator: str | None = None,
        request_target: str | None = None,
    ) -> Exchange:
        """SR 11.2 Read Firmware Version of ``device``."""
        from harness.duis import ReadFirmwareVersion, ServiceReference, ServiceRequest

        request = ServiceRequest(
            self._request_id(device.ieee, originator, request_target),
            ServiceReference.READ_FIRMWARE_VERSION,
            ReadFirmwareVersion(),
        )
        return self._process("11.2", request, groups)

    def activate_firmware(
        self,
        device: HilDevice,
        firmware_hash: bytes,
        *,
        at: dt.datetime | None = None,
        groups: dict[str, str] | None = None,
        originator: str | None = None,
        request_target: str | None = None,
    ) -> Exchange:
        """SR 11.3 Activate Firmware on ``device`` (now, or at ``at`` on the model's clock)."""
        from harness.duis import ActivateFirmware, ServiceReference, ServiceRequest

        request = ServiceRequest(
            self._request_id(device.ieee, originator, request_target),
            ServiceReference.ACTIVATE_FIRMWARE,
            ActivateFirmware(firmware_hash, at),
        )
        return self._process("11.3", request, groups)

    def run_due(self, *, groups: dict[str, str] | None = None) -> list[UserAlert]:
        """Execute the future-dated activations whose time has come on the model's clock."""
        return self.rig.run(self.processor(groups).run_due(), timeout=300)
