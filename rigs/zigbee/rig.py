# zigpy's types (uint8_t, NWK, command schemas built from dicts) are not typed for strict mypy.
# mypy: disable-error-code="no-untyped-call,attr-defined,arg-type"
"""The ZigBee rig: the capabilities of :mod:`rigs.capabilities` through zigpy.

The radio is chosen by :class:`ZigbeeRigConfig`: ``"emulated"`` (the emulator's radio link),
``"ezsp"`` (bellows) or ``"znp"`` (zigpy-znp). Every operation has a timeout and returns a typed
result or raises :class:`~rigs.operations.RigError`; zigpy exceptions never reach the caller.
PINs are sent as pre-built frames (so zigpy's debug logging of command arguments never sees them),
are masked in radio traces, and never appear in results or errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import hashlib
import importlib
import logging
import math
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self, TypeVar

import zigpy.application
import zigpy.device
import zigpy.exceptions
import zigpy.types as t
import zigpy.zdo
from zigpy.zcl import foundation
from zigpy.zcl.clusters.general import Basic, Ota
from zigpy.zcl.clusters.smartenergy import Metering
from zigpy.zdo.types import ZDOCmd

from rigs.ash_timers import UG101_SETTINGS, HostAshSettings
from rigs.control_client import ControlClient, ControlError
from rigs.link import LinkClosed, LinkOpenError, TraceWriter, describe_open_error
from rigs.link.base import PEER_CLOSED
from rigs.operations import (
    LIMIT_FACTOR_MAX,
    ActivationResult,
    ActivationStatus,
    DeviceIdentity,
    DeviceRole,
    DeviceTimeout,
    FirmwareVersion,
    HeldImage,
    PinCheck,
    PinStatus,
    PinVerification,
    ProgressCallback,
    RigError,
    TransferResult,
    TransferStatus,
)
from rigs.protocols.radio_link import ieee_to_bytes, ieee_to_text
from rigs.zigbee import log_guard
from rigs.zigbee.emulated_radio import EmulatedRadioApplication
from rigs.zigbee.engineering_cluster import ENGINEERING_CLUSTER_ID, Smets1EngineeringCluster
from rigs.zigbee.ota_server import (
    HOLD,
    OtaDistribution,
    OtaSettings,
    ota_client_cluster,
    send_upgrade_time,
)
from rigs.zigbee.smart_energy import SmartEnergyApplicationMixin
from rigs.zigbee.znp_retries import SYNC_REQUEST_TIMEOUT_S

LOGGER = logging.getLogger(__name__)
T = TypeVar("T")
S = TypeVar("S")

ZIGBEE_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
RADIO_LIBRARIES = {
    "ezsp": ("bellows.zigbee.application", "bellows", "pip install 'smets1-hil[ezsp]'"),
    "znp": ("zigpy_znp.zigbee.application", "zigpy-znp", "reinstall smets1-hil"),
}
PIN_RESULTS = {0: PinCheck.CORRECT, 1: PinCheck.WRONG, 2: PinCheck.LOCKED}
PPMID_DEVICE_TYPE = 0x0507
START_ATTEMPTS = 3  # start-ups of the radio library tried before giving up (our setting)
READ_ATTEMPTS = 3  # a read's timeout is shared among this many attempts (our setting) ...
READ_ATTEMPT_MIN_S = 2.5  # ... each given at least this long
# one request of a read waits ANSWER_WAIT_FACTOR times the answers' recent average time (an
# exponential average, weight ANSWER_AVERAGING per answer), at least ANSWER_WAIT_MIN_S, growing
# by ANSWER_WAIT_GROWTH at each repeat, at most ANSWER_WAIT_MAX_S (zigpy's own reply timeout)
# (our settings). At 1% byte loss an answer of 100 bytes arrives whole a third of the time: a
# read of 10 s needs about ten requests, not the four that a doubling wait from 1 s leaves room for
ANSWER_WAIT_FACTOR = 4.0
ANSWER_AVERAGING = 0.1
ANSWER_WAIT_MIN_S = 0.75
ANSWER_WAIT_GROWTH = 1.25
ANSWER_WAIT_MAX_S = 5.0
FIND_AFTER_S = 10.0  # a device not heard of this long into a wait is asked for (our setting)
IMAGE_SENDS = 5  # sends of one image while the device holds a copy that is not it (our setting)
# recovery counters that move only when the radio port lost or damaged bytes: a transfer that
# moved one of them has its held image checked (MT's one-byte FCS lets a damaged frame through)
LOSS_SIGNS = (
    "requests_sent_again",
    "damaged_requests_refused",
    "confirms_lost",
    "bad_fcs",
    "ash_resends",
    "ash_naks_received",
    "ash_ack_timeouts",
)
# a permit-join's time limit (our setting): zigpy-znp's request is sent again when its callback
# has not come within 5 s (rigs.zigbee.znp_retries), which a lossy radio port needs a few times
PERMIT_JOIN_TIMEOUT_S = 30.0
STATE_READ_TIMEOUT_S = 10.0  # a read of the device's state after a command went unanswered
COMMAND_ATTEMPTS = 4  # sends of a command that changes the device, when it changed nothing (ours)
# On a port losing bytes (a LOSS_SIGNS counter moved within LOSSY_WINDOW_S) each operation's time
# limit is LOSSY_LIMIT_FACTOR times the one asked for, and a command that changed nothing may be
# sent up to LOSSY_COMMAND_ATTEMPTS times (our settings). At 1% byte loss one request and its
# answer both arrive whole about half the time, and a PIN verification (two reads of the PIN
# status around the command) does not always fit in 10 s; counted in ``limits_extended``.
LOSSY_LIMIT_FACTOR = LIMIT_FACTOR_MAX
LOSSY_WINDOW_S = 300.0
LOSSY_COMMAND_ATTEMPTS = 12
INTERVIEW_ATTEMPTS = 5  # zigpy interviews of one device tried (our setting) ...
INTERVIEW_PAUSE_S = 1.0  # ... this far apart
# kinds whose lost link the rig restarts: Z-Stack keeps its devices joined across a restart;
# the emulated EZSP NCP does not (docs/known-limitations.md), so bellows' is not restarted
RECONNECTING_RADIOS = frozenset({"znp"})
RECONNECT_ATTEMPTS = 3  # restarts tried after the link is lost (our setting)
RECONNECT_TIMEOUT_S = 60.0  # each restart's limit
ENGINEERING = Smets1EngineeringCluster.ServerCommandDefs


class RadioUnavailable(RigError):
    """The configured radio cannot be used (library missing, unknown type)."""


@dataclass
class ZigbeeRigConfig:
    path: str  # device path or pyserial URL of the radio
    radio: str = "emulated"  # "emulated", "ezsp" or "znp"
    baudrate: int = 115200
    channel: int = 15
    block_size: int = 64  # OTA block cap in bytes
    stall_timeout: float = 30.0
    nudge_interval: float = 1.0
    min_block_period: int = 0  # OTA minimum block period asked of devices, milliseconds
    trace: Path | None = None
    control: str | None = None  # the emulator's control channel (tcp://HOST:PORT), if any
    ash: str | None = None  # ezsp: the host's ASH timer bounds (bellows_fastpath.HostAshSettings)
    zigpy_config: dict[str, Any] = field(default_factory=dict)

    def app_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "device": {"path": self.path, "baudrate": self.baudrate},
            "database_path": None,
            "network": {"channel": self.channel, "channels": [self.channel]},
            "ota": {"enabled": False},
            "topology_scan_enabled": False,
            "backup_enabled": False,
            "watchdog_enabled": True,
        }
        if self.radio == "ezsp":
            # bellows' default runs its UART on an event loop of its own in a second thread:
            # every frame then crosses threads twice (a self-pipe write and a thread switch
            # each way). On POSIX the serial port is non-blocking in the harness's own loop.
            config["use_thread"] = False
        if self.radio == "znp":
            # zigpy-znp waits 15 s for a lost SRSP by default; the rig sends a request again
            # when its answer is lost (rigs.zigbee.znp_retries), so it waits less per attempt
            config["znp_config"] = {"sync_request_timeout": SYNC_REQUEST_TIMEOUT_S}
        config.update(self.zigpy_config)
        return config


def application_class(radio: str) -> type[zigpy.application.ControllerApplication]:
    """The zigpy application class for ``radio``, with Smart Energy profile support mixed in."""
    if radio == "emulated":
        return EmulatedRadioApplication
    if radio not in RADIO_LIBRARIES:
        raise RadioUnavailable(f"unknown radio type {radio!r} (emulated, ezsp or znp)")
    module_name, library, hint = RADIO_LIBRARIES[radio]
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        raise RadioUnavailable(f"radio {radio!r} needs the {library} library ({hint})") from None
    if radio == "ezsp":
        from rigs.zigbee import bellows_fastpath, bellows_frames, bellows_sends

        bellows_fastpath.install()
        bellows_sends.install()
        bellows_frames.install()
    elif radio == "znp":
        from rigs.zigbee import znp_fastpath

        znp_fastpath.install()
    log_guard.guard(module_name.partition(".")[0])  # no PIN in the library's debug logs
    base = module.ControllerApplication
    mixins: tuple[type, ...] = (SmartEnergyApplicationMixin,)
    if radio == "znp":
        from rigs.zigbee import znp_hot_frames
        from rigs.zigbee.znp_retries import ZnpRetriesMixin

        mixins += (ZnpRetriesMixin,)
        if znp_hot_frames.active():  # OTA frames without zigpy-znp's command objects
            mixins += (znp_hot_frames.mixin(),)
    return type(f"SmartEnergy{base.__name__}", (*mixins, base), {})


def eui64(ieee: str) -> t.EUI64:
    try:
        return t.EUI64(ieee_to_bytes(ieee))
    except ValueError:
        raise RigError(f"not an EUI-64: {ieee!r}") from None


def ieee_text(ieee: t.EUI64) -> str:
    return ieee_to_text(bytes(ieee.serialize()))


def zigbee_time(moment: dt.datetime) -> int:
    if moment.tzinfo is None:
        raise RigError("activation times must be timezone-aware")
    return int((moment - ZIGBEE_EPOCH).total_seconds())


class EmulatorClock:
    """The emulator's injectable device clock, over its control channel (any radio kind)."""

    def __init__(self, control: ControlClient) -> None:
        self._control = control

    async def now(self) -> dt.datetime:
        return await self._guard(self._control.clock_now())

    async def set(self, moment: dt.datetime) -> dt.datetime:
        return await self._guard(self._control.clock_set(moment))

    async def advance(self, seconds: float) -> dt.datetime:
        return await self._guard(self._control.clock_advance(seconds))

    @staticmethod
    async def _guard(call: Any) -> dt.datetime:
        try:
            result: dt.datetime = await call
            return result
        except ControlError as exc:
            raise RigError(f"emulator clock request failed: {exc}") from None


class _Initialized:
    """zigpy application listener: which devices finished their interview; is the radio there."""

    def __init__(self) -> None:
        self.ieees: set[t.EUI64] = set()
        self.changed = asyncio.Event()
        self.lost: Exception | None = None
        self.on_lost: Callable[[Exception], None] | None = None
        self.interview_failures: dict[t.EUI64, int] = {}

    def connection_lost(self, exc: Exception | None) -> None:
        # a radio library reports a port its peer closed cleanly (the emulator ended, a TCP
        # coordinator went away) with no exception: the link is lost all the same
        self.lost = exc if exc is not None else LinkClosed(PEER_CLOSED)
        if self.on_lost is not None:
            self.on_lost(self.lost)

    def device_initialized(self, device: zigpy.device.BaseDevice) -> None:
        self.ieees.add(device.ieee)
        self.changed.set()

    def device_removed(self, device: zigpy.device.BaseDevice) -> None:
        self.ieees.discard(device.ieee)

    def device_init_failure(self, device: zigpy.device.Device) -> None:
        """zigpy's interview of a joined device failed (an answer was lost on the way, zigpy's
        own retries spent): interview it again after a pause, up to INTERVIEW_ATTEMPTS in all."""
        failures = self.interview_failures.get(device.ieee, 0) + 1
        self.interview_failures[device.ieee] = failures
        if failures >= INTERVIEW_ATTEMPTS:
            LOGGER.warning("device %s: interview failed %d times", device.ieee, failures)
            return
        LOGGER.info("device %s: interview failed; interviewing it again", device.ieee)
        asyncio.get_running_loop().call_later(INTERVIEW_PAUSE_S, device.schedule_initialize)


class ZigbeeRig:
    """Identity, firmware, PIN and site id over zigpy. Open with :meth:`open`; close with :meth:`close`."""

    def __init__(
        self,
        app: zigpy.application.ControllerApplication,
        config: ZigbeeRigConfig,
        trace: TraceWriter | None,
        watch: _Initialized | None = None,
        control: ControlClient | None = None,
    ) -> None:
        self.app = app
        self.config = config
        self.trace = trace
        self.ota_settings = OtaSettings(
            block_cap=config.block_size,
            stall_timeout=config.stall_timeout,
            nudge_interval=config.nudge_interval,
            min_block_period=config.min_block_period,
        )
        self.last_distribution: OtaDistribution | None = None  # its counters and timeline
        if watch is None:
            watch = _Initialized()
            app.add_listener(watch)
        self._initialized = watch
        self.control = control
        self.reads_asked_again = 0  # reads whose answer did not come and were asked again
        self.devices_asked_for = 0  # address requests for devices whose join was not heard
        self._answer_s = 0.0  # a read's request to its answer, recent average
        self.commands_sent_again = 0  # commands unanswered that the device's state showed undone
        self.answers_read_from_state = 0  # commands unanswered that the device's state showed done
        self.transfer_ends_read_from_state = 0  # OTA transfers whose end was read from the device
        self.images_checked = 0  # held images read back after a transfer on a lossy port
        self.images_sent_again = 0  # ... that were not the image sent, so it went again
        self.refusals_sent_again = 0  # images refused on a lossy port and sent again
        self.ota_answers_held = 0  # block requests not answered twice while one was in flight
        self.reconnects = 0  # times the radio library's link was lost and brought back
        self.limits_extended = 0  # operations given LOSSY_LIMIT_FACTOR times their limit
        self._signs_seen: tuple[int, ...] | None = None  # LOSS_SIGNS when last looked at
        self._lossy_until = -math.inf  # loop time until which the port counts as losing bytes
        self._reconnecting: asyncio.Task[None] | None = None
        self._closing = False
        if config.radio in RECONNECTING_RADIOS:
            watch.on_lost = self._link_dropped
        self.emulator_clock: EmulatorClock | None = (
            EmulatorClock(control) if control is not None else None
        )
        # bellows' ASH as the fast path counts it (resends, NAKs, timeouts), from the rig's start
        self._ash_base = _host_ash_counts() if config.radio == "ezsp" else None

    # lifecycle ----------------------------------------------------------------------------

    @classmethod
    async def open(cls, config: ZigbeeRigConfig, *, timeout: float = 30.0) -> ZigbeeRig:
        """Connect to the radio, form the network if needed and start it."""
        app_class = application_class(config.radio)
        trace = TraceWriter(config.trace) if config.trace is not None else None
        try:
            app = app_class(config.app_config())
        except Exception as exc:  # noqa: BLE001  (voluptuous raises its own errors)
            if trace is not None:
                trace.close()
            raise RigError(f"bad zigpy configuration: {exc}") from None
        if isinstance(app, EmulatedRadioApplication):
            app.trace = trace
        elif config.radio == "znp" and trace is not None:
            from rigs.zigbee import znp_fastpath

            znp_fastpath.trace_port(config.path, trace)
        # devices already on the network announce themselves during start-up
        watch = _Initialized()
        app.add_listener(watch)
        ash_base = _host_ash_counts() if config.radio == "ezsp" else None
        if config.radio == "ezsp":
            from rigs.zigbee import bellows_fastpath

            bellows_fastpath.configure(
                HostAshSettings.parse(config.ash) if config.ash else UG101_SETTINGS
            )
        control = None
        try:
            if config.control is not None:
                try:
                    control = await ControlClient.connect(config.control)
                except ControlError as exc:
                    raise RigError(str(exc)) from None
            await _start(app, config.path, timeout)
            watch.lost = None  # a failed start-up attempt's lost link is behind us
        except BaseException:
            if control is not None:
                await control.close()
            if trace is not None:
                _untrace(config)
                trace.close()
            raise
        rig = cls(app, config, trace, watch, control)
        rig._ash_base = ash_base  # start-up's resends count too
        return rig

    async def close(self) -> None:
        self._closing = True
        if self._reconnecting is not None:
            self._reconnecting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reconnecting
        if self.control is not None:
            await self.control.close()
        await _quiet_shutdown(self.app)
        if self.trace is not None:
            _untrace(self.config)
            self.trace.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def permit_join(self, seconds: int = 60) -> None:
        try:
            async with asyncio.timeout(PERMIT_JOIN_TIMEOUT_S):
                await self.app.permit(max(0, min(254, int(seconds))))
        except TimeoutError:
            raise DeviceTimeout("permit join was not confirmed in time") from None
        except zigpy.exceptions.ZigbeeException as exc:
            raise RigError(f"permit join failed: {exc}") from None

    @property
    def radio_firmware(self) -> str:
        """What the co-processor reports about itself, as the radio library read it
        (manufacturer, model, firmware version)."""
        node = self.app.state.node_info
        parts = [str(p) for p in (node.manufacturer, node.model, node.version) if p]
        return " ".join(parts) or "not reported"

    def ready_devices(self) -> list[str]:
        """Devices that joined and finished their zigpy interview."""
        return sorted(
            ieee_text(i) for i in self._initialized.ieees if i != self.app.state.node_info.ieee
        )

    async def wait_for_devices(self, ieees: list[str], *, timeout: float = 30.0) -> None:
        """Wait until every device has joined and been interviewed. A device the radio library
        has not heard of after FIND_AFTER_S (its join indication lost on the radio port: the
        co-processor sends it once) is asked for its address by a broadcast every FIND_AFTER_S;
        its answer makes zigpy discover it (counted in ``devices_asked_for``)."""
        wanted = {eui64(i) for i in ieees}
        loop = asyncio.get_running_loop()
        find_at = loop.time() + FIND_AFTER_S
        try:
            async with asyncio.timeout(timeout):
                while not wanted <= self._initialized.ieees:
                    self._initialized.changed.clear()
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(max(0.0, find_at - loop.time())):
                            await self._initialized.changed.wait()
                    if loop.time() >= find_at:
                        find_at = loop.time() + FIND_AFTER_S
                        await self._ask_for(wanted - self._initialized.ieees)
        except TimeoutError:
            missing = sorted(ieee_text(i) for i in wanted - self._initialized.ieees)
            raise DeviceTimeout(
                f"devices not joined and interviewed within {timeout:g} s: {', '.join(missing)}"
            ) from None

    async def _ask_for(self, missing: set[t.EUI64]) -> None:
        """Broadcast a ZDO NWK_addr_req for each device zigpy does not know at all."""
        for ieee in sorted(missing):
            if ieee in self.app.devices:
                continue  # known, being interviewed
            self.devices_asked_for += 1
            LOGGER.warning("device %s not heard of: asking for its address", ieee)
            try:
                await zigpy.zdo.broadcast(
                    self.app,
                    ZDOCmd.NWK_addr_req,
                    0,
                    0,
                    ieee,
                    0,
                    0,
                    broadcast_address=t.BroadcastAddress.RX_ON_WHEN_IDLE,
                )
            except (zigpy.exceptions.ZigbeeException, TimeoutError) as exc:
                LOGGER.info("address request for %s not sent: %s", ieee, exc)

    # plumbing -----------------------------------------------------------------------------

    def _device(self, ieee: str) -> zigpy.device.ZigbeeDevice:
        try:
            device = self.app.get_device(ieee=eui64(ieee))
        except KeyError:
            raise RigError("device is not on the network", device=ieee) from None
        if not isinstance(device, zigpy.device.ZigbeeDevice) or not device.is_initialized:
            raise RigError("device has not finished joining", device=ieee)
        return device

    def link_lost(self) -> Exception | None:
        """What ended the radio link, once it has ended for good (None while it is up or being
        brought back)."""
        return None if self._reconnecting is not None else self._initialized.lost

    # riding through a lost link -------------------------------------------------------------

    def _link_dropped(self, exc: Exception) -> None:
        """The radio library gave its link up (bellows: ASH's retries ran out; zigpy: the
        watchdog went unanswered): start it again as a lab's controller would, keeping zigpy's
        view of the devices; the co-processor keeps the network."""
        if self._closing or self._reconnecting is not None:
            return
        LOGGER.warning("radio link lost (%s): starting the radio again", exc)
        self._reconnecting = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        try:
            for attempt in range(1, RECONNECT_ATTEMPTS + 1):
                try:
                    await self._restart_radio()
                except Exception as exc:  # noqa: BLE001  (radio libraries raise anything)
                    LOGGER.warning("radio restart attempt %d failed: %s", attempt, exc)
                    continue
                self._initialized.lost = None
                self.reconnects += 1
                LOGGER.warning("radio link back (restart %d)", self.reconnects)
                return
            LOGGER.error("radio link lost for good after %d restarts", RECONNECT_ATTEMPTS)
        finally:
            self._reconnecting = None

    async def _restart_radio(self) -> None:
        app = self.app
        watchdog = getattr(app, "_watchdog_task", None)  # zigpy's; a new one starts below
        if watchdog is not None:
            watchdog.cancel()
        with contextlib.suppress(Exception):
            await app.disconnect()
        try:
            async with asyncio.timeout(RECONNECT_TIMEOUT_S):
                await app.connect()
                await app.initialize(auto_form=False)
        except BaseException:
            with contextlib.suppress(Exception):
                await app.disconnect()
            raise

    async def _link_back(self) -> bool:
        """Wait while the link is being brought back; True if it is up."""
        task = self._reconnecting
        if task is not None:
            await asyncio.wait({task})
        return self._initialized.lost is None

    def _lossy(self) -> bool:
        """True while the radio port is losing bytes: a :data:`LOSS_SIGNS` counter moved within
        the last :data:`LOSSY_WINDOW_S` (looked at when an operation starts), or, at the first
        look, since the rig started (the bring-up met loss)."""
        now = asyncio.get_running_loop().time()
        signs = self._loss_signs()
        if signs != self._signs_seen:
            if self._signs_seen is not None or any(signs):
                self._lossy_until = now + LOSSY_WINDOW_S
            self._signs_seen = signs
        return now < self._lossy_until

    @contextlib.asynccontextmanager
    async def _operation(self, ieee: str, what: str, timeout: float) -> AsyncIterator[None]:
        """Map timeouts and zigpy failures to RigError; messages never carry arguments. On a
        port losing bytes the limit is :data:`LOSSY_LIMIT_FACTOR` times ``timeout``."""
        limit, why = timeout, ""
        if self._lossy():
            self.limits_extended += 1
            limit = LOSSY_LIMIT_FACTOR * timeout
            why = f" ({timeout:g} s x{LOSSY_LIMIT_FACTOR:g} on a port losing bytes)"
        try:
            async with asyncio.timeout(limit):
                if not await self._link_back():
                    raise RigError(f"{what}: the radio link is lost", device=ieee)
                yield
        except TimeoutError:
            raise DeviceTimeout(f"{what}: no answer within {limit:g} s{why}", device=ieee) from None
        except RigError:
            raise
        except zigpy.exceptions.DeliveryError:
            raise RigError(f"{what}: the device could not be reached", device=ieee) from None
        except (zigpy.exceptions.ZigbeeException, ValueError, KeyError, struct.error) as exc:
            raise RigError(f"{what}: failed ({type(exc).__name__})", device=ieee) from None

    async def _asked(
        self, ieee: str, what: str, timeout: float, read: Callable[[], Awaitable[T]]
    ) -> T:
        """``read`` (a request that changes nothing on the device) within ``timeout``, asked again
        when its answer does not come within a share of it: a frame lost on the way to or from
        the co-processor, or on the air, costs one attempt instead of the operation."""
        attempt_s = max(READ_ATTEMPT_MIN_S, timeout / READ_ATTEMPTS)
        async with self._operation(ieee, what, timeout):
            attempt = 1
            while True:
                try:
                    async with asyncio.timeout(attempt_s):
                        return await read()
                except Exception as exc:
                    if self._initialized.lost is not None or self._reconnecting is not None:
                        if not await self._link_back():
                            raise RigError(f"{what}: the radio link is lost", device=ieee) from None
                        continue  # asked again on the radio brought back
                    if not isinstance(exc, TimeoutError):
                        raise
                    LOGGER.info(
                        "%s: no answer within %.1f s (attempt %d)", what, attempt_s, attempt
                    )
                    self.reads_asked_again += 1
                    attempt += 1

    async def _unrepeated(
        self,
        ieee: str,
        what: str,
        timeout: float,
        send: Callable[[], Awaitable[T]],
        state: Callable[[], Awaitable[S]],
        outcome: Callable[[S, S], T | None],
        before: S,
    ) -> T:
        """``send`` a command that changes the device, never twice for one effect.

        When the device's answer does not come within a share of ``timeout`` (lost on the way
        to or from the co-processor, or on the air), the command is not simply sent again: the
        device's ``state`` is read and compared with ``before`` (read before the first send).
        ``outcome(before, after)`` gives the command's result when the state shows it was carried
        out (counted in ``answers_read_from_state``), or None when the state is unchanged: the
        command did not arrive, or arrived and changed nothing, and sending it again cannot act
        twice (counted in ``commands_sent_again``). It is sent at most :data:`COMMAND_ATTEMPTS`
        times, :data:`LOSSY_COMMAND_ATTEMPTS` on a port losing bytes. Called inside
        :meth:`_operation`."""
        answer_s = max(READ_ATTEMPT_MIN_S, timeout / READ_ATTEMPTS)
        attempts = LOSSY_COMMAND_ATTEMPTS if self._lossy() else COMMAND_ATTEMPTS
        for attempt in range(1, attempts + 1):
            try:
                async with asyncio.timeout(answer_s):
                    return await send()
            except TimeoutError:
                if attempt == attempts:
                    raise
            after = await state()
            result = outcome(before, after)
            if result is not None:
                self.answers_read_from_state += 1
                LOGGER.warning("%s: no answer; the device's state shows it was done", what)
                return result
            self.commands_sent_again += 1
            LOGGER.warning("%s: no answer; the device's state is unchanged: sent again", what)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _read_state(self, ieee: str, what: str, read: Callable[[], Awaitable[S]]) -> S:
        """A read of the device's state for :meth:`_unrepeated`, asked again as reads are."""
        return await self._asked(ieee, what, STATE_READ_TIMEOUT_S, read)

    def _endpoint_cluster(self, device: zigpy.device.ZigbeeDevice, cluster_id: int) -> Any:
        try:
            return device.find_cluster(cluster_id)
        except ValueError:
            raise RigError(
                f"device has no cluster 0x{cluster_id:04X}", device=ieee_text(device.ieee)
            ) from None

    async def _answered(self, what: str, ask: Callable[[], Awaitable[T]]) -> T:
        """One request of a read (it changes nothing on the device), asked again until answered
        (the caller's time limit ends it): first waiting ANSWER_WAIT_FACTOR times the answers'
        recent average time (within ANSWER_WAIT_MIN_S and ANSWER_WAIT_MAX_S), then
        ANSWER_WAIT_GROWTH times as long at each repeat, up to ANSWER_WAIT_MAX_S, so a device
        slower than usual is still heard."""
        loop = asyncio.get_running_loop()
        usual = ANSWER_WAIT_FACTOR * self._answer_s
        wait = min(ANSWER_WAIT_MAX_S, max(ANSWER_WAIT_MIN_S, usual))
        while True:
            started = loop.time()
            try:
                async with asyncio.timeout(wait):
                    result = await ask()
            except TimeoutError:
                if self._initialized.lost is not None or self._reconnecting is not None:
                    raise
                self.reads_asked_again += 1
                LOGGER.info("%s: no answer within %.1f s: asked again", what, wait)
                wait = min(ANSWER_WAIT_MAX_S, ANSWER_WAIT_GROWTH * wait)
                continue
            took = loop.time() - started
            self._answer_s += ANSWER_AVERAGING * (took - self._answer_s)
            return result

    async def _read(self, cluster: Any, attributes: list[str], ieee: str) -> dict[str, Any]:
        success, failure = await self._answered(
            "read attributes",
            lambda: cluster.read_attributes(attributes, allow_cache=False),
        )
        if failure or set(attributes) - set(success):
            raise RigError(
                f"attributes not readable: {', '.join(sorted(set(attributes) - set(success)))}",
                device=ieee,
            )
        return dict(success)

    async def _engineering(
        self,
        device: zigpy.device.ZigbeeDevice,
        command: foundation.ZCLCommandDef,
        payload: bytes = b"",
    ) -> Any:
        """Send an engineering-cluster command as a pre-built frame; return zigpy's parsed answer."""
        cluster = self._endpoint_cluster(device, ENGINEERING_CLUSTER_ID)
        assert isinstance(cluster, Smets1EngineeringCluster)
        tsn = device.get_sequence()
        manufacturer = device.manufacturer_id or 0
        header = foundation.ZCLHeader.cluster(tsn, command.id, manufacturer=manufacturer)
        result = await cluster.endpoint.request(
            ENGINEERING_CLUSTER_ID,
            tsn,
            header.serialize() + payload,
            command_id=command.id,
            expect_reply=True,
        )
        if isinstance(
            result, foundation.GENERAL_COMMANDS[foundation.GeneralCommand.Default_Response].schema
        ):
            raise RigError(
                f"engineering command refused ({foundation.Status(result.status).name})",
                device=ieee_text(device.ieee),
            )
        return result

    # capabilities --------------------------------------------------------------------------

    async def identify(self, ieee: str, *, timeout: float = 10.0) -> DeviceIdentity:
        async def read() -> DeviceIdentity:
            device = self._device(ieee)
            ota = self._ota_client(device)
            values = await self._read(ota, ["manufacturer_id", "image_type_id"], ieee)
            basic = self._endpoint_cluster(device, Basic.cluster_id)
            hw = await self._read(basic, ["hw_version"], ieee)
            role = await self._role(device, ieee)
            return DeviceIdentity(
                ieee=ieee_text(device.ieee),
                role=role,
                model=device.model or "",
                manufacturer=device.manufacturer or "",
                manufacturer_code=int(values["manufacturer_id"]),
                image_type=int(values["image_type_id"]),
                hardware_version=int(hw["hw_version"]),
            )

        return await self._asked(ieee, "identify", timeout, read)

    def _ota_client(self, device: zigpy.device.ZigbeeDevice) -> Ota:
        try:
            return ota_client_cluster(device)
        except RigError as exc:
            raise RigError(str(exc), device=ieee_text(device.ieee)) from None

    async def _role(self, device: zigpy.device.ZigbeeDevice, ieee: str) -> DeviceRole:
        for endpoint in device.non_zdo_endpoints:
            if endpoint.device_type == PPMID_DEVICE_TYPE:
                return DeviceRole.PPMID
            if Metering.cluster_id in endpoint.in_clusters:
                values = await self._read(
                    endpoint.in_clusters[Metering.cluster_id], ["metering_device_type"], ieee
                )
                return (
                    DeviceRole.GSME if int(values["metering_device_type"]) == 1 else DeviceRole.ESME
                )
        raise RigError("cannot tell the device's role", device=ieee)

    async def distribute_image(
        self,
        ieee: str,
        image: bytes,
        *,
        progress: ProgressCallback | None = None,
        timeout: float = 600.0,
    ) -> TransferResult:
        """Send ``image`` to the device and leave it held there. When the radio port lost or
        damaged bytes during the transfer (a :data:`LOSS_SIGNS` counter moved), the held image
        is read back: a copy that is not the image (a damaged frame that matched MT's one-byte
        FCS by chance reached the device) is replaced by sending the image again, up to
        :data:`IMAGE_SENDS` sends in all (``images_sent_again``). A refusal on a lossy port
        (the device found the image damaged: a damaged frame reached it) is sent again too
        (``refusals_sent_again``), but a second refusal in a row stands: a device refuses an
        image that is itself bad every time. On a port losing bytes (when the transfer starts,
        or once it is to be sent again) ``timeout`` is :data:`LOSSY_LIMIT_FACTOR` times longer."""
        loop = asyncio.get_running_loop()
        extended = self._lossy()
        deadline = loop.time() + (LOSSY_LIMIT_FACTOR if extended else 1.0) * timeout
        self.limits_extended += extended
        sent: list[TransferResult] = []
        while True:
            before = self._loss_signs()
            result = await self._distribute_once(ieee, image, progress, deadline - loop.time())
            sent.append(result)
            if len(sent) == IMAGE_SENDS or self._loss_signs() == before:
                break
            if result.status is TransferStatus.REJECTED:
                if len(sent) > 1 and sent[-2].status is TransferStatus.REJECTED:
                    break  # refused twice in a row: the image itself is refused
                self.refusals_sent_again += 1
                LOGGER.warning(
                    "OTA to %s: refused on a lossy port (%s); sending it again", ieee, result.reason
                )
            elif result.status is TransferStatus.OK and await self._held_differs(ieee, image):
                self.images_sent_again += 1
                LOGGER.warning(
                    "OTA to %s: the held image is not the one sent; sending it again", ieee
                )
            else:
                break
            if not extended:  # the port began losing bytes during the transfer
                extended = True
                self.limits_extended += 1
                deadline += (LOSSY_LIMIT_FACTOR - 1.0) * timeout
        if len(sent) == 1:
            return result
        return dataclasses.replace(
            result,
            blocks=sum(r.blocks for r in sent),
            seconds=sum(r.seconds for r in sent),
            retries=sum(r.retries for r in sent),
            resumes=sum(r.resumes for r in sent),
            reason=result.reason
            if result.status is not TransferStatus.OK
            else f"sent {len(sent)} times on a lossy port",
        )

    def _loss_signs(self) -> tuple[int, ...]:
        counts = self.recovery_counts()
        return tuple(counts.get(name, 0) for name in LOSS_SIGNS)

    async def _held_differs(self, ieee: str, image: bytes) -> bool:
        """True if the device holds an image that is not ``image`` (read back; counted in
        ``images_checked``). A held image that cannot be read, or none, is no reason to send
        the image again."""
        self.images_checked += 1
        try:
            held = await self.read_held_image(ieee, timeout=STATE_READ_TIMEOUT_S)
        except RigError:
            return False
        return held is not None and held.sha256 != hashlib.sha256(image).digest()

    async def _distribute_once(
        self, ieee: str, image: bytes, progress: ProgressCallback | None, timeout: float
    ) -> TransferResult:
        device = self._device(ieee)
        try:
            distribution = OtaDistribution(
                device,
                bytes(image),
                self.ota_settings,
                progress,
                link_lost=self.link_lost,
            )
        except RigError as exc:
            raise RigError(str(exc), device=ieee) from None
        self.last_distribution = distribution
        try:
            result = await distribution.run(max(0.0, timeout))
        finally:
            self.ota_answers_held += distribution.answers_held
        if result.status is TransferStatus.FAILED and result.bytes_sent == len(image):
            return await self._ended_unheard(ieee, bytes(image), result)
        return result

    async def _ended_unheard(
        self, ieee: str, image: bytes, result: TransferResult
    ) -> TransferResult:
        """Every block went out but the device's Upgrade End Request never came (lost on the
        way: the device does not send it twice): the held image says whether the transfer
        ended whole. Counted in ``transfer_ends_read_from_state``."""
        try:
            held = await self.read_held_image(ieee, timeout=STATE_READ_TIMEOUT_S)
        except RigError:
            return result
        if held is None or held.sha256 != hashlib.sha256(image).digest():
            return result
        self.transfer_ends_read_from_state += 1
        LOGGER.warning("OTA to %s: Upgrade End not heard; the device holds the image whole", ieee)
        return dataclasses.replace(
            result, status=TransferStatus.OK, reason="Upgrade End lost; the held image is whole"
        )

    async def read_firmware_version(self, ieee: str, *, timeout: float = 10.0) -> FirmwareVersion:
        async def read() -> FirmwareVersion:
            device = self._device(ieee)
            ota = await self._read(self._ota_client(device), ["current_file_version"], ieee)
            basic = await self._read(
                self._endpoint_cluster(device, Basic.cluster_id), ["sw_build_id"], ieee
            )
            return FirmwareVersion(
                file_version=int(ota["current_file_version"]), build_id=str(basic["sw_build_id"])
            )

        return await self._asked(ieee, "read firmware version", timeout, read)

    async def _held(self, device: zigpy.device.ZigbeeDevice) -> tuple[HeldImage | None, int]:
        result = await self._answered(
            "read held image", lambda: self._engineering(device, ENGINEERING.held_image)
        )
        data = bytes(result.data)
        if not data or data[0] != 0:
            return None, HOLD
        if len(data) != 1 + 4 + 4 + 32 + 32 + 4:
            raise RigError("malformed held-image answer", device=ieee_text(device.ieee))
        version, size = struct.unpack_from("<II", data, 1)
        (at,) = struct.unpack_from("<I", data, 73)
        return HeldImage(
            file_version=version,
            size=size,
            sha256=data[9:41],
            manufacturer_image_sha256=data[41:73],
        ), at

    async def read_held_image(self, ieee: str, *, timeout: float = 10.0) -> HeldImage | None:
        async def read() -> HeldImage | None:
            held, _ = await self._held(self._device(ieee))
            return held

        return await self._asked(ieee, "read held image", timeout, read)

    async def activate(
        self, ieee: str, at: dt.datetime | None = None, *, timeout: float = 30.0
    ) -> ActivationResult:
        async with self._operation(ieee, "activate", timeout):
            device = self._device(ieee)
            held, held_at = await self._held(device)
            if held is None:
                return ActivationResult(ActivationStatus.NO_IMAGE, reason="no image is held")
            upgrade_time = 0 if at is None else zigbee_time(at)
            now = zigbee_time(dt.datetime.now(dt.UTC))
            status = await self._upgrade_time(
                ieee, "activate", timeout, device, held, held_at, now, upgrade_time
            )
            still_held, scheduled = await self._held(device)
            running = await self.read_firmware_version(ieee, timeout=timeout)
            activated = running.file_version == held.file_version and still_held is None
            if status != foundation.Status.SUCCESS:
                if at is None and activated:
                    # The device runs the image it held, so the command was acted on; the refusal
                    # answered a copy of it that the radio library's layer sent again after a
                    # lost SRSP, when no image was held any more.
                    self.answers_read_from_state += 1
                    LOGGER.warning(
                        "activate: answered %s, but the device's state shows it was done",
                        status.name,
                    )
                    return ActivationResult(ActivationStatus.ACTIVATED, at=at, running=running)
                return ActivationResult(
                    ActivationStatus.FAILED, reason=f"the device answered {status.name}"
                )
            if activated:
                return ActivationResult(ActivationStatus.ACTIVATED, at=at, running=running)
            if scheduled != HOLD:
                return ActivationResult(
                    ActivationStatus.SCHEDULED,
                    at=ZIGBEE_EPOCH + dt.timedelta(seconds=scheduled),
                    running=running,
                )
            return ActivationResult(
                ActivationStatus.FAILED,
                running=running,
                reason="the device neither ran nor scheduled the image",
            )

    async def _upgrade_time(
        self,
        ieee: str,
        what: str,
        timeout: float,
        device: zigpy.device.ZigbeeDevice,
        held: HeldImage,
        held_at: int,
        now: int,
        upgrade_time: int,
    ) -> foundation.Status:
        """Send an Upgrade End Response once for one effect (:meth:`_unrepeated`): with its
        answer lost, the held image and its activation time say whether it was acted on."""

        async def send() -> foundation.Status:
            return await send_upgrade_time(
                device, file_version=held.file_version, current_time=now, upgrade_time=upgrade_time
            )

        async def state() -> tuple[bool, int]:
            async def read() -> tuple[bool, int]:
                still, scheduled = await self._held(device)
                return still is not None, scheduled

            return await self._read_state(ieee, f"{what}: read the held image", read)

        def outcome(before: tuple[bool, int], after: tuple[bool, int]) -> foundation.Status | None:
            return foundation.Status.SUCCESS if after != before else None

        return await self._unrepeated(
            ieee, what, timeout, send, state, outcome, before=(True, held_at)
        )

    async def cancel_activation(self, ieee: str, *, timeout: float = 10.0) -> ActivationResult:
        """Tell the device to wait again (upgrade time 0xFFFFFFFF); the image stays held."""
        async with self._operation(ieee, "cancel activation", timeout):
            device = self._device(ieee)
            held, held_at = await self._held(device)
            if held is None:
                return ActivationResult(ActivationStatus.NO_IMAGE, reason="no image is held")
            now = zigbee_time(dt.datetime.now(dt.UTC))
            status = await self._upgrade_time(
                ieee, "cancel activation", timeout, device, held, held_at, now, HOLD
            )
            if status != foundation.Status.SUCCESS:
                return ActivationResult(
                    ActivationStatus.FAILED, reason=f"the device answered {status.name}"
                )
            return ActivationResult(ActivationStatus.CANCELLED)

    async def read_site_id(self, ieee: str, *, timeout: float = 10.0) -> str:
        async def read() -> str:
            device = self._device(ieee)
            values = await self._read(
                self._endpoint_cluster(device, Metering.cluster_id), ["site_id"], ieee
            )
            raw = values["site_id"]
            return raw.decode("ascii") if isinstance(raw, bytes | bytearray) else str(raw)

        return await self._asked(ieee, "read site id", timeout, read)

    async def verify_pin(self, ieee: str, pin: str, *, timeout: float = 10.0) -> PinVerification:
        async with self._operation(ieee, "verify PIN", timeout):
            device = self._device(ieee)

            async def send() -> PinVerification:
                result = await self._engineering(device, ENGINEERING.verify_pin, _char_string(pin))
                check = PIN_RESULTS.get(int(result.result))
                if check is None:
                    raise RigError("unknown PIN verification result", device=ieee)
                return PinVerification(result=check, attempts_left=int(result.attempts_left))

            state = self._pin_state(ieee, "verify PIN")
            return await self._unrepeated(
                ieee, "verify PIN", timeout, send, state, _verification, before=await state()
            )

    async def pin_is_default(self, ieee: str, *, timeout: float = 10.0) -> bool:
        # The engineering cluster's PIN status always carries the default flag.
        return bool((await self.read_pin_status(ieee, timeout=timeout)).is_default)

    async def read_pin_status(self, ieee: str, *, timeout: float = 10.0) -> PinStatus:
        async def read() -> PinStatus:
            return await self._pin_status(self._device(ieee))

        return await self._asked(ieee, "read PIN status", timeout, read)

    async def set_pin(self, ieee: str, new_pin: str, *, timeout: float = 10.0) -> None:
        async with self._operation(ieee, "set PIN", timeout):
            device = self._device(ieee)

            async def send() -> int:
                result = await self._engineering(device, ENGINEERING.set_pin, _char_string(new_pin))
                return int(result.status)

            def outcome(before: PinStatus, after: PinStatus) -> int | None:
                return 0 if after != before else None

            state = self._pin_state(ieee, "set PIN")
            status = await self._unrepeated(
                ieee, "set PIN", timeout, send, state, outcome, before=await state()
            )
            if status != 0:
                raise RigError(
                    "the device refused the new PIN (a PIN is 4 to 8 digits)", device=ieee
                )

    def _pin_state(self, ieee: str, what: str) -> Callable[[], Awaitable[PinStatus]]:
        async def state() -> PinStatus:
            async def read() -> PinStatus:
                return await self._pin_status(self._device(ieee))

            return await self._read_state(ieee, f"{what}: read the PIN status", read)

        return state

    async def _pin_status(self, device: zigpy.device.ZigbeeDevice) -> PinStatus:
        result = await self._answered(
            "read PIN status", lambda: self._engineering(device, ENGINEERING.pin_status)
        )
        return PinStatus(
            is_default=bool(result.is_default),
            locked=bool(result.locked),
            attempts_left=int(result.attempts_left),
        )

    # emulator-only ------------------------------------------------------------------------

    def recovery_counts(self) -> dict[str, int]:
        """What the rig did about lost frames so far (docs/coprocessors.md)."""
        counts = {
            "reconnects": self.reconnects,
            "limits_extended": self.limits_extended,
            "reads_asked_again": self.reads_asked_again,
            "devices_asked_for": self.devices_asked_for,
            "commands_sent_again": self.commands_sent_again,
            "answers_read_from_state": self.answers_read_from_state,
            "transfer_ends_read_from_state": self.transfer_ends_read_from_state,
            "ota_answers_held": self.ota_answers_held,
            "images_checked": self.images_checked,
            "images_sent_again": self.images_sent_again,
            "refusals_sent_again": self.refusals_sent_again,
            "requests_sent_again": int(getattr(self.app, "znp_retries", 0)),
            "interviews_failed": sum(self._initialized.interview_failures.values()),
            **self._ash_counts(),
        }
        znp_recoveries = getattr(self.app, "znp_recoveries", None)  # zigpy-znp's MT layer
        if znp_recoveries is not None:
            counts.update(znp_recoveries())
        return counts

    def _ash_counts(self) -> dict[str, int]:
        """What the host's side of ASH did since this rig started (bellows only): ``ash_resends``,
        ``ash_naks_received``, ``ash_ack_timeouts``, ``ash_links_given_up``."""
        if self._ash_base is None:
            return {}
        now = _host_ash_counts()
        return {
            f"ash_{name}": now.get(name, 0) - self._ash_base.get(name, 0)
            for name in ("resends", "naks_received", "ack_timeouts", "links_given_up")
        }

    async def link_stats(self) -> dict[str, Any]:
        """The radio link's counters: the co-processor's, from the emulator's control channel when
        there is one (frames, CRC or FCS errors, NAKs, retransmissions, bytes the impaired line
        lost), and the host's under ``host`` (:meth:`recovery_counts`)."""
        host = {"host": self.recovery_counts()}
        if self.control is None:
            return host
        try:
            return {**await self.control.link_stats(), **host}
        except ControlError as exc:
            raise RigError(f"link statistics: {exc}") from None

    async def emulator_hang_device(self, ieee: str) -> None:
        """Make an emulated device hang (powered, silent on every port) until its power is
        cycled: a fault for tests of recovery."""
        if self.control is None:
            raise RigError("only the emulator's control channel can make a device hang")
        try:
            await self.control.device_hang(ieee_text(eui64(ieee)))
        except ControlError as exc:
            raise RigError(str(exc), device=ieee) from None

    async def emulator_device_state(self, ieee: str) -> dict[str, Any]:
        """The emulator's view of a device (held image, events, OTA state); no PIN in it."""
        if self.control is None:
            raise RigError("device state is only available from the emulator's control channel")
        try:
            return await self.control.device_state(ieee_text(eui64(ieee)))
        except ControlError as exc:
            raise RigError(str(exc), device=ieee) from None


async def _start(app: zigpy.application.ControllerApplication, path: str, timeout: float) -> None:
    """Start the radio (forming the network if needed); failures become RigErrors.

    A start-up that fails on the co-processor's side (a request unanswered, an answer that makes no
    sense: what bytes lost on the port do) is tried again, up to :data:`START_ATTEMPTS` times within
    ``timeout``; a port that cannot be opened is not.
    """
    deadline = asyncio.timeout(timeout)
    try:
        async with deadline:
            for attempt in range(1, START_ATTEMPTS + 1):
                try:
                    await app.startup(auto_form=True)
                    return
                except RigError:  # LinkOpenError included
                    raise
                except Exception as exc:
                    cause = _root_cause(exc)
                    if isinstance(cause, LinkOpenError):
                        raise LinkOpenError(str(cause)) from None
                    if isinstance(cause, OSError) and not isinstance(cause, TimeoutError):
                        raise LinkOpenError(describe_open_error(path, cause)) from None
                    if _timed_out(exc):
                        cause = TimeoutError()
                    if attempt == START_ATTEMPTS:
                        raise RigError(
                            f"radio at {path} could not start ({START_ATTEMPTS} attempts): "
                            f"{_what_failed(cause)}"
                        ) from None
                    LOGGER.debug("start-up attempt %d failed", attempt, exc_info=exc)
                    LOGGER.warning(
                        "radio at %s: start-up attempt %d failed (%s); starting again",
                        path,
                        attempt,
                        _what_failed(cause),
                    )
    except TimeoutError:
        await _quiet_shutdown(app)
        if deadline.expired():
            raise DeviceTimeout(f"radio at {path} did not start within {timeout:g} s") from None
        raise


def _host_ash_counts() -> dict[str, int]:
    from rigs.zigbee import bellows_fastpath

    return bellows_fastpath.host_counters.as_dict()


def _timed_out(exc: BaseException) -> bool:
    """True when a request of the radio library timed out somewhere down ``exc``'s chain."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, TimeoutError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _what_failed(cause: BaseException) -> str:
    if isinstance(cause, TimeoutError):
        return "a request to the co-processor was not answered in time"
    return str(cause) or type(cause).__name__


def _untrace(config: ZigbeeRigConfig) -> None:
    """Stop tracing the radio library's frames on the rig's port (where they were traced)."""
    if config.radio == "znp":
        from rigs.zigbee import znp_fastpath

        znp_fastpath.trace_port(config.path, None)


def _root_cause(exc: BaseException) -> BaseException:
    """The innermost cause of a radio library's start-up failure (zigpy wraps them)."""
    seen = exc
    for _ in range(8):
        inner = seen.__cause__ or seen.__context__
        if inner is None:
            break
        seen = inner
    return seen


def _verification(before: PinStatus, after: PinStatus) -> PinVerification | None:
    """What a PIN verification whose answer was lost did, from the PIN status before and after
    it: a lockout, one attempt fewer (a wrong PIN) or the attempts restored (the right one);
    None if nothing changed (it did not arrive, or met a lock: sending it again cannot act
    twice)."""
    if after == before:
        return None
    if after.locked:
        return PinVerification(result=PinCheck.LOCKED, attempts_left=0)
    if after.attempts_left < before.attempts_left:
        return PinVerification(result=PinCheck.WRONG, attempts_left=after.attempts_left)
    return PinVerification(result=PinCheck.CORRECT, attempts_left=after.attempts_left)


def _char_string(text: str) -> bytes:
    raw = text.encode("ascii", errors="replace")
    if len(raw) > 254:
        raise RigError("PIN too long")
    return bytes((len(raw),)) + raw


async def _quiet_shutdown(app: zigpy.application.ControllerApplication) -> None:
    try:
        async with asyncio.timeout(10.0):
            await app.shutdown()
    except Exception:
        LOGGER.debug("radio shutdown failed", exc_info=True)
