"""Fixtures for the fastpath tests: each implementation, loaded explicitly."""

import pytest

import fastpath
from fastpath import Implementation


def _load(name: str) -> Implementation:
    try:
        return fastpath.load_implementation(name)  # type: ignore[arg-type]
    except ImportError as exc:
        if name == "compiled" and fastpath.pure_requested():
            pytest.skip(f"compiled extensions not built and {fastpath.PURE_ENV_VAR} is set: {exc}")
        raise


@pytest.fixture(scope="session", params=["compiled", "pure"])
def impl(request: pytest.FixtureRequest) -> Implementation:
    """Each implementation in turn: every test that takes it runs against both."""
    return _load(request.param)


@pytest.fixture(scope="session")
def compiled() -> Implementation:
    return _load("compiled")


@pytest.fixture(scope="session")
def pure() -> Implementation:
    return _load("pure")
