"""Ed25519 signatures over a bundle's manifest: an edit rehashed without the lab's key is caught.

``manifest.sha256`` lists the SHA-256 of every file, summary.json included; summary.json names the
signing key by its fingerprint (``SHA256:`` and the unpadded base64 of the SHA-256 of the raw
public key, as OpenSSH shows keys); ``manifest.sha256.sig`` holds the base64 signature of the
manifest's bytes. Anyone can recompute the hashes after an edit; only the key's holder can sign them.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from harness.errors import UserError

SIGNATURE = "manifest.sha256.sig"
ALGORITHM = "Ed25519"


class SigningKeyError(UserError):
    """A key file that cannot be used."""


def fingerprint(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    digest = base64.b64encode(hashlib.sha256(raw).digest()).decode("ascii").rstrip("=")
    return f"SHA256:{digest}"


def generate_keypair(name: Path) -> tuple[Path, Path]:
    """Write ``NAME.key`` (PKCS#8 PEM, readable by its owner only) and ``NAME.pub``; refuses to
    overwrite either."""
    key_path = name.with_name(name.name + ".key")
    pub_path = name.with_name(name.name + ".pub")
    for path in (key_path, pub_path):
        if path.exists():
            raise SigningKeyError(
                f"{path}: exists; choose another name (keys are never overwritten)"
            )
    if not name.parent.is_dir():
        raise SigningKeyError(f"{name.parent}: no such directory")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        os.write(fd, private_pem)
    finally:
        os.close(fd)
    pub_path.write_bytes(public_pem)
    return key_path, pub_path


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"{path}: cannot read the signing key ({exc.strerror})") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"{path}: not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(
            f"{path}: not an Ed25519 key (make one with smets1-hil evidence keygen)"
        )
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"{path}: cannot read the public key ({exc.strerror})") from None
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"{path}: not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"{path}: not an Ed25519 public key")
    return key


def sign_manifest(root: Path, key: Ed25519PrivateKey) -> Path:
    """Sign ``root/manifest.sha256`` into ``root/manifest.sha256.sig``."""
    from harness.evidence.files import write_atomic
    from harness.evidence.manifest import MANIFEST

    signature = key.sign((root / MANIFEST).read_bytes())
    target = root / SIGNATURE
    write_atomic(target, base64.b64encode(signature) + b"\n")
    return target


def signature_problem(root: Path, public_key: Ed25519PublicKey) -> str | None:
    """Why the manifest's signature does not hold under ``public_key``; None when it does."""
    from harness.evidence.manifest import MANIFEST

    path = root / SIGNATURE
    if not path.is_file():
        return f"{SIGNATURE}: missing (the bundle was not signed)"
    try:
        signature = base64.b64decode(path.read_bytes().strip(), validate=True)
    except ValueError:
        return f"{SIGNATURE}: not a base64 signature"
    try:
        public_key.verify(signature, (root / MANIFEST).read_bytes())
    except InvalidSignature:
        return (
            f"{SIGNATURE}: signature does not match {MANIFEST} under key {fingerprint(public_key)} "
            "(changed after signing, or signed with another key)"
        )
    except FileNotFoundError:
        return f"{MANIFEST}: missing"
    return None
