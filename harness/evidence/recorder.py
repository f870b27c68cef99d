"""What a scenario records as it runs: devices, firmware, DUIS exchanges, measurements, traces.

A scenario gets one :class:`ScenarioEvidence` (the ``evidence`` fixture). When the scenario
finishes, the plugin turns it into a record with the verdict and writes it to the bundle. With no
bundle the recorder still checks measurements, so a scenario behaves the same with or without one.

A measurement outside its limits does not stop the scenario: like a phase in OpenHTF, the scenario
goes on and records every later measurement, and the plugin fails it with the *first* failed
measurement when its body ends (also when the body then broke on something else).
"""

from __future__ import annotations

import dataclasses
import enum
import sys
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.evidence.files import safe_name
from harness.evidence.measurement import (
    Equals,
    InRange,
    Measurement,
    MeasurementFailed,
    OneOf,
    Validator,
    Value,
)
from harness.evidence.redaction import SecretFilter
from harness.evidence.schema_use import SchemaUse


class _NotGiven:
    """The default of ``measure(equals=...)``: not a value, so any value (None too) can be expected."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Any = _NotGiven()


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

    def __init__(
        self,
        secrets: SecretFilter,
        traces_dir: Path | None,
        scenario_slug: str,
        schema_use: SchemaUse | None = None,
    ) -> None:
        self._secrets = secrets
        self._schema_use = schema_use or SchemaUse(None)
        self._failures: list[MeasurementFailed] = []
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
        """Record one DUIS request and the response it got (XML text), each checked against the
        run's DUIS XSD where there is one; the entry says whether it was, and against which."""
        self.duis.append(
            {
                "service_request": service_request,
                "request": self._secrets.scrub(request_xml),
                "response": None if response_xml is None else self._secrets.scrub(response_xml),
                "schema": self._secrets.scrub_tree(
                    self._schema_use.check(request_xml, response_xml)
                ),
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
        equals: Value = NOT_GIVEN,
        low: float | None = None,
        high: float | None = None,
        one_of: tuple[Value, ...] | list[Value] | None = None,
        description: str = "",
    ) -> Measurement:
        """Record a measurement with at most one validator: ``equals=`` (type and value),
        ``low=``/``high=`` (inclusive bounds, either may be left open) or ``one_of=``.

        A measurement outside its limits is recorded and the scenario goes on; it fails with the
        first such measurement when its body ends (see the module docstring).
        """
        given = [
            kind
            for kind, present in (
                ("equals", equals is not NOT_GIVEN),
                ("low/high", low is not None or high is not None),
                ("one_of", one_of is not None),
            )
            if present
        ]
        if len(given) > 1:
            raise TypeError(f"measure({name!r}): give one validator, not {' and '.join(given)}")
        validator: Validator | None = None
        if equals is not NOT_GIVEN:
            validator = Equals(equals)
        elif low is not None or high is not None:
            validator = InRange(low, high)
        elif one_of is not None:
            validator = OneOf(tuple(one_of))
        # Compared as measured; registered secrets are scrubbed from what leaves the recorder:
        # its record (as_dict) and the failure message (pytest prints it).
        measurement = Measurement(name, value, units, validator, description)
        self.measurements.append(measurement)
        if measurement.validator is not None and not measurement.validator(measurement.value):
            failure = MeasurementFailed(measurement, scrub=self._secrets.scrub)
            # where it was measured: raised later, the failure still points at this line
            caller = sys._getframe(1)
            while caller.f_back is not None and caller.f_locals.get("__tracebackhide__"):
                caller = caller.f_back  # past helpers that hide themselves (transfer(), steps)
            failure.__traceback__ = types.TracebackType(
                None, caller, caller.f_lasti, caller.f_lineno
            )
            self._failures.append(failure)
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

    @property
    def first_failure(self) -> MeasurementFailed | None:
        """The first measurement that fell outside its limits, as the exception to fail with."""
        return self._failures[0] if self._failures else None

    def check(self) -> None:
        """Raise the first failed measurement, if any (the plugin calls this when a body ends)."""
        __tracebackhide__ = True
        if self._failures:
            raise self._failures[0]

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
