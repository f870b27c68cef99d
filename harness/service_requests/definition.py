"""What one service request is: its code, body, XML, summary, who may send it and how the DCC
model processes it. Every layer (the parser, the builder, ``smets1-hil duis``, the DCC model)
dispatches through these definitions; a service request is added by registering one."""

from __future__ import annotations

import datetime as dt
import enum
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.duis.codes import ServiceReference
from harness.duis.roles import UserRole

if TYPE_CHECKING:
    from harness.dcc.processor import ProcessResult, ServiceRequestProcessor
    from harness.duis.requests import ServiceRequest


class TargetKind(str, enum.Enum):
    """What the RequestID's target names."""

    DCC = "dcc"
    """The DCC itself (non-device service requests): the devices are in the body."""
    DEVICE = "device"
    """The device the request acts on."""


@dataclass(frozen=True)
class BuildOptions:
    """What a user gave ``smets1-hil duis build`` beyond the header."""

    devices: tuple[str, ...] = ()
    image: bytes | None = field(default=None, repr=False)
    image_name: str = ""
    firmware_version: str | None = None
    firmware_hash: str | None = None
    execution_datetime: dt.datetime | None = None
    cancel: bool = False
    image_path: Path | None = None


Processing = Callable[["ServiceRequestProcessor", "ServiceRequest"], Awaitable["ProcessResult"]]


@dataclass(frozen=True)
class ServiceRequestDefinition:
    reference: ServiceReference
    name: str
    body_element: str
    body_type: type[Any]
    default_command_variant: int
    target: TargetKind
    eligible_roles: frozenset[UserRole]
    eligible_roles_source: str
    """Where the eligible roles come from: a DUIS statement, or "setting" with the reason."""
    build_body: Callable[[ET.Element, Any], None]
    """Fill the body element (already created) from the body."""
    parse_body: Callable[[ET.Element], Any]
    """The body from its element; raises DuisError naming the field."""
    summarise_body: Callable[[Any], list[str]]
    body_from_options: Callable[[BuildOptions], Any]
    """The body from the command line's options; raises UserError for a missing option."""
    devices: Callable[[ServiceRequest], tuple[str, ...]]
    """The devices the request acts on."""
    process: Processing
    """The DCC model's processing, after the checks every request gets."""
