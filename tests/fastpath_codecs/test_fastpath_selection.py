"""Which implementation is in use, how it is chosen, and that a missing build is never hidden."""

import os
import subprocess
import sys
from pathlib import Path

import fastpath

REPO_ROOT = Path(__file__).resolve().parents[2]

# Makes every compiled module unimportable, as in a tree where the extensions were never built.
BLOCK_COMPILED = """
import importlib.abc, sys
class Unbuilt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.startswith("fastpath.") and name.endswith("_c"):
            raise ImportError(f"No module named {name!r}")
        return None
sys.meta_path.insert(0, Unbuilt())
"""


def _run(code: str, pure: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != fastpath.PURE_ENV_VAR}
    if pure is not None:
        env[fastpath.PURE_ENV_VAR] = pure
    return subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_compiled_is_in_use_unless_pure_is_requested() -> None:
    expected = "pure" if fastpath.pure_requested() else "compiled"
    assert fastpath.IMPLEMENTATION == expected
    assert fastpath.ash.Decoder is fastpath.load_implementation(expected).ash.Decoder
    assert fastpath.crc16_ccitt is fastpath.load_implementation(expected).crc16_ccitt


def test_pure_env_selects_pure() -> None:
    code = (
        "import fastpath; print(fastpath.IMPLEMENTATION, type(fastpath.ash.Decoder()).__module__)"
    )
    result = _run(code, "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["pure", "fastpath._ash_py"]


def test_default_and_zero_select_compiled() -> None:
    code = (
        "import fastpath; print(fastpath.IMPLEMENTATION, type(fastpath.hdlc.Decoder()).__module__)"
    )
    for value in (None, "0", ""):
        result = _run(code, value)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["compiled", "fastpath._hdlc_c"]


def test_missing_build_is_a_clear_import_error() -> None:
    result = _run(BLOCK_COMPILED + "import fastpath", None)
    assert result.returncode != 0
    assert "ImportError" in result.stderr
    assert "build_ext --inplace" in result.stderr
    assert f"{fastpath.PURE_ENV_VAR}=1" in result.stderr


def test_missing_build_with_pure_forced_works() -> None:
    result = _run(BLOCK_COMPILED + "import fastpath; print(fastpath.IMPLEMENTATION)", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "pure"


def test_both_implementations_are_reachable() -> None:
    both = fastpath.implementations()
    assert set(both) == {"compiled", "pure"}
    assert both["compiled"].ash.Decoder.__module__ == "fastpath._ash_c"
    assert both["pure"].ash.Decoder.__module__ == "fastpath._ash_py"
    assert both["compiled"].crc16_x25 is not both["pure"].crc16_x25
