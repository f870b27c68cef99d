"""Each run gets a bundle directory of its own: two processes asking for the same directory at the
same moment get one bundle and one clear refusal; default names never collide."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.evidence.bundle import BundleError, EvidenceBundle

CREATE = """
import sys
from pathlib import Path
from harness.evidence.bundle import BundleError, EvidenceBundle
sys.stdin.read(1)
try:
    EvidenceBundle.create(Path(sys.argv[1]))
except BundleError as exc:
    print("refused", exc)
else:
    print("created")
"""

CLAIM = """
import sys
from pathlib import Path
from harness.evidence.bundle import claim_bundle_dir
sys.stdin.read(1)
print(claim_bundle_dir(Path(sys.argv[1])))
"""

TRIALS = 8


def _race(script: str, argument: Path) -> list[str]:
    """Start two processes, release them together, return what each printed."""
    children = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(argument)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for child in children:
        assert child.stdin is not None
        child.stdin.write("g")
        child.stdin.flush()
    outputs = []
    for child in children:
        out, _ = child.communicate(timeout=60)
        assert child.returncode == 0
        outputs.append(out.strip())
    return outputs


@pytest.mark.parametrize("existing", [False, True])
def test_two_processes_never_share_a_bundle(tmp_path: Path, existing: bool) -> None:
    for trial in range(TRIALS):
        root = tmp_path / f"bundle-{trial}"
        if existing:
            root.mkdir()  # an empty directory the user made for the run
        outputs = _race(CREATE, root)
        assert sorted(o.split()[0] for o in outputs) == ["created", "refused"], outputs
        assert "another run" in next(o for o in outputs if o.startswith("refused"))


def test_concurrent_default_names_differ(tmp_path: Path) -> None:
    for _ in range(TRIALS):
        first, second = _race(CLAIM, tmp_path)
        assert first != second
        assert Path(first).is_dir() and Path(second).is_dir()
        assert not any(Path(first).iterdir())


def test_claimed_directory_is_taken_by_create(tmp_path: Path) -> None:
    from harness.evidence.bundle import claim_bundle_dir

    root = claim_bundle_dir(tmp_path)
    bundle = EvidenceBundle.create(root)
    assert bundle.records_dir.is_dir()
    with pytest.raises(BundleError, match="another run"):
        EvidenceBundle.create(root)
