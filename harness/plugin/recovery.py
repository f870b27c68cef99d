"""Between scenarios, a device that stops answering is power-cycled and the recovery recorded.

Before each scenario that uses the rig, every device the rig gives a ``power`` port is asked for
the firmware it runs (one short ZigBee read). A device that does not answer is power-cycled
through its power port and waited for; what happened is in the scenario's evidence record
(``recoveries``) and in summary.json (``recoveries``, with the scenario it came before). So a
nightly run does not lose every later scenario to one hung meter. Devices without a power port,
and a rig whose radio link is lost, are left alone (nothing a power switch can mend).

On by default; ``--hil-recovery off`` turns the probe off (``smets1-hil run -- --hil-recovery
off``). The figures are this project's settings (:class:`RecoverySettings`, fact
``power-recovery`` of :mod:`harness.evidence.sources`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any, cast

import pytest

from harness.plugin.state import RUN_STATE
from rigs.capabilities import Firmware, Power
from rigs.operations import RigError
from rigs.spec import DeviceSpec

POWER = "power"
RECOVERIES = pytest.StashKey[list[dict[str, Any]]]()  # the recoveries made before the scenario


@dataclass(frozen=True)
class RecoverySettings:
    probe_timeout: float = 5.0  # how long a device has to answer the probe
    off_seconds: float = 2.0  # how long the power stays off in a power cycle
    back_timeout: float = 60.0  # how long a power-cycled device has to answer again
    poll_interval: float = 0.5  # between reads while waiting for it


DEFAULT = RecoverySettings()


async def _firmware(radio: Firmware, ieee: str, timeout: float) -> str | RigError:
    try:
        return (await radio.read_firmware_version(ieee, timeout=timeout)).build_id
    except RigError as exc:
        return exc


async def recover_devices(
    radio: Firmware,
    power: Power,
    devices: Sequence[DeviceSpec],
    settings: RecoverySettings = DEFAULT,
) -> list[dict[str, Any]]:
    """Probe ``devices``; power-cycle each one that does not answer and wait for it.

    One entry per device that was power-cycled: ``device``, ``role``, ``problem`` (why the probe
    failed), ``action``, ``off_seconds``, ``recovered``, ``seconds`` (from the probe's failure to
    the first answer, or to giving up), ``firmware`` (what it runs afterwards) or ``failure``.
    """
    entries: list[dict[str, Any]] = []
    for device in devices:
        probe = await _firmware(radio, device.ieee, settings.probe_timeout)
        if not isinstance(probe, RigError):
            continue
        start = time.monotonic()
        entry: dict[str, Any] = {
            "device": device.ieee,
            "role": device.role,
            "problem": str(probe),
            "action": "power-cycle",
            "off_seconds": settings.off_seconds,
        }
        try:
            await power.power_cycle(device.ieee, off_seconds=settings.off_seconds)
        except RigError as exc:
            entry.update(recovered=False, failure=f"power cycle failed: {exc}")
        else:
            deadline = start + settings.back_timeout
            answer: str | RigError = RigError("not asked")
            while time.monotonic() < deadline:
                answer = await _firmware(radio, device.ieee, min(2.0, settings.probe_timeout))
                if not isinstance(answer, RigError):
                    break
                await asyncio.sleep(settings.poll_interval)  # the device is still booting
            if isinstance(answer, RigError):
                entry.update(
                    recovered=False,
                    failure=f"no answer within {settings.back_timeout:g} s of the power cycle",
                )
            else:
                entry.update(recovered=True, firmware=answer)
        entry["seconds"] = round(time.monotonic() - start, 3)
        entries.append(entry)
    return entries


def powered_devices(rig: Any) -> list[DeviceSpec]:
    """The rig's devices that have a power port, when the rig has a driver for them."""
    if rig.ports.get(POWER) is None:
        return []
    return [device for device in rig.spec.devices if device.port(POWER) is not None]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("smets1-hil")
    group.addoption(
        "--hil-recovery",
        dest="hil_recovery",
        choices=("on", "off"),
        default="on",
        help="before each scenario, power-cycle a device with a power port that does not answer "
        "and record it (default on)",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    result = yield  # the fixtures are set up: the rig is up if the scenario uses it
    if item.config.getoption("hil_recovery", "on") != "on":
        return result
    if "rig" not in getattr(item, "fixturenames", ()):
        return result
    state = item.config.stash.get(RUN_STATE, None)
    session = None if state is None else state.rig_session
    if session is None:
        return result
    rig = session.rig
    devices = powered_devices(rig)
    lost = getattr(rig.ops, "link_lost", None)
    if not devices or (lost is not None and lost() is not None):
        return result
    settings = DEFAULT
    worst = settings.probe_timeout + settings.off_seconds + settings.back_timeout + 10.0
    switches = cast(Power, rig.ports[POWER])
    entries = rig.run(recover_devices(rig.ops, switches, devices, settings), worst * len(devices))
    if entries:
        item.stash[RECOVERIES] = entries
    return result
