"""Is a port name one pyserial can open? One check, used wherever a rig or device names a port.

A port is a device path (``/dev/ttyUSB0``) or a URL that pyserial's ``serial_for_url`` opens
(``socket://host:port``, ``rfc2217://host:port``, ``loop://``, ...). :func:`url_problem` says in a
few words what is wrong with one (an unknown scheme, a malformed host, a port out of range, an
option pyserial does not know), so a rig file is refused when it is loaded instead of every
scenario failing later.
"""

from __future__ import annotations

import functools
import urllib.parse

NETWORK_SCHEMES = ("socket", "rfc2217")
_OPTIONS = {
    "socket": frozenset({"logging"}),
    "rfc2217": frozenset({"logging", "ign_set_control", "poll_modem", "timeout"}),
}


@functools.cache
def url_schemes() -> tuple[str, ...]:
    """The URL schemes pyserial opens (``socket``, ``rfc2217``, ``loop``, ...)."""
    import pkgutil

    import serial.urlhandler

    prefix = "protocol_"
    return tuple(
        sorted(
            module.name.removeprefix(prefix)
            for module in pkgutil.iter_modules(serial.urlhandler.__path__)
            if module.name.startswith(prefix)
        )
    )


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot name a port (a device path or a pyserial URL), or None if it can."""
    if not url.strip():
        return "must not be empty"
    if url != url.strip() or any(c in url for c in "\r\n\t\x00"):
        return "must not hold spaces, tabs, line breaks or NUL at its ends or inside"
    scheme, sep, rest = url.partition("://")
    if not sep:
        return None  # a device path; whether it exists is known only on the rig's host
    schemes = url_schemes()
    if scheme.lower() not in schemes:
        known = ", ".join(schemes)
        return f"unknown URL scheme {scheme!r} (pyserial opens {known} URLs and device paths)"
    if not rest and scheme.lower() != "loop":
        return f"{scheme}:// names no port"
    if scheme.lower() == "spy":
        return url_problem(rest.partition("?")[0])
    if scheme.lower() in NETWORK_SCHEMES:
        return _network_problem(scheme.lower(), url)
    return None


def _network_problem(scheme: str, url: str) -> str | None:
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"malformed {scheme} URL ({exc}); expected {scheme}://HOST:PORT"
    if not parts.hostname:
        return f"names no host; expected {scheme}://HOST:PORT"
    if port is None:
        return f"names no port; expected {scheme}://HOST:PORT"
    if not 1 <= port <= 65535:
        return f"port {port} is not 1..65535"
    if parts.path not in ("", "/"):
        return f"unexpected path {parts.path!r}; expected {scheme}://HOST:PORT"
    try:
        options = urllib.parse.parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        options = {} if not parts.query else {parts.query: []}
    unknown = sorted(set(options) - _OPTIONS[scheme])
    if unknown:
        allowed = ", ".join(sorted(_OPTIONS[scheme]))
        return f"unknown {scheme} option {unknown[0]!r} (pyserial knows {allowed})"
    return None
