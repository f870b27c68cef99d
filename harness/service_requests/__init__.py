"""The service requests the harness knows, one definition each, registered by code.

``definition_for("11.1")`` is what the parser, the builder, ``smets1-hil duis`` and the DCC model
dispatch through. A code with no definition raises :class:`UnknownServiceRequest`, which the DCC
model answers with a DUIS response (never by falling through to another request's processing).
"""

from __future__ import annotations

from harness.duis.codes import ServiceReference
from harness.duis.errors import DuisError
from harness.service_requests.definition import (
    BuildOptions,
    Processing,
    ServiceRequestDefinition,
    TargetKind,
)

_REGISTRY: dict[str, ServiceRequestDefinition] = {}


class UnknownServiceRequest(DuisError):
    """A service reference the harness has no definition for."""

    def __init__(self, reference: str) -> None:
        known = ", ".join(sorted(_REGISTRY))
        super().__init__(
            f"{reference[:20]!r} is not a service request this harness implements (known: {known})",
            field="ServiceReference",
        )
        self.reference = reference


def register(definition: ServiceRequestDefinition) -> ServiceRequestDefinition:
    code = definition.reference.value
    if code in _REGISTRY:
        raise ValueError(f"service request {code} is already registered")
    _REGISTRY[code] = definition
    return definition


def definition_for(reference: ServiceReference | str) -> ServiceRequestDefinition:
    code = reference.value if isinstance(reference, ServiceReference) else str(reference)
    try:
        return _REGISTRY[code]
    except KeyError:
        raise UnknownServiceRequest(code) from None


def definitions() -> tuple[ServiceRequestDefinition, ...]:
    """Every registered definition, by code."""
    return tuple(_REGISTRY[code] for code in sorted(_REGISTRY))


# The built-in definitions register themselves on import.
from harness.service_requests import activate_firmware as _activate
from harness.service_requests import read_firmware_version as _read
from harness.service_requests import update_firmware as _update

BUILT_IN = (
    _update.UPDATE_FIRMWARE,
    _read.READ_FIRMWARE_VERSION,
    _activate.ACTIVATE_FIRMWARE,
    _update.UPDATE_PPMID_FIRMWARE,
)
for _definition in BUILT_IN:
    register(_definition)

__all__ = [
    "BUILT_IN",
    "BuildOptions",
    "Processing",
    "ServiceRequestDefinition",
    "TargetKind",
    "UnknownServiceRequest",
    "definition_for",
    "definitions",
    "register",
]
