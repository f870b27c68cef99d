"""ZigBee OTA side by side: the rig's OTA server end to end through each co-processor kind the
emulator offers, against plain zigpy's OTA manager serving an in-process device (the anchor).

256 KiB images, 64-byte blocks, no link pacing. Every case sends to an emulated ESME (the
emulator's own device model and OTA client):

* ``zigpy-inprocess`` (anchor): zigpy's ``OTAManager`` (``Device.update_firmware``) serving the
  device wired in-process (``tests/ota_loopback.py``), no link, no second process;
* ``server-inprocess``: the rig's OTA server serving that same in-process device;
* ``emulated`` / ``ezsp`` / ``znp``: the full path, ZigbeeRig -> radio library -> the emulator's
  co-processor of that kind in its own process (opened from a rig file, as ``bench ota --rig``).

Targets (DESIGN.md section 3 and the OTA hot-path work): end to end through the emulated radio
link >= 1.5x the anchor's throughput in the same run; harness CPU per block <= 0.1 ms (the
``smets1-hil`` process's CPU over the transfer divided by blocks; an emulator's own process is not
counted). Skipped by default (``--benchmark-skip``); run with
``pytest tests/benchmarks/test_ota_bench.py --benchmark-only`` (the report is printed at the end).
"""

# zigpy's types are not typed for strict mypy.
# mypy: disable-error-code="no-untyped-call,attr-defined"

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import itertools
import pstats
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from emulated_device_images import image_for
from ota_loopback import InProcessDevice, in_process_esme, zigpy_image

import fastpath
from rigs.operations import DeviceRole, TransferStatus
from rigs.zigbee.ota_server import OtaDistribution, OtaSettings

IMAGE_SIZE = 256 * 1024
PROFILED_SIZE = 64 * 1024  # the transfer whose calls per block are counted
BLOCK = 64
ROUNDS = 2
ESME = "00137A0100000102"
KINDS = ("emulated", "ezsp", "znp")

_versions = itertools.count(0x02000000)


def _record(benchmark: Any, who: str, blocks: list[int], cpu: list[float]) -> None:
    benchmark.extra_info.update(
        {
            "case": "ota_256k_64",
            "who": who,
            "bytes": IMAGE_SIZE,
            "fastpath": fastpath.IMPLEMENTATION,
            "blocks": max(blocks),
            "harness_cpu_ms_per_block": round(1e3 * sum(cpu) / sum(blocks), 4),
        }
    )


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="module")
def in_process(loop: asyncio.AbstractEventLoop) -> InProcessDevice:
    return loop.run_until_complete(in_process_esme())


def test_anchor_zigpy_in_process(
    benchmark: Any, loop: asyncio.AbstractEventLoop, in_process: InProcessDevice
) -> None:
    blocks: list[int] = []
    cpu: list[float] = []

    async def transfer() -> None:
        activated = asyncio.Event()
        in_process.node.device.on_activated(lambda *_: activated.set())
        image = image_for(DeviceRole.ESME, IMAGE_SIZE, version=next(_versions))
        sent: list[int] = []
        started = time.process_time()
        update = asyncio.create_task(
            in_process.device.update_firmware(
                zigpy_image(image), progress_callback=lambda done, total, _: sent.append(done)
            )
        )
        # zigpy answers Upgrade End with "upgrade now": the device activating is the end of
        # the transfer (zigpy then re-interviews the device, which is not part of OTA serving)
        await asyncio.wait_for(activated.wait(), 600)
        cpu.append(time.process_time() - started)
        blocks.append(len(sent))
        update.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await update
        in_process.device.ota_in_progress = False

    benchmark.pedantic(
        lambda: loop.run_until_complete(transfer()), rounds=ROUNDS, iterations=1, warmup_rounds=0
    )
    _record(benchmark, "zigpy-inprocess", blocks, cpu)


def test_server_in_process(
    benchmark: Any, loop: asyncio.AbstractEventLoop, in_process: InProcessDevice
) -> None:
    blocks: list[int] = []
    cpu: list[float] = []

    async def transfer() -> None:
        image = image_for(DeviceRole.ESME, IMAGE_SIZE, version=next(_versions))
        started = time.process_time()
        result = await OtaDistribution(in_process.device, image, OtaSettings(block_cap=BLOCK)).run(
            600
        )
        cpu.append(time.process_time() - started)
        assert result.status is TransferStatus.OK, result.reason
        blocks.append(result.blocks)

    benchmark.pedantic(
        lambda: loop.run_until_complete(transfer()), rounds=ROUNDS, iterations=1, warmup_rounds=0
    )
    _record(benchmark, "server-inprocess", blocks, cpu)


def _offered_kinds() -> tuple[str, ...]:
    from rigs.emulator import coprocessors

    return tuple(coprocessors.kinds())


@pytest.mark.parametrize("kind", KINDS)
def test_end_to_end(
    benchmark: Any, loop: asyncio.AbstractEventLoop, kind: str, tmp_path: Path
) -> None:
    if kind not in _offered_kinds():
        pytest.skip(f"the emulator offers no {kind} co-processor (offers {_offered_kinds()})")
    from harness.bench.ota import rig_from_file
    from rigs.emulator import EmulatorProcess

    devices = tmp_path / "devices.toml"
    devices.write_text(f'[[devices]]\nrole = "ESME"\nieee = "{ESME}"\n', encoding="utf-8")
    args = ["--device-file", str(devices), "--no-test-ports", "--coprocessor", kind]
    blocks: list[int] = []
    cpu: list[float] = []
    with EmulatorProcess(args) as emulator:
        rig_file = tmp_path / "rig.toml"
        rig_file.write_text(
            f'[radio]\nkind = "{kind}"\npath = "{emulator.radio}"\n\n'
            f'[[devices]]\nrole = "ESME"\nieee = "{ESME}"\nmodel = "ESME"\n',
            encoding="utf-8",
        )
        stack = contextlib.AsyncExitStack()
        rig, _, _ = loop.run_until_complete(
            stack.enter_async_context(rig_from_file(rig_file, BLOCK))
        )
        try:

            async def transfer() -> None:
                image = image_for(DeviceRole.ESME, IMAGE_SIZE, version=next(_versions))
                started = time.process_time()
                result = await rig.distribute_image(ESME, image, timeout=600)
                cpu.append(time.process_time() - started)
                assert result.status is TransferStatus.OK, result.reason
                blocks.append(result.blocks)

            benchmark.pedantic(
                lambda: loop.run_until_complete(transfer()),
                rounds=ROUNDS,
                iterations=1,
                warmup_rounds=0,
            )
            calls = loop.run_until_complete(_calls_per_block(rig))
        finally:
            loop.run_until_complete(stack.aclose())
    _record(benchmark, kind, blocks, cpu)
    benchmark.extra_info.update(calls)


async def _calls_per_block(rig: Any) -> dict[str, float]:
    """Function calls per block in the harness process over one more (smaller) transfer, counted
    by cProfile: a figure of the harness's work per block that the machine's load does not
    move, unlike its CPU time."""
    image = image_for(DeviceRole.ESME, PROFILED_SIZE, version=next(_versions))
    profile = cProfile.Profile()
    profile.enable()
    try:
        result = await rig.distribute_image(ESME, image, timeout=600)
    finally:
        profile.disable()
    assert result.status is TransferStatus.OK, result.reason
    stats = pstats.Stats(profile).stats
    every = sum(entry[1] for entry in stats.values())
    python = sum(entry[1] for key, entry in stats.items() if key[0] != "~")
    return {
        "calls_per_block": round(every / result.blocks, 1),
        "python_calls_per_block": round(python / result.blocks, 1),
    }
