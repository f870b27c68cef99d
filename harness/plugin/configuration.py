"""The ``config_tool`` fixture: the IOC pre-migration configuration tool with the run's changes in
force, on the rig.

Its audit log and changes file (the only place new PINs are written) live in the scenario's
temporary directory, never in the evidence bundle. Every PIN it sets is registered as a secret
with the scenario's evidence, so none can reach a record.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harness.evidence.recorder import ScenarioEvidence
from harness.plugin.rig import HilDevice, HilRig

if TYPE_CHECKING:
    from harness.configtool import ConfigurationOutcome


@dataclass
class ConfigurationRun:
    outcome: ConfigurationOutcome
    new_pin: str | None  # the PIN now in force where the tool replaced it

    @property
    def action(self) -> str:
        return str(self.outcome.action.value)


class ConfigurationToolSession:
    def __init__(
        self, rig: HilRig, profile: str, workdir: Path, evidence: ScenarioEvidence
    ) -> None:
        from harness.configtool import DEFAULT_PIN_VALUES

        self.rig = rig
        self.profile = profile
        self.evidence = evidence
        self.changes_path = workdir / "pin-changes.csv"
        self.audit_path = workdir / "configuration-audit.jsonl"
        for value in DEFAULT_PIN_VALUES:
            evidence.secret(value)

    @property
    def default_pins(self) -> tuple[str, ...]:
        from harness.configtool import DEFAULT_PIN_VALUES

        return tuple(DEFAULT_PIN_VALUES)

    def configure(
        self, device: HilDevice, *, profile: str | None = None, group_id: str | None = None
    ) -> ConfigurationRun:
        """Run the tool on one device (its installation, supplier and GroupID as the rig file lists
        them; ``group_id`` puts the installation in another cohort)."""
        from harness.configtool import AuditLog, ChangesFile, ConfigurationTarget, ConfigurationTool

        tool = ConfigurationTool(
            self.rig.ops,
            profile=profile or self.profile,
            audit=AuditLog(self.audit_path),
            changes=ChangesFile(self.changes_path),
        )
        target = ConfigurationTarget(
            installation_id=device.spec.installation_id or f"INST-{device.ieee}",
            device=device.ieee,
            supplier=device.spec.installing_supplier or "SUPPLIER-UNKNOWN",
            group_id=group_id or device.spec.group_id,
        )
        outcome = self.rig.run(tool.configure(target))
        new_pin = outcome.new_pin.reveal() if outcome.new_pin is not None else None
        if new_pin is not None:
            self.evidence.secret(new_pin)
        return ConfigurationRun(outcome, new_pin)
