"""Fixtures shared by the tests: the DUIS XSD and the DCC reference templates in ../shared/duis."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DUIS = REPO.parent / "shared" / "duis"
XSD_NAME = "DUIS Schema V5.4.xsd"


def xsd_path() -> Path:
    env = os.environ.get("SMETS1_HIL_DUIS_XSD")
    return Path(env) if env else SHARED_DUIS / XSD_NAME


@pytest.fixture(scope="session")
def duis_schema() -> Any:
    path = xsd_path()
    if not path.is_file():
        pytest.skip(f"DUIS XSD not found at {path} (set SMETS1_HIL_DUIS_XSD)")
    from harness.duis import load_schema

    return load_schema(path)


@pytest.fixture(scope="session")
def template() -> Any:
    def read(name: str) -> bytes:
        path = SHARED_DUIS / name
        if not path.is_file():
            pytest.skip(f"DCC reference template {name} not found in {SHARED_DUIS}")
        return path.read_bytes()

    return read


@pytest.fixture(scope="session")
def shared_duis() -> Path:
    if not SHARED_DUIS.is_dir():
        pytest.skip(f"shared DUIS data not found at {SHARED_DUIS}")
    return SHARED_DUIS


@pytest.fixture(scope="session")
def xsd_file(duis_schema: Any) -> Path:
    return xsd_path()


@pytest.fixture(autouse=True, scope="session")
def _results_database_of_the_tests(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Runs the tests start (``smets1-hil run`` in child processes too) append to a scratch
    results database, never to the user's own; tests that check the database give their own."""
    previous = os.environ.get("SMETS1_HIL_DB")
    os.environ["SMETS1_HIL_DB"] = str(tmp_path_factory.mktemp("results") / "results.sqlite")
    yield
    if previous is None:
        os.environ.pop("SMETS1_HIL_DB", None)
    else:
        os.environ["SMETS1_HIL_DB"] = previous
