"""What a scenario records as it runs: devices, firmware, DUIS exchanges, measurements, traces.

A scenario gets one :class:`ScenarioEvidence` (the ``evidence`` fixture). When the scenario
finishes, the plugin turns it into a record with the verdict and writes it to the bundle. With no
bundle the recorder still checks measurements, so a scenario behaves the same with or without one.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.evidence.files import safe_name
from harness.evidence.measurement import (
    Equals,
    InRange,
    Measurement,
    MeasurementFailed,
    Validator,
    Value,
)
from harness.evidence.redaction import SecretFilter


def plain(value: Any) -> Any:
    """A JSON-ready copy of dataclasses, enums, bytes and containers."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class ScenarioEvidence:
    """The evidence a scenario gathers; secrets registered here never reach the bundle."""

    def __init__(self, secrets: SecretFilter, traces_dir: Path | None, scenario_slug: str) -> None:
        self._secrets = secrets
        self._traces_dir = traces_dir
        self._slug = scenario_slug
        self.devices: list[dict[str, Any]] = []
        self.firmware: list[dict[str, Any]] = []
        self.duis: list[dict[str, Any]] = []
        self.measurements: list[Measurement] = []
        self.traces: list[str] = []
        self.notes: list[str] = []
        self.details: dict[str, Any] = {}
        self.transfers: list[dict[str, Any]] = []

    def __repr__(self) -> str:
        return f"ScenarioEvidence({self._slug!r}, {len(self.measurements)} measurements)"

    def secret(self, value: str) -> None:
        """Register a value (a PIN) that must appear nowhere in the evidence."""
        self._secrets.add(value)

    def device(self, identity: Any, **extra: Any) -> None:
        """Record the identity of a device the scenario exercised (a DeviceIdentity or a mapping)."""
        entry = plain(identity)
        if not isinstance(entry, dict):
            entry = {"device": entry}
        entry.update(plain(extra))
        self.devices.append(entry)

    def firmware_versions(self, device: str, before: Any, after: Any) -> None:
        """Record a device's firmware before and after the scenario acted on it."""
        self.firmware.append({"device": device, "before": plain(before), "after": plain(after)})

    def duis_exchange(
        self, service_request: str, request_xml: str, response_xml: str | None
    ) -> None:
        """Record one DUIS request and the response it got (XML text)."""
        self.duis.append(
            {
                "service_request": service_request,
                "request": self._secrets.scrub(request_xml),
                "response": None if response_xml is None else self._secrets.scrub(response_xml),
            }
        )

    def note(self, text: str) -> None:
        self.notes.append(self._secrets.scrub(text))

    def detail(self, key: str, value: Any) -> None:
        """Record a named fact about the scenario (JSON-ready after :func:`plain`)."""
        scrubbed = plain(value)
        if isinstance(scrubbed, str):
            scrubbed = self._secrets.scrub(scrubbed)
        self.details[key] = scrubbed

    def measure(
        self,
        name: str,
        value: Value,
        *,
        units: str = "",
        low: float | None = None,
        high: float | None = None,
        equals: Value = None,
        description: str = "",
    ) -> Measurement:
        """Record a measurement; one outside its limits fails the scenario (after being recorded)."""
        __tracebackhide__ = True
        validator: Validator | None = None
        if equals is not None:
            validator = Equals(equals)
        elif low is not None or high is not None:
            validator = InRange(low, high)
        # Compared as measured; registered secrets are scrubbed from what leaves the recorder:
        # its record (as_dict) and the failure message (pytest prints it).
        measurement = Measurement(name, value, units, validator, description)
        self.measurements.append(measurement)
        if measurement.validator is not None and not measurement.validator(measurement.value):
            raise MeasurementFailed(measurement, scrub=self._secrets.scrub)
        return measurement

    def transfer(self, entry: Mapping[str, Any]) -> Measurement:
        """Record one image transfer (:func:`harness.evidence.transfers.transfer_entry`).

        Its throughput is also the measurement ``transfer_rate``, with the transfer's target as
        lower limit: a transfer slower than its target fails the scenario (after being recorded).
        """
        __tracebackhide__ = True
        self.transfers.append(plain(dict(entry)))
        target = entry.get("target")
        if entry.get("percent_of_line_rate") is not None:
            value, units = entry["percent_of_line_rate"], "% of line rate"
        else:
            value, units = entry["mb_per_min"], "MB/min"
        return self.measure(
            "transfer_rate",
            value,
            units=units,
            low=target,
            description=f"{entry.get('kind')} to {entry.get('role')} {entry.get('device')}; "
            f"target: {entry.get('target_source') or 'none'}",
        )

    def trace(self, name: str, data: bytes | str) -> Path | None:
        """Store a trace file (frame log) under ``traces/``; returns its path, None with no bundle."""
        if self._traces_dir is None:
            return None
        raw = data.encode("utf-8") if isinstance(data, str) else data
        raw = self._secrets.scrub_bytes(raw)
        path = self._traces_dir / f"{self._slug}--{safe_name(name, keep='-_.')}"
        path.write_bytes(raw)
        self.traces.append(f"traces/{path.name}")
        return path

    def as_dict(self) -> dict[str, Any]:
        return {
            "devices": self.devices,
            "firmware": self.firmware,
            "duis": self.duis,
            "measurements": self._secrets.scrub_tree([m.to_dict() for m in self.measurements]),
            "traces": self.traces,
            "notes": self.notes,
            "details": self.details,
            "transfers": self.transfers,
        }
