"""``smets1-hil bench``: throughput figures for codecs, ZigBee OTA and serial image transfer.

``bench codecs`` times the fastpath against its pure twin and the anchors (bellows' ASH where it is
installed, ``binascii.crc_hqx``). ``bench ota`` sends images over ZigBee through zigpy: to the
embedded emulated rig by default, to the rig a rig file names (``--rig``: any radio kind, real or
emulated), or through a radio link served elsewhere by ``smets1-hil emulate`` (``--radio``). ``bench serial`` sends images over a device's test port: a given URL
(``--port``), or the embedded emulator's port, impaired to ``--baud``, ``--latency`` and ``--loss``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from harness.errors import UserError
from rigs.eui64 import canonical_eui64

ROLES = ("PPMID", "ESME", "GSME")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("bench", help="measure codec and image-transfer throughput")
    kinds = parser.add_subparsers(dest="bench_kind", metavar="KIND", required=True)

    codecs = kinds.add_parser("codecs", help="fastpath codecs: compiled vs pure vs anchors")
    codecs.add_argument(
        "--budget", type=float, default=0.3, help="seconds spent per figure (default 0.3)"
    )
    codecs.add_argument("--json", action="store_true", help="print the figures as JSON")
    codecs.set_defaults(func=run_codecs)

    ota = kinds.add_parser("ota", help="ZigBee OTA image transfer through zigpy")
    ota.add_argument(
        "--rig",
        metavar="FILE",
        type=Path,
        help="rig file (docs/rig-file.md): its first rig's radio, any kind (emulated, ezsp, znp)",
    )
    ota.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        help="write the per-block timeline (timeline.csv, timeline.json), latency.svg and "
        "summary.json here",
    )
    ota.add_argument(
        "--target",
        metavar="MB/MIN",
        type=float,
        help="the throughput each round is held to (MB per minute, 1 MB = 10^6 bytes); exit 1 "
        "when a round is below it (default: the rig file's target for the device's role, else "
        "this project's default, docs/rig-file.md)",
    )
    ota.add_argument(
        "--radio",
        metavar="URL",
        help="emulated radio link served by 'smets1-hil emulate' "
        "(pty path, socket://host:port or rfc2217://host:port); default: start the embedded emulator",
    )
    ota.add_argument(
        "--coprocessor",
        choices=COPROCESSOR_KINDS,
        default="emulated",
        help="without --rig or --radio: the co-processor kind the embedded emulator's radio port "
        "speaks, opened through its radio library (emulated: the radio link; znp: zigpy-znp; "
        "ezsp: bellows; default emulated)",
    )
    _transfer_options(ota, default_block=64)
    ota.set_defaults(func=run_ota)

    serial = kinds.add_parser("serial", help="image transfer over a device's serial test port")
    serial.add_argument(
        "--port",
        metavar="URL",
        help="the device's test port (any pyserial URL); "
        "default: the embedded emulator's port for --role",
    )
    serial.add_argument(
        "--baud",
        type=int,
        help="line rate: pace the emulated port (10 bits per byte); "
        "with --port, the baud rate to open the port at",
    )
    serial.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="added one-way latency in seconds (emulated port)",
    )
    serial.add_argument(
        "--loss", type=float, default=0.0, help="byte-loss probability (emulated port)"
    )
    serial.add_argument("--window", type=int, default=8, help="blocks in flight (default 8)")
    serial.add_argument(
        "--target",
        metavar="PERCENT",
        type=float,
        help="the share of the line rate each round is held to; exit 1 when a round is below it "
        "(default: this project's default for the device's role, docs/rig-file.md)",
    )
    _transfer_options(serial, default_block=1024)
    serial.set_defaults(func=run_serial)


def _transfer_options(parser: argparse.ArgumentParser, *, default_block: int) -> None:
    parser.add_argument(
        "--role",
        choices=ROLES,
        help="which device, by role (default: the rig's first device, the PPMID when embedded)",
    )
    parser.add_argument(
        "--device", metavar="EUI64", help="which device, by IEEE address (overrides --role)"
    )
    parser.add_argument(
        "--size",
        type=_size,
        default=256 * 1024,
        help="image size, e.g. 65536, 256K, 1M (default 256K)",
    )
    parser.add_argument(
        "--block-size",
        "--block",
        type=int,
        default=default_block,
        help=f"block size in bytes (default {default_block})",
    )
    parser.add_argument("--rounds", type=int, default=1, help="how many transfers (default 1)")
    parser.add_argument(
        "--timeout", type=float, default=900.0, help="seconds allowed per transfer (default 900)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--record", action="store_true", help="append the figures to the results database"
    )
    parser.add_argument(
        "--db",
        metavar="PATH|URL",
        help="results database for --record (default $SMETS1_HIL_DB, else "
        "$XDG_DATA_HOME/smets1-hil/results.sqlite)",
    )


def _size(text: str) -> int:
    units = {"K": 1024, "M": 1024 * 1024}
    try:
        value = (
            int(text[:-1]) * units[text[-1].upper()] if text[-1:].upper() in units else int(text)
        )
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r}") from None
    if value < 256:
        raise argparse.ArgumentTypeError("an image must be at least 256 bytes")
    return value


def run_codecs(args: argparse.Namespace) -> int:
    from harness.bench.codecs import format_table, measure

    figures = measure(args.budget)
    if args.json:
        print(json.dumps([{**vars(f), "mb_per_s": f.mb_per_s} for f in figures], indent=2))
    else:
        print(format_table(figures))
    return 0


def _device_eui64(text: str) -> str:
    try:
        return canonical_eui64(text)
    except ValueError:
        raise UserError(f"--device {text[:40]}: not an EUI-64 (16 hex digits)") from None


def _pick(devices: list[dict[str, Any]], args: argparse.Namespace) -> str:
    if args.device:
        wanted = _device_eui64(args.device)
        if not any(d["ieee"] == wanted for d in devices):
            raise UserError(f"--device {args.device}: not among the rig's devices")
        return wanted
    for device in devices:
        if args.role is None or device["role"] == args.role:
            return str(device["ieee"])
    raise UserError(f"--role {args.role}: the rig has no such device")


def _check_counts(args: argparse.Namespace) -> None:
    if args.rounds < 1:
        raise UserError("--rounds: must be at least 1")
    if args.block_size < 1:
        raise UserError("--block-size: must be at least 1")


def _record(
    args: argparse.Namespace,
    *,
    rig_name: str,
    started: str,
    radio_kind: str,
    transfers: list[dict[str, Any]],
    status: int,
) -> None:
    """Append a bench run to the results database; a problem there is one warning line."""
    from harness.evidence.bundle import utc_now
    from harness.evidence.run_info import collect_run_info
    from harness.results import chosen, open_database, record_bench
    from harness.results.ingest import run_facts_of

    where = chosen(args.db)
    if where is None:
        print("smets1-hil: warning: --record with the results database off", file=sys.stderr)
        return
    rig_file = getattr(args, "rig", None)
    try:
        run_info = collect_run_info(
            rigfile=Path(rig_file) if rig_file else None, radio_kinds=[radio_kind], xsd=None
        )
        engine = open_database(where)
        try:
            recorded = record_bench(
                engine,
                started=started,
                finished=utc_now(),
                rig=rig_name,
                facts=run_facts_of({"run": run_info}),
                transfers=transfers,
                exit_status=status,
            )
        finally:
            engine.dispose()
        print(f"results database: run {recorded.run_id}", file=sys.stderr)
    except Exception as exc:  # noqa: BLE001 - the figures are printed; say why the DB missed them
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(
            f"smets1-hil: warning: figures not recorded in the results database: {text}",
            file=sys.stderr,
        )


def _ota_target(args: argparse.Namespace, role: str) -> tuple[float | None, str]:
    """The MB/min target of ``role`` and where it came from: --target, the rig file, default."""
    from harness.rigfile import load_rigfile
    from harness.targets import DEFAULTS, ZIGBEE_OTA

    if args.target is not None:
        return args.target, "--target"
    targets = load_rigfile(args.rig).targets if args.rig is not None else DEFAULTS
    target = targets.target(ZIGBEE_OTA, role)
    return (target.value, target.source) if target is not None else (None, "none")


def run_ota(args: argparse.Namespace) -> int:
    _check_counts(args)
    if args.rig is not None and args.radio is not None:
        raise UserError("give either --rig or --radio, not both")
    if args.coprocessor != "emulated" and (args.rig is not None or args.radio is not None):
        raise UserError("--coprocessor is for the embedded emulator; not with --rig or --radio")
    if args.target is not None and args.target <= 0:
        raise UserError("--target: must be a throughput above 0 MB/min")
    if args.rig is not None and not args.rig.is_file():
        raise UserError(f"--rig {args.rig}: no such file")
    return asyncio.run(_ota(args))


async def _ota(args: argparse.Namespace) -> int:
    from harness.bench.ota import (
        OtaBench,
        device_limit,
        format_bench,
        rig_from_file,
        run_rounds,
        transfer_entries,
        write_outputs,
    )
    from harness.bench.transfer import TransferFailed
    from harness.evidence.bundle import utc_now
    from rigs.bringup import bring_up
    from rigs.operations import RigError
    from rigs.spec import DeviceSpec, RadioSpec, RigSpec

    @contextlib.asynccontextmanager
    async def open_rig() -> AsyncIterator[tuple[Any, str, list[dict[str, Any]]]]:
        if args.rig is not None:
            async with rig_from_file(args.rig, args.block_size) as opened:
                yield opened
            return
        if args.coprocessor != "emulated":
            async with _embedded_coprocessor(args) as opened:
                yield opened
            return
        devices: tuple[DeviceSpec, ...] = ()
        if args.radio is not None:
            if not args.device:
                raise UserError("--radio needs --device EUI64 (the device to send to)")
            # the role is not known before the device is identified, and not checked
            devices = (DeviceSpec(role="", ieee=_device_eui64(args.device), model=""),)
        spec = RigSpec(
            name="bench", radio=RadioSpec(kind="emulated", path=args.radio), devices=devices
        )
        async with contextlib.AsyncExitStack() as stack:
            session = await bring_up(
                stack,
                spec,
                identify=False,
                emulator_args=["--no-test-ports"],
                start_timeout=20.0 if args.radio is None else 60.0,
                join_timeout=30.0 if args.radio is None else 60.0,
                radio_options={"block_size": args.block_size},
            )
            if args.radio is None:
                yield session.radio, "emulated", session.announced
            else:
                ieee = devices[0].ieee
                role = (await session.radio.identify(ieee)).role.value
                yield session.radio, "emulated", [{"ieee": ieee, "role": role}]

    started = utc_now()
    try:
        async with open_rig() as (rig, radio, devices):
            ieee = _pick(devices, args)
            entry = next(d for d in devices if d["ieee"] == ieee)
            limit = device_limit(entry.get("profile"))
            if limit is not None and args.size > limit:
                raise UserError(
                    f"--size {args.size}: the image would be {args.size} bytes, over the "
                    f"{limit} bytes device {ieee} ({entry.get('profile')}) accepts"
                )
            identity = await rig.identify(ieee)
            target, source = _ota_target(args, identity.role.value)
            bench = OtaBench(
                radio, ieee, identity.role.value, args.size, args.block_size,
                target_mb_per_min=target, target_source=source,
            )  # fmt: skip
            try:
                await run_rounds(
                    rig,
                    ieee,
                    identity,
                    bench,
                    rounds=args.rounds,
                    timeout=args.timeout,
                    show_progress=not args.json,
                )
            except ValueError as exc:
                raise UserError(f"--size {args.size}: {exc}") from None
    except (RigError, TransferFailed) as exc:
        raise UserError(str(exc)) from None
    facts = bench.as_dict()
    print(json.dumps(facts, indent=2) if args.json else format_bench(bench))
    if args.out is not None:
        for path in write_outputs(bench, args.out):
            print(f"wrote {path}", file=sys.stderr)
    status = 0
    if bench.target_mb_per_min is not None and bench.missed():
        best = facts["best"]["bytes_per_min"] / 1e6
        print(
            f"below target in round(s) {', '.join(map(str, bench.missed()))}: best {best:.2f} "
            f"MB/min, target {bench.target_mb_per_min:g} MB/min ({bench.target_source})",
            file=sys.stderr,
        )
        status = 1
    if args.record:
        if args.rig is not None:
            from harness.rigfile import load_rigfile

            rig_name = f"bench:{load_rigfile(args.rig).rigs[0].name}"
        else:
            rig_name = "bench:embedded" if args.radio is None else f"bench:{args.radio}"
        _record(
            args,
            rig_name=rig_name,
            started=started,
            radio_kind=radio,
            transfers=transfer_entries(bench),
            status=status,
        )
    return status


COPROCESSOR_KINDS = ("emulated", "znp", "ezsp")


@contextlib.asynccontextmanager
async def _embedded_coprocessor(
    args: argparse.Namespace,
) -> AsyncIterator[tuple[Any, str, list[dict[str, Any]]]]:
    """The embedded emulator serving ``args.coprocessor`` on its radio port (a pty), opened
    through that kind's radio library like a rig file naming it."""
    from rigs.bringup import announced_devices, bring_up
    from rigs.launcher import EmulatorProcess
    from rigs.spec import RadioSpec, RigSpec

    kind = args.coprocessor
    async with contextlib.AsyncExitStack() as stack:
        emulator = await stack.enter_async_context(
            EmulatorProcess(["--no-test-ports", "--coprocessor", kind], start_timeout=20.0)
        )
        spec = RigSpec(
            name="bench",
            radio=RadioSpec(kind=kind, path=emulator.radio, control=emulator.control),
            devices=announced_devices(emulator.devices),
        )
        session = await bring_up(
            stack,
            spec,
            identify=False,
            join_timeout=30.0,
            radio_options={"block_size": args.block_size},
        )
        yield session.radio, kind, emulator.devices


def run_serial(args: argparse.Namespace) -> int:
    _check_counts(args)
    if args.window < 1:
        raise UserError("--window: must be at least 1")
    if not 0.0 <= args.loss < 1.0:
        raise UserError("--loss: must be in [0, 1)")
    if args.latency < 0:
        raise UserError("--latency: must not be negative")
    if args.port is not None and (args.loss or args.latency):
        raise UserError(
            "--loss and --latency impair the embedded emulator's port; they do not apply to --port"
        )
    if args.target is not None and not 0 <= args.target <= 100:
        raise UserError("--target: a share of the line rate, 0 to 100 (percent)")
    return asyncio.run(_serial(args))


DEFAULT_BAUD = 115200
UNPACED_SCHEMES = ("socket://", "loop://", "spy://", "alt://")


def serial_line_rate(port: str | None, baud: int | None) -> tuple[float | None, str]:
    """Bytes per second the port is paced to (10 bits a byte), or None with the reason why a
    percentage of a line rate would mean nothing: the emulated port unpaced without --baud, or a
    pty or TCP socket, which carries bytes as fast as they come whatever baud rate is set."""
    if port is None:
        if baud:
            return baud / 10.0, ""
        return None, "the emulated port is not paced; give --baud to pace it"
    if port.startswith(UNPACED_SCHEMES) or port.startswith("/dev/pts/"):
        return None, f"{port} is a pty or socket, not paced to any baud rate"
    return (baud or DEFAULT_BAUD) / 10.0, ""  # a real port, opened at that rate


async def _serial(args: argparse.Namespace) -> int:
    from harness.bench.transfer import (
        TransferFailed,
        format_figures,
        measure_transfers,
        transfer_entries,
    )
    from harness.evidence.bundle import utc_now
    from harness.targets import DEFAULTS, SERIAL, TARGET_UNITS, Target
    from rigs.launcher import EmulatorProcess
    from rigs.operations import RigError
    from rigs.serial import SerialRig

    started = utc_now()
    line_rate, unpaced = serial_line_rate(args.port, args.baud)
    rig = SerialRig(
        baudrate=args.baud or DEFAULT_BAUD, block_size=args.block_size, window=args.window
    )
    try:
        async with contextlib.AsyncExitStack() as stack:
            stack.push_async_callback(rig.close)
            if args.port is not None:
                identity = await rig.attach(args.port)
                ieee = identity.ieee
                role = identity.role.value
            else:
                impairment = [f"latency={args.latency}", f"loss={args.loss}"]
                if args.baud:
                    impairment.append(f"baud={args.baud}")
                emulator = await stack.enter_async_context(
                    EmulatorProcess(["--impair", ",".join(impairment)])
                )
                ieee = _pick(emulator.devices, args)
                role = next(str(d["role"]) for d in emulator.devices if d["ieee"] == ieee)
                port = next(d["serial"] for d in emulator.devices if d["ieee"] == ieee)
                await rig.attach(port)
            figures = await measure_transfers(
                rig,
                ieee,
                transport="serial",
                size=args.size,
                block_size=args.block_size,
                rounds=args.rounds,
                timeout=args.timeout,
                line_rate_bytes_per_s=line_rate,
                unpaced_reason=unpaced,
                show_progress=not args.json,
            )
    except (RigError, TransferFailed) as exc:
        raise UserError(str(exc)) from None
    figures.role = role
    figures.target = (
        Target(SERIAL, role, args.target, TARGET_UNITS[SERIAL], "--target")
        if args.target is not None
        else DEFAULTS.target(SERIAL, role)
    )
    print(json.dumps(figures.as_dict(), indent=2) if args.json else format_figures(figures))
    status = 1 if figures.missed() else 0
    if args.record:
        _record(
            args,
            rig_name="bench:embedded" if args.port is None else f"bench:{args.port}",
            started=started,
            radio_kind="serial",
            transfers=transfer_entries(figures),
            status=status,
        )
    return status
