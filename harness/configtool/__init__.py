"""The IOC pre-migration configuration tool: engineering menu PINs of GSMEs."""

from harness.configtool.audit import AuditLog
from harness.configtool.changes import ChangeRecord, ChangesFile, ChangesFileError, read_changes
from harness.configtool.pin import DEFAULT_PIN_POLICY, DEFAULT_PIN_VALUES, Pin, PinPolicy
from harness.configtool.records import ChangeStatus, Determination, OldPinDefault, PinAction
from harness.configtool.tool import (
    ConfigurationOutcome,
    ConfigurationTarget,
    ConfigurationTool,
    DefaultCheck,
)

__all__ = [
    "DEFAULT_PIN_POLICY",
    "DEFAULT_PIN_VALUES",
    "AuditLog",
    "ChangeRecord",
    "ChangeStatus",
    "ChangesFile",
    "ChangesFileError",
    "ConfigurationOutcome",
    "ConfigurationTarget",
    "ConfigurationTool",
    "DefaultCheck",
    "Determination",
    "OldPinDefault",
    "Pin",
    "PinAction",
    "PinPolicy",
    "read_changes",
]
