"""Importing the ZigBee rig leaves TLS as it found it, and zigpy's provider contexts still verify."""

import subprocess
import sys

CHECK = """
import ssl
before = ssl.create_default_context
import rigs.zigbee
import zigpy.ota.providers as providers
assert ssl.create_default_context is before, "ssl.create_default_context left patched"
contexts = [c.SSL_CTX for c in vars(providers).values() if isinstance(getattr(c, "SSL_CTX", None), ssl.SSLContext)]
assert contexts, "zigpy's providers made no TLS contexts"
for ctx in contexts:
    assert ctx.verify_mode is ssl.CERT_REQUIRED and ctx.check_hostname
    assert ctx.cert_store_stats()["x509_ca"] >= 1  # the vendor certificate zigpy loads
print(len(contexts))
"""


def test_zigpy_providers_keep_verifying_contexts() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 2
