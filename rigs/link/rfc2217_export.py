"""Serve a local port (any pyserial URL) to other hosts as an RFC 2217 server.

A rig wired to one machine is then used from another as ``rfc2217://host:port``. The Telnet and
RFC 2217 negotiation is pyserial's own :class:`serial.rfc2217.PortManager`; this module supplies
the sockets and threads around it. One client at a time: a second connection is closed at once.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

import serial
import serial.rfc2217

_log = logging.getLogger(__name__)

_POLL_S = 0.05


class _TolerantPort:
    """The served port as PortManager sees it: settings a pty or socket cannot take are ignored.

    A pty has no modem lines and a socket:// port no baud rate; a client asking for them must not
    bring the export down.
    """

    def __init__(self, port: Any) -> None:
        object.__setattr__(self, "_port", port)

    def __getattr__(self, name: str) -> Any:
        port = object.__getattribute__(self, "_port")
        try:
            return getattr(port, name)
        except (serial.SerialException, OSError, ValueError) as exc:
            if name in {"cts", "dsr", "ri", "cd"}:
                return False
            raise AttributeError(f"{name}: {exc}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        port = object.__getattribute__(self, "_port")
        try:
            setattr(port, name, value)
        except (serial.SerialException, OSError, ValueError) as exc:
            _log.debug("port setting %s=%r ignored: %s", name, value, exc)


class _Connection:
    """The network side PortManager writes its replies to (thread safe)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._lock = threading.Lock()

    def write(self, data: bytes) -> None:
        with self._lock:
            self.sock.sendall(data)


class Rfc2217Export:
    """Export ``port_url`` on ``host:port`` (``port`` 0 picks a free one; see :attr:`address`)."""

    def __init__(
        self,
        port_url: str,
        host: str,
        port: int,
        *,
        baudrate: int = 115200,
        on_event: Callable[[str], None] | None = None,
    ) -> None:
        self.port_url = port_url
        self._port = serial.serial_for_url(port_url, baudrate=baudrate, timeout=_POLL_S)
        self._listener = socket.create_server((host, port), reuse_port=False)
        self._listener.settimeout(_POLL_S * 4)
        self._stop = threading.Event()
        self._client: _Connection | None = None
        self._manager: serial.rfc2217.PortManager | None = None
        self._client_lock = threading.Lock()
        self._on_event = on_event or (lambda text: _log.info("%s", text))
        self.failure: str | None = None
        self.clients_served = 0

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._listener.getsockname()[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        host, port = self.address
        return f"rfc2217://{host}:{port}"

    def stop(self) -> None:
        self._stop.set()

    def serve(self) -> None:
        """Serve until :meth:`stop` is called or the local port is lost (then :attr:`failure`)."""
        reader = threading.Thread(
            target=self._port_to_network, name="export-port-reader", daemon=True
        )
        reader.start()
        try:
            while not self._stop.is_set():
                try:
                    sock, peer = self._listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    break
                with self._client_lock:
                    busy = self._client is not None
                if busy:
                    self._on_event(f"refused {peer[0]}:{peer[1]}: port in use by another client")
                    sock.close()
                    continue
                threading.Thread(
                    target=self._serve_client, args=(sock, peer), name="export-client", daemon=True
                ).start()
        finally:
            self._stop.set()
            reader.join(2.0)
            with self._client_lock:
                client = self._client
            if client is not None:
                _close_socket(client.sock)
            self._listener.close()
            try:
                self._port.close()
            except (serial.SerialException, OSError):
                pass

    def _serve_client(self, sock: socket.socket, peer: tuple[Any, ...]) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(_POLL_S * 4)
        connection = _Connection(sock)
        try:
            manager = serial.rfc2217.PortManager(_TolerantPort(self._port), connection)
        except OSError:
            _close_socket(sock)
            return
        with self._client_lock:
            self._client, self._manager = connection, manager
        self.clients_served += 1
        self._on_event(f"client {peer[0]}:{peer[1]} connected")
        try:
            while not self._stop.is_set():
                try:
                    data = sock.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not data:
                    break
                payload = b"".join(manager.filter(data))
                if payload:
                    self._port.write(payload)
        except (serial.SerialException, OSError) as exc:
            self._fail(f"lost {self.port_url}: {exc}")
        finally:
            with self._client_lock:
                self._client, self._manager = None, None
            _close_socket(sock)
            self._on_event(f"client {peer[0]}:{peer[1]} disconnected")

    def _port_to_network(self) -> None:
        while not self._stop.is_set():
            try:
                waiting = self._port.in_waiting
                data = self._port.read(waiting if waiting else 1)
            except (serial.SerialException, OSError, TypeError) as exc:
                self._fail(f"lost {self.port_url}: {exc}")
                return
            with self._client_lock:
                client, manager = self._client, self._manager
            if not data or client is None or manager is None:
                continue
            try:
                client.write(b"".join(manager.escape(data)))
            except OSError:
                _close_socket(client.sock)

    def _fail(self, reason: str) -> None:
        if self.failure is None and not self._stop.is_set():
            self.failure = reason
        self._stop.set()


def _close_socket(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
