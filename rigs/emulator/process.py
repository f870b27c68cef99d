"""The emulator process: host the emulated devices, serve their radio link and their test ports.

``python -m rigs.emulator`` (or ``smets1-hil emulate``) runs :func:`main`. It prints one JSON line
saying where the radio port is, what it speaks, where the control channel is and which devices it
hosts, with each device's serial test port, e.g. ``{"radio": "/dev/pts/7", "coprocessor": "znp",
"firmware": "...", "control": "tcp://127.0.0.1:40123", "devices": [{"ieee": ..., "role": ...,
"serial": "/dev/pts/9"}, ...], "pid": 4242, "fastpath": "compiled"}``, then serves until SIGINT or
SIGTERM.

:class:`rigs.launcher.EmulatorProcess` (re-exported here) starts that process as a subprocess and
reads the JSON line; the emulator it starts ends when the process that started it ends
(:mod:`rigs.emulator.parent_watch`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rigs.emulator import coprocessors
from rigs.emulator.clock import DeviceClock
from rigs.emulator.control_server import ControlServer
from rigs.emulator.coprocessors import CoProcessor
from rigs.emulator.coprocessors.air import Air
from rigs.emulator.device import EmulatedDevice
from rigs.emulator.device_file import EmulatorConfig, default_config, load_device_file
from rigs.emulator.device_test_port import DeviceTestPort
from rigs.emulator.parent_watch import arm, watch_parent
from rigs.impair import ImpairedLink, Impairment
from rigs.launcher import EmulatorProcess, EmulatorStartError
from rigs.link import Link

LOGGER = logging.getLogger(__name__)

__all__ = ["EmulatorProcess", "EmulatorStartError", "main", "serve"]


def device_summary(config: EmulatorConfig) -> list[dict[str, Any]]:
    return [
        {
            "ieee": s.ieee,
            "role": s.profile.role.value,
            "profile": s.profile.name,
            "model": s.profile.model,
            "manufacturer": s.profile.manufacturer,
            "manufacturer_code": s.profile.manufacturer_code,
            "image_type": s.profile.image_type,
            "hardware_version": s.profile.hardware_version,
            "nwk": s.nwk,
        }
        for s in config.devices
    ]


def parse_tcp(value: str, option: str = "--tcp") -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{option} wants HOST:PORT, got {value!r}")
    return host or "127.0.0.1", int(port)


def serial_port_address(tcp: tuple[str, int], index: int, base: int | None) -> tuple[str, int]:
    """Where device ``index`` (from 0) serves its test port when the radio link is on TCP.

    From ``base`` if given, else from the port after the radio link's; an ephemeral port for every
    device when the radio link's port is 0 and no base is given.
    """
    host, radio_port = tcp
    if base is not None:
        port = base + index
    elif radio_port:
        port = radio_port + 1 + index
    else:
        return host, 0
    if port > 65535:
        raise ValueError(f"test port of device {index + 1} would be TCP port {port}, above 65535")
    return host, port


async def serve(
    config: EmulatorConfig,
    *,
    tcp: tuple[str, int] | None = None,
    announce: Any = None,
    test_ports: bool = True,
    serial_tcp_base: int | None = None,
    impairment: Impairment | None = None,
    radio_impairment: Impairment | None = None,
    parent_pid: int | None = None,
    coprocessor: str = coprocessors.DEFAULT_KIND,
    control: tuple[str, int] = ("127.0.0.1", 0),
    radio_fd: int | None = None,
    power_http: tuple[str, int] | None = None,
    radio_tcp: tuple[str, int] | None = None,
    ezsp_ash: str | None = None,
) -> None:
    """Run the emulator until SIGINT/SIGTERM; ``announce`` gets the JSON-able start record.

    Each device's test port is served on its own pty, or on TCP when ``tcp`` is given (see
    :func:`serial_port_address`), behind ``impairment`` if given, else the device file's setting.
    With ``parent_pid`` the emulator also ends when that process is no longer its parent.
    With ``radio_fd`` the radio link is served on that inherited socket (one end of a socketpair
    whose other end the starting process holds) instead of a pty. With ``radio_tcp`` only the
    radio port is served on TCP (test ports stay on ptys), to one host: the listening socket closes
    once the first host has connected, so no other local process can take the port over.
    ``coprocessor`` is the kind of co-processor the radio port speaks (:mod:`.coprocessors`);
    ``control`` where the control channel listens (port 0: an ephemeral port).
    With ``power_http`` the devices' power switches are also served there over HTTP
    (:mod:`.power_http`). ``ezsp_ash``: the EZSP NCP's ASH settings
    (:meth:`~rigs.emulator.coprocessors.ezsp.ash.AshSettings.parse`).
    """
    import fastpath
    from rigs.link import link_from_streams, open_pty_pair
    from rigs.serial.serve import ServedPort, serve_on_pty, serve_on_tcp

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    clock = DeviceClock(config.clock_start)
    devices = [EmulatedDevice(spec, clock) for spec in config.devices]
    air = Air(devices, clock)
    server = coprocessors.create(coprocessor, air)
    if ezsp_ash is not None:
        from rigs.emulator.coprocessors.ezsp.ash import AshSettings
        from rigs.emulator.coprocessors.ezsp.kind import EzspCoProcessor

        assert isinstance(server, EzspCoProcessor)  # serve_options checked it
        server.set_ash_settings(AshSettings.parse(ezsp_ash))
    summary = device_summary(config)
    control_server = ControlServer(
        air,
        info=lambda: {"coprocessor": server.kind, "firmware": server.firmware, "devices": summary},
        link_stats=server.stats,
    )
    tasks: list[asyncio.Task[None]] = []
    tcp_server: asyncio.Server | None = None
    current: list[asyncio.Task[None]] = []
    served_ports: list[ServedPort] = []
    if parent_pid is not None:
        tasks.append(asyncio.create_task(watch_parent(parent_pid, stop.set)))
    radio_listen = tcp if tcp is not None else radio_tcp
    try:
        if radio_listen is None:
            if radio_fd is not None:
                from rigs.link.fd_link import FdLink

                own_link: Any = FdLink(
                    f"fd://{radio_fd}",
                    radio_fd,
                    on_close=lambda: os.close(radio_fd),
                    eof_reason="connection closed by the other end",
                )
                path = "socketpair"
            else:
                own_link, path = open_pty_pair()
            link = _impaired(own_link, radio_impairment, server)
            radio = path
            tasks.append(asyncio.create_task(server.serve(link)))
        else:

            async def _client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
                if tcp is None and tcp_server is not None:
                    tcp_server.close()  # --radio-tcp serves the one host that connected first
                for old in current:
                    old.cancel()
                peer = writer.get_extra_info("peername")
                client_link = _impaired(
                    link_from_streams(reader, writer, url=f"tcp-client:{peer}"),
                    radio_impairment,
                    server,
                )
                task = asyncio.current_task()
                assert task is not None
                current[:] = [task]
                try:
                    await server.serve(client_link, new_host=True)
                finally:
                    await client_link.close()

            tcp_server = await asyncio.start_server(_client, radio_listen[0], radio_listen[1])
            host, port = tcp_server.sockets[0].getsockname()[:2]
            radio = f"socket://{host}:{port}"
        control_url = await control_server.start(*control)
        power_url: str | None = None
        if power_http is not None:
            from rigs.emulator.power_http import PowerControl, serve_power

            power_server = await serve_power(PowerControl(air.nodes), *power_http)
            tasks.append(asyncio.create_task(_serve_until_cancelled(power_server)))
            power_host, power_port = power_server.sockets[0].getsockname()[:2]
            power_url = f"http://{power_host}:{power_port}/power/{{index}}/{{value}}"
            for number, entry in enumerate(summary, start=1):
                entry["power_index"] = number
        if test_ports:
            for index, (device, entry) in enumerate(zip(devices, summary, strict=True)):
                port_device = DeviceTestPort(device)
                setting = impairment if impairment is not None else device.spec.test_port_impairment
                if tcp is None:
                    served = await serve_on_pty(port_device, impairment=setting)
                else:
                    host, port = serial_port_address(tcp, index, serial_tcp_base)
                    served = await serve_on_tcp(port_device, host, port, impairment=setting)
                served_ports.append(served)
                entry["serial"] = served.url
        record: dict[str, Any] = {
            "radio": radio,
            "coprocessor": server.kind,
            "firmware": server.firmware,
            "control": control_url,
            "devices": summary,
            "pid": os.getpid(),
            "fastpath": fastpath.IMPLEMENTATION,
        }
        if power_url is not None:
            record["power"] = power_url
        if announce is not None:
            announce(record)
        await stop.wait()
    finally:
        if tcp_server is not None:
            tcp_server.close()
        for task in tasks + current:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for served in served_ports:
            await served.close()
        LOGGER.info("radio port statistics: %s", json.dumps(server.stats()))
        await control_server.close()
        air.close()


async def _serve_until_cancelled(server: asyncio.Server) -> None:
    async with server:
        await server.serve_forever()


def _impaired(link: Link, impairment: Impairment | None, server: CoProcessor) -> Link:
    """``link`` behind ``impairment`` (when given); the server's link statistics count the
    bytes the impaired line lost or corrupted in each direction."""
    if impairment is None or impairment.is_clear:
        return link
    impaired = ImpairedLink(link, impairment)
    server.set_line_stats(
        lambda: {
            "to_host_lost": impaired.tx.lost,
            "to_host_corrupted": impaired.tx.corrupted,
            "from_host_lost": impaired.rx.lost,
            "from_host_corrupted": impaired.rx.corrupted,
        }
    )
    return impaired


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    if parser is None:
        parser = argparse.ArgumentParser(prog="smets1-hil emulate")
    parser.add_argument("--device-file", type=Path, help="TOML device file (docs/device-file.md)")
    parser.add_argument(
        "--power-http",
        metavar="HOST:PORT",
        help="serve the devices' power switches over HTTP, as labgrid's simplerest power "
        "backend drives them (port 0: any free port)",
    )
    parser.add_argument("--ppmids", type=int, default=None, help="number of PPMIDs (default 1)")
    parser.add_argument("--esmes", type=int, default=None, help="number of ESMEs (default 1)")
    parser.add_argument("--gsmes", type=int, default=None, help="number of GSMEs (default 1)")
    parser.add_argument(
        "--tcp",
        metavar="HOST:PORT",
        help="serve the radio link on a TCP port instead of a pty, and each device's test port "
        "on the TCP ports after it (PORT+1, PORT+2, ...; ephemeral ports when PORT is 0)",
    )
    parser.add_argument(
        "--coprocessor",
        default=coprocessors.DEFAULT_KIND,
        choices=coprocessors.kinds(),
        help=f"what the radio port speaks (default {coprocessors.DEFAULT_KIND}; "
        "see docs/coprocessors.md)",
    )
    parser.add_argument(
        "--ezsp-ash",
        metavar="SETTINGS",
        help="with --coprocessor ezsp: the NCP's ASH parameters (UG101's manufacturing tokens), "
        'e.g. "ack_timeouts=0,t_rx_ack_max=1.6" (window, ack_timeouts, t_rx_ack_init, '
        "t_rx_ack_min, t_rx_ack_max; default UG101's values, window 3)",
    )
    parser.add_argument(
        "--control",
        metavar="HOST:PORT",
        default="127.0.0.1:0",
        help="where the control channel (device clock, device state, link statistics) listens "
        '(default 127.0.0.1:0, an ephemeral port; printed as "control")',
    )
    parser.add_argument(
        "--serial-tcp-base",
        metavar="PORT",
        type=int,
        help="with --tcp: serve the devices' test ports from this TCP port on (PORT, PORT+1, ...)",
    )
    parser.add_argument(
        "--radio-tcp",
        metavar="HOST:PORT",
        help="serve only the radio port on TCP (test ports stay on ptys), to the first host that "
        "connects (port 0: an ephemeral port; printed as socket://HOST:PORT)",
    )
    parser.add_argument(
        "--radio-fd",
        metavar="FD",
        type=int,
        help="serve the radio link on this inherited socket descriptor instead of a pty "
        "(set by EmulatorProcess for the embedded rig)",
    )
    parser.add_argument(
        "--no-test-ports",
        dest="test_ports",
        action="store_false",
        help="do not serve the devices' serial test ports",
    )
    parser.add_argument(
        "--impair",
        metavar="SETTINGS",
        help='impair every test port, e.g. "baud=115200,latency=0.01,loss=0.001" (overrides '
        "the device file's settings; see docs/device-file.md)",
    )
    parser.add_argument(
        "--impair-radio",
        metavar="SETTINGS",
        help='impair the radio port, both directions, e.g. "loss=0.01" or "corrupt=0.001,seed=7" '
        "(same settings as --impair)",
    )
    parser.add_argument(
        "--exit-with-parent",
        metavar="PID",
        type=int,
        help="end when process PID (the one starting the emulator) ends; set by EmulatorProcess",
    )
    parser.add_argument(
        "--parent-death-signal",
        action="store_true",
        help="with --exit-with-parent, on Linux also ask the kernel for SIGTERM when the "
        "parent thread ends (set by EmulatorProcess when it starts from its main thread)",
    )
    parser.add_argument(
        "--log-level",
        default="WARNING",
        type=str.upper,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="logging level on stderr (default WARNING)",
    )
    return parser


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    """Raises ValueError / DeviceFileError with a one-line reason."""
    counts = (args.ppmids, args.esmes, args.gsmes)
    if args.device_file is not None:
        if any(c is not None for c in counts):
            raise ValueError("give either --device-file or --ppmids/--esmes/--gsmes, not both")
        return load_device_file(args.device_file)
    values = [1 if c is None else c for c in counts]
    if any(v < 0 or v > 1000 for v in values) or sum(values) == 0:
        raise ValueError("device counts must be 0..1000 and at least one device in all")
    return default_config(*values)


def serve_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of :func:`serve` from the command line (ValueError if wrong)."""
    tcp = parse_tcp(args.tcp) if args.tcp else None
    if args.serial_tcp_base is not None:
        if tcp is None:
            raise ValueError("--serial-tcp-base needs --tcp")
        if not 1 <= args.serial_tcp_base <= 65535:
            raise ValueError("--serial-tcp-base must be a TCP port, 1..65535")
    radio_tcp = parse_tcp(args.radio_tcp, "--radio-tcp") if args.radio_tcp else None
    if sum(x is not None for x in (tcp, radio_tcp, args.radio_fd)) > 1:
        raise ValueError("give only one of --tcp, --radio-tcp and --radio-fd")
    impairment = Impairment.parse(args.impair) if args.impair else None
    if args.ezsp_ash is not None:
        if args.coprocessor != "ezsp":
            raise ValueError("--ezsp-ash needs --coprocessor ezsp")
        from rigs.emulator.coprocessors.ezsp.ash import AshSettings

        AshSettings.parse(args.ezsp_ash)  # a mistake is one clear line, before anything starts
    radio_impairment = Impairment.parse(args.impair_radio) if args.impair_radio else None
    return {
        "tcp": tcp,
        "test_ports": args.test_ports,
        "serial_tcp_base": args.serial_tcp_base,
        "impairment": impairment,
        "radio_impairment": radio_impairment,
        "parent_pid": args.exit_with_parent,
        "coprocessor": args.coprocessor,
        "control": parse_tcp(args.control, "--control"),
        "radio_fd": args.radio_fd,
        "power_http": parse_tcp(args.power_http, "--power-http") if args.power_http else None,
        "radio_tcp": radio_tcp,
        "ezsp_ash": args.ezsp_ash,
    }


def parent_gone(args: argparse.Namespace) -> bool:
    """Arm the watch on the starting process (if asked); True if it has already gone."""
    if args.exit_with_parent is None:
        return False
    return not arm(args.exit_with_parent, death_signal=args.parent_death_signal)


class EmulatorCommandError(Exception):
    """A command line or device file that cannot be used, or ports that cannot be served."""


def run(args: argparse.Namespace) -> int:
    """Serve as the parsed command line asks; 1 if the starting process has already gone.

    Raises :class:`EmulatorCommandError` with a one-line reason for a user's mistake.
    """
    if parent_gone(args):
        return 1
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        config = config_from_args(args)
        options = serve_options(args)
    except ValueError as exc:  # DeviceFileError included
        raise EmulatorCommandError(str(exc)) from None

    def announce(record: dict[str, Any]) -> None:
        print(json.dumps(record), flush=True)

    try:
        asyncio.run(serve(config, announce=announce, **options))
    except OSError as exc:
        reason = f"cannot serve the emulated devices: {exc.strerror or exc}"
        raise EmulatorCommandError(reason) from None
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(build_parser().parse_args(argv))
    except EmulatorCommandError as exc:
        print(f"smets1-hil emulate: error: {exc}", file=sys.stderr)
        return 2
