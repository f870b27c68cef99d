"""An activation whose Upgrade End Response reached the device twice (the radio library's layer
sends a request again when its SRSP is lost on the radio port): the device acts on the first copy
and refuses the second, as it holds no image any more. The rig goes by the device's state, not by
the refusal; a refusal the state does not contradict stays a failure."""

from __future__ import annotations

from typing import Any

import pytest
from emulated_device_images import NEW_VERSION, image_for
from zigpy.zcl import foundation

import rigs.zigbee.rig as rig_module
from rigs.operations import ActivationStatus, DeviceRole, TransferStatus
from rigs.zigbee import embedded_rig
from rigs.zigbee.ota_server import send_upgrade_time

pytestmark = pytest.mark.slow


async def _held_esme(er: Any) -> str:
    ieee: str = er.by_role(DeviceRole.ESME)[0]
    result = await er.rig.distribute_image(ieee, image_for(DeviceRole.ESME), timeout=60)
    assert result.status is TransferStatus.OK, result.reason
    return ieee


async def test_the_second_copys_refusal_does_not_undo_an_activation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = send_upgrade_time
    answers: list[Any] = []

    async def twice(*args: Any, **kwargs: Any) -> Any:
        answers.append(await real(*args, **kwargs))
        answers.append(await real(*args, **kwargs))
        return answers[-1]

    async with embedded_rig(["--ppmids", "0", "--gsmes", "0"]) as er:
        ieee = await _held_esme(er)
        monkeypatch.setattr(rig_module, "send_upgrade_time", twice)
        activation = await er.rig.activate(ieee)
        assert answers[0].name == "SUCCESS" and answers[1].name != "SUCCESS", answers
        assert activation.status is ActivationStatus.ACTIVATED
        assert activation.running is not None and activation.running.file_version == NEW_VERSION
        assert er.rig.answers_read_from_state == 1


async def test_a_refusal_with_the_image_still_held_is_a_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def refused(*_args: Any, **_kwargs: Any) -> Any:
        return foundation.Status.FAILURE  # never sent: the device still holds it

    async with embedded_rig(["--ppmids", "0", "--gsmes", "0"]) as er:
        ieee = await _held_esme(er)
        monkeypatch.setattr(rig_module, "send_upgrade_time", refused)
        activation = await er.rig.activate(ieee)
        assert activation.status is ActivationStatus.FAILED
        assert activation.reason == "the device answered FAILURE"
        assert er.rig.answers_read_from_state == 0
        assert await er.rig.read_held_image(ieee) is not None
