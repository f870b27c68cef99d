"""``manifest.sha256``: the SHA-256 of every file of a bundle, in ``sha256sum`` format.

``sha256sum -c manifest.sha256`` run inside the bundle checks it too; :func:`verify_bundle` also
notices files added since the manifest was written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from harness.evidence.files import write_atomic

MANIFEST = "manifest.sha256"
SIGNATURE = "manifest.sha256.sig"  # signs the manifest, so it cannot be listed in it


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def bundle_files(root: Path) -> list[str]:
    """Every file under ``root`` except the manifest and its signature, as sorted POSIX paths
    relative to it."""
    names = []
    for path in root.rglob("*"):
        if path.is_file() or path.is_symlink():
            relative = path.relative_to(root).as_posix()
            if relative not in (MANIFEST, SIGNATURE):
                names.append(relative)
    return sorted(names)


def write_manifest(root: Path) -> Path:
    lines = [f"{_sha256(root / name)}  {name}\n" for name in bundle_files(root)]
    target = root / MANIFEST
    write_atomic(target, "".join(lines).encode("utf-8"))
    return target


@dataclass(frozen=True)
class Problem:
    path: str
    what: str  # "changed", "removed", "added", "missing manifest", "malformed manifest"

    def __str__(self) -> str:
        return f"{self.path}: {self.what}"


def _escape(root: Path, name: str) -> str | None:
    """How the manifest path ``name`` leads out of the bundle at ``root``, or None if it does not.

    Only files inside the bundle are ever opened: an absolute path, a ``..`` part, or a path that
    resolves through a symlink to somewhere outside the bundle is refused before any read.
    """
    path = PurePosixPath(name)
    if path.is_absolute() or name.startswith("\\") or (len(name) > 1 and name[1] == ":"):
        return "absolute path"
    if ".." in path.parts:
        return "climbs out with .."
    real_root = root.resolve()
    if not (root / name).resolve().is_relative_to(real_root):
        return "a symlink leading out"
    return None


def verify_bundle(root: Path) -> list[Problem]:
    """Every difference between the bundle on disk and its manifest (empty: untouched)."""
    manifest = root / MANIFEST
    if not manifest.is_file():
        return [Problem(MANIFEST, "missing (the run did not finish, or the manifest was removed)")]
    listed: dict[str, str] = {}
    problems: list[Problem] = []
    for number, line in enumerate(manifest.read_text("utf-8", errors="replace").splitlines(), 1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or not name:
            problems.append(Problem(MANIFEST, f"malformed line {number}"))
            continue
        listed[name] = digest.lower()
    for name, digest in sorted(listed.items()):
        escape = _escape(root, name)
        if escape is not None:
            problems.append(Problem(name, f"outside the bundle ({escape})"))
            continue
        path = root / name
        if not path.is_file():
            problems.append(Problem(name, "removed"))
        elif _sha256(path) != digest:
            problems.append(Problem(name, "changed"))
    for name in bundle_files(root):
        if name not in listed:
            problems.append(Problem(name, "added"))
    return problems
