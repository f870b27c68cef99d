"""What a run ran with: tool, host, Python, radio libraries, the rig file and the DUIS XSD.

Kept in summary.json under ``run`` so that a reviewer can tell, from the bundle alone, which
software produced it and against which rig file (its SHA-256 and its text, secrets redacted).
"""

from __future__ import annotations

import hashlib
import platform
import re
import socket
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from harness.evidence.redaction import MASK, SecretFilter

LIBRARIES = ("zigpy", "zigpy-znp", "bellows", "pyserial", "xmlschema")
RADIO_LIBRARY = {"znp": "zigpy-znp", "ezsp": "bellows", "emulated": "zigpy"}

# keys whose values are secret wherever they appear in a rig file (PINs, credentials)
_SECRET_KEY = re.compile(r"(?i)^(?:.*[_-])?(pin|password|passwd|secret|token|key|credentials?)s?$")
_ASSIGNMENT = re.compile(r"^(\s*)([A-Za-z0-9_.\-\"']+)(\s*=\s*)(.*)$")
_URL_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.\-]*://)[^/@\s\"']+@")


def library_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def redact_rigfile_text(text: str, secrets: SecretFilter | None = None) -> str:
    """The rig file's text with secret values masked: values of keys named like a secret (``pin``,
    ``password``, ``token``, ...), user information in URLs, and the run's registered secrets.
    Comments and layout are kept so the text still reads like the file."""
    lines = []
    for line in text.splitlines():
        match = _ASSIGNMENT.match(line)
        if match and _SECRET_KEY.match(match.group(2).strip("\"'")):
            line = f'{match.group(1)}{match.group(2)}{match.group(3)}"{MASK}"'
        line = _URL_USERINFO.sub(lambda m: f"{m.group('scheme')}{MASK}@", line)
        lines.append(line)
    redacted = "\n".join(lines) + ("\n" if text.endswith("\n") else "")
    return secrets.scrub(redacted) if secrets is not None else redacted


def rigfile_info(path: Path | None, secrets: SecretFilter | None = None) -> dict[str, Any] | None:
    if path is None:
        return None
    raw = path.read_bytes()
    return {
        "path": str(path),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "content": redact_rigfile_text(raw.decode("utf-8", errors="replace"), secrets),
    }


def xsd_info(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    return {"path": str(path), "sha256": sha256_file(path)}


def collect_run_info(
    *,
    rigfile: Path | None,
    radio_kinds: list[str],
    xsd: Path | None,
    secrets: SecretFilter | None = None,
) -> dict[str, Any]:
    """The ``run`` object of summary.json."""
    from harness import __version__

    radio_libraries = sorted({RADIO_LIBRARY.get(kind, kind) for kind in radio_kinds})
    return {
        "tool_version": __version__,
        "host": socket.gethostname(),
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.release()} {platform.machine()}",
        "executable": sys.executable,
        "libraries": {name: library_version(name) for name in LIBRARIES},
        "radio_libraries": {name: library_version(name) for name in radio_libraries},
        "rig_file": rigfile_info(rigfile, secrets),
        "duis_xsd": xsd_info(xsd),
    }
