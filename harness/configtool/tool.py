"""The IOC pre-migration configuration tool, acting on GSMEs through a rig's engineering cluster.

The tool is IOC's: it acts only on installations whose SMSO GroupID is in ``scope_groups`` (default
IOC: AA, BA, CA; a setting that widens it); any other installation is left untouched
(``out-of-scope``), neither kept by the fix nor changed. Within scope, the change ``pin-keep``
decides what it does:

- without it (``baseline``, the defect): every engineering menu PIN is replaced with a pseudorandom
  one. The tool does not know the old PIN; it asks the device's "is default" query only to record
  what it overwrote.
- with it (``uplift-1.2``): the PIN is replaced only where it is a default; a non-default PIN is left
  untouched; a default PIN never survives. Whether the PIN is a default is asked of the device
  first; where the device cannot answer, it is asked how many PIN attempts are left and the default
  candidates are verified, never spending the device's last wrong attempt; a device that cannot
  say how many are left is not verified at all (see :meth:`ConfigurationTool.check_default`).

Every decision goes to the audit log (no PIN values); every new PIN goes to the changes file only.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Protocol

from harness.changes import Change, ChangeSet
from harness.configtool.audit import AuditLog
from harness.configtool.changes import ChangeRecord, ChangesFile
from harness.configtool.pin import DEFAULT_PIN_POLICY, Pin, PinPolicy
from harness.configtool.records import (
    ChangeStatus,
    Determination,
    OldPinDefault,
    PinAction,
)
from harness.migration import IOC_GROUP_IDS
from rigs import capabilities
from rigs.eui64 import canonical_eui64
from rigs.operations import DeviceTimeout, PinCheck, RigError

log = logging.getLogger(__name__)

DEVICE_LOCKOUT_ATTEMPTS = 5
"""Our setting, not a fact from a source: the wrong verifications after which we take a SMETS1
device to lock its engineering menu (as the emulated models do). The tool's
``max_wrong_attempts`` defaults to one fewer; set it for a device known to lock sooner."""

MAX_PIN_ROUNDS = 3
"""New PINs tried where the device calls a freshly set PIN one of its own defaults."""

REPLACE = "replace"
SKIP = "skip"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class ConfigurationTarget:
    """One GSME to configure, as the migration inventory lists it."""

    installation_id: str
    device: str  # EUI-64
    supplier: str  # the Installing Supplier
    group_id: str | None = None
    """SMSO GroupID of the installation; None: not known, taken as within the tool's scope."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "device", canonical_eui64(self.device))
        if not self.installation_id or not self.supplier:
            raise ValueError("installation_id and supplier must not be empty")
        if self.group_id is not None:
            object.__setattr__(self, "group_id", self.group_id.strip().upper())


@dataclass(frozen=True)
class DefaultCheck:
    """What the tool found out about the PIN on the device, and what it cost."""

    old_pin_default: OldPinDefault
    determined_by: Determination
    wrong_attempts: int = 0
    attempts_left: int | None = None
    locked: bool = False
    found: Pin | None = None  # the default PIN matched by verification
    note: str = ""


@dataclass(frozen=True)
class ConfigurationOutcome:
    target: ConfigurationTarget
    profile: str
    action: PinAction
    check: DefaultCheck
    status: ChangeStatus | None = None  # None where no PIN was replaced
    change_id: str | None = None
    new_pin: Pin | None = None
    reason: str = ""

    @property
    def pin_in_force_changed(self) -> bool:
        return self.status is ChangeStatus.APPLIED


class PinRig(capabilities.Pin, capabilities.PinChange, Protocol):
    """What the configuration tool asks of a rig: checking PINs and the privileged change."""


class ConfigurationTool:
    """Configures engineering menu PINs of GSMEs the way the profile says."""

    def __init__(
        self,
        rig: PinRig,
        *,
        profile: str | ChangeSet,
        audit: AuditLog,
        changes: ChangesFile,
        policy: PinPolicy = DEFAULT_PIN_POLICY,
        max_wrong_attempts: int = DEVICE_LOCKOUT_ATTEMPTS - 1,
        on_undetermined: str = REPLACE,
        confirm: bool = True,
        clock: Callable[[], dt.datetime] = utc_now,
        timeout: float = 10.0,
        register_secret: Callable[[str], None] | None = None,
        scope_groups: frozenset[str] = IOC_GROUP_IDS,
    ) -> None:
        """``profile``: the changes in force (or a profile name / change names).
        ``register_secret`` is told every PIN value before it goes to the device, so that
        whatever records the link (frame traces, evidence) can scrub it. ``scope_groups``: the
        SMSO GroupIDs of the installations the tool acts on (default IOC)."""
        try:
            self.change_set = ChangeSet.resolve(profile)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"unknown behaviour profile {profile!r}: {exc}") from None
        if on_undetermined not in (REPLACE, SKIP):
            raise ValueError("on_undetermined must be 'replace' or 'skip'")
        if max_wrong_attempts < 0:
            raise ValueError("max_wrong_attempts must not be negative")
        self.rig = rig
        self.profile = self.change_set.name
        self.scope_groups = frozenset(g.strip().upper() for g in scope_groups)
        self.audit = audit
        self.changes = changes
        self.policy = policy
        self.max_wrong_attempts = max_wrong_attempts
        self.on_undetermined = on_undetermined
        self.confirm = confirm
        self.clock = clock
        self.timeout = timeout
        self.register_secret = register_secret
        self._sequence = 0

    async def configure_all(
        self,
        targets: Iterable[ConfigurationTarget],
        progress: Callable[[int, int], None] | None = None,
    ) -> list[ConfigurationOutcome]:
        todo = list(targets)
        outcomes: list[ConfigurationOutcome] = []
        for number, target in enumerate(todo, start=1):
            outcomes.append(await self.configure(target))
            if progress is not None:
                progress(number, len(todo))
        return outcomes

    def in_scope(self, target: ConfigurationTarget) -> bool:
        return target.group_id is None or target.group_id in self.scope_groups

    async def configure(self, target: ConfigurationTarget) -> ConfigurationOutcome:
        if not self.in_scope(target):
            groups = ", ".join(sorted(self.scope_groups))
            outcome = ConfigurationOutcome(
                target,
                self.profile,
                PinAction.OUT_OF_SCOPE,
                DefaultCheck(
                    OldPinDefault.UNKNOWN,
                    Determination.NONE,
                    note=f"GroupID {target.group_id} is outside the tool's scope ({groups}): "
                    "the fix is for IOC only; the device was not touched",
                ),
            )
            self._audit(outcome)
            log.info(
                "installation %s device %s: out of scope (GroupID %s)",
                target.installation_id,
                target.device,
                target.group_id,
            )
            return outcome
        if Change.PIN_KEEP in self.change_set:
            check = await self.check_default(target.device)
        else:
            check = await self._query_default(target.device)
        action = self._decide(check)
        outcome = ConfigurationOutcome(target, self.profile, action, check)
        if action.replaces:
            outcome = await self._replace(outcome)
        self._audit(outcome)
        log.info(
            "installation %s device %s: %s (old PIN default: %s, by %s, wrong attempts %d)%s",
            target.installation_id,
            target.device,
            action.value,
            check.old_pin_default.value,
            check.determined_by.value,
            check.wrong_attempts,
            f", change {outcome.status.value}" if outcome.status is not None else "",
        )
        return outcome

    def _decide(self, check: DefaultCheck) -> PinAction:
        known = check.old_pin_default
        if known is OldPinDefault.YES:
            return PinAction.REPLACED_DEFAULT
        if Change.PIN_KEEP not in self.change_set:
            if known is OldPinDefault.NO:
                return PinAction.REPLACED_NON_DEFAULT
            return PinAction.REPLACED_UNDETERMINED
        if known is OldPinDefault.NO:
            return PinAction.KEPT
        if self.on_undetermined == REPLACE:
            return PinAction.REPLACED_UNDETERMINED
        return PinAction.SKIPPED_UNDETERMINED

    async def _query_default(self, ieee: str) -> DefaultCheck:
        try:
            is_default = await self.rig.pin_is_default(ieee, timeout=self.timeout)
        except RigError as exc:
            return DefaultCheck(
                OldPinDefault.UNKNOWN, Determination.NONE, note=f"device query failed: {exc}"
            )
        answer = OldPinDefault.YES if is_default else OldPinDefault.NO
        return DefaultCheck(answer, Determination.DEVICE_QUERY)

    async def check_default(self, ieee: str) -> DefaultCheck:
        """Is the device's PIN a default? Asks the device; failing that, verifies candidates.

        Before any verification the device's PIN status says how many attempts are left; where it
        cannot be read, nothing is verified (the answer is unknown). Verification never makes more
        than ``max_wrong_attempts`` wrong attempts and always leaves the device at least one; it
        does not start on a locked device. A correct verification resets the device's count.
        """
        queried = await self._query_default(ieee)
        if queried.determined_by is Determination.DEVICE_QUERY:
            return queried
        try:
            status = await self.rig.read_pin_status(ieee, timeout=self.timeout)
        except RigError as exc:
            return DefaultCheck(
                OldPinDefault.UNKNOWN,
                Determination.NONE,
                note=f"{queried.note}; PIN status not readable, so not verifying: {exc}",
            )
        if status.is_default is not None:
            answer = OldPinDefault.YES if status.is_default else OldPinDefault.NO
            return DefaultCheck(
                answer, Determination.DEVICE_QUERY, attempts_left=status.attempts_left
            )
        if status.locked or status.attempts_left <= 0:
            return DefaultCheck(
                OldPinDefault.UNKNOWN,
                Determination.NONE,
                attempts_left=status.attempts_left,
                locked=True,
                note="the device reports its engineering menu locked",
            )
        spent = 0
        left = status.attempts_left
        for candidate in self.policy.defaults:
            allowed = min(self.max_wrong_attempts - spent, left - 1)
            if allowed <= 0:
                return DefaultCheck(
                    OldPinDefault.UNKNOWN,
                    Determination.VERIFICATION,
                    spent,
                    left,
                    note="stopped verifying to keep the device's last attempts",
                )
            try:
                verification = await self.rig.verify_pin(
                    ieee, self._send(candidate), timeout=self.timeout
                )
            except RigError as exc:
                return DefaultCheck(
                    OldPinDefault.UNKNOWN,
                    Determination.VERIFICATION,
                    spent,
                    left,
                    note=f"verification failed: {exc}",
                )
            if verification.result is PinCheck.CORRECT:
                return DefaultCheck(
                    OldPinDefault.YES,
                    Determination.VERIFICATION,
                    spent,
                    verification.attempts_left,
                    found=candidate,
                )
            if verification.result is PinCheck.LOCKED:
                return DefaultCheck(
                    OldPinDefault.UNKNOWN,
                    Determination.VERIFICATION,
                    spent,
                    verification.attempts_left,
                    locked=True,
                    note="the device reports its engineering menu locked",
                )
            spent += 1
            left = verification.attempts_left
            if left <= 0:
                return DefaultCheck(
                    OldPinDefault.UNKNOWN,
                    Determination.VERIFICATION,
                    spent,
                    left,
                    locked=True,
                    note="the device had no attempts left",
                )
        return DefaultCheck(OldPinDefault.NO, Determination.VERIFICATION, spent, left)

    def _next_change_id(self, target: ConfigurationTarget, when: dt.datetime) -> str:
        self._sequence += 1
        stamp = when.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        return f"{stamp}-{self._sequence}-{target.installation_id}"

    async def _replace(self, outcome: ConfigurationOutcome) -> ConfigurationOutcome:
        """Set a new PIN; if the device calls the new PIN a default (one of its own defaults the
        policy does not list), set another, up to ``MAX_PIN_ROUNDS`` times."""
        target = outcome.target
        avoid = outcome.check.found
        for _ in range(MAX_PIN_ROUNDS):
            new_pin = self.policy.new_pin(not_equal_to=avoid)
            change_id = self._next_change_id(target, self.clock())
            # Written (and synced) before the device is told, so a PIN in force is never lost.
            self._record(outcome, change_id, ChangeStatus.PENDING, new_pin)
            status, reason = await self._apply(target.device, new_pin)
            if status is not ChangeStatus.PENDING:
                self._record(outcome, change_id, status, new_pin)
            if status is ChangeStatus.APPLIED and await self._device_calls_default(target.device):
                reason = "the device reports the new PIN as one of its defaults"
                avoid = new_pin
                continue
            break
        return replace(outcome, status=status, change_id=change_id, new_pin=new_pin, reason=reason)

    def _record(
        self, outcome: ConfigurationOutcome, change_id: str, status: ChangeStatus, new_pin: Pin
    ) -> None:
        self.changes.append(
            ChangeRecord(
                change_id=change_id,
                installation_id=outcome.target.installation_id,
                device_eui64=outcome.target.device,
                recorded_at=self.clock(),
                profile=self.profile,
                old_pin_default=outcome.check.old_pin_default,
                action=outcome.action,
                status=status,
                new_pin=new_pin,
            )
        )

    async def _device_calls_default(self, ieee: str) -> bool:
        """The device's own view of the PIN now in force; False where it cannot say."""
        try:
            return await self.rig.pin_is_default(ieee, timeout=self.timeout)
        except RigError:
            return False

    async def _apply(self, ieee: str, new_pin: Pin) -> tuple[ChangeStatus, str]:
        try:
            await self.rig.set_pin(ieee, self._send(new_pin), timeout=self.timeout)
        except DeviceTimeout as exc:
            return ChangeStatus.PENDING, f"no answer to the PIN change, may be in force: {exc}"
        except RigError as exc:
            return ChangeStatus.FAILED, f"device refused the PIN change: {exc}"
        if not self.confirm:
            return ChangeStatus.APPLIED, ""
        try:
            verification = await self.rig.verify_pin(
                ieee, self._send(new_pin), timeout=self.timeout
            )
        except RigError as exc:
            return ChangeStatus.PENDING, f"PIN change not confirmed: {exc}"
        if verification.result is PinCheck.CORRECT:
            return ChangeStatus.APPLIED, ""
        if verification.result is PinCheck.LOCKED:
            return ChangeStatus.PENDING, "PIN change not confirmed: the device is locked"
        return ChangeStatus.FAILED, "the device does not accept the new PIN after the change"

    def _send(self, pin: Pin) -> str:
        """The digits for the device, registered as secret first."""
        digits = pin.reveal()
        if self.register_secret is not None:
            self.register_secret(digits)
        return digits

    def _audit(self, outcome: ConfigurationOutcome) -> None:
        check = outcome.check
        self.audit.write(
            {
                "event": "engineering-pin-configuration",
                "time": self.clock().astimezone(dt.UTC).isoformat(),
                "profile": outcome.profile,
                "installation_id": outcome.target.installation_id,
                "group_id": outcome.target.group_id,
                "device": outcome.target.device,
                "supplier": outcome.target.supplier,
                "old_pin_default": check.old_pin_default.value,
                "determined_by": check.determined_by.value,
                "wrong_attempts": check.wrong_attempts,
                "attempts_left": check.attempts_left,
                "locked": check.locked,
                "action": outcome.action.value,
                "change_id": outcome.change_id,
                "change_status": None if outcome.status is None else outcome.status.value,
                "note": "; ".join(part for part in (check.note, outcome.reason) if part) or None,
            }
        )
