"""SIGTERM and SIGHUP become the KeyboardInterrupt pytest handles, once; while the bundle is being
finished a signal is noted and does not interrupt; the previous handlers come back afterwards."""

from __future__ import annotations

import signal

import pytest

from harness.run_signals import HANDLED, held, signals_end_the_run


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_first_signal_interrupts_and_sets_the_exit_code(signum: int) -> None:
    before = {sig: signal.getsignal(sig) for sig in HANDLED}
    with signals_end_the_run() as stop:
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signum)
        signal.raise_signal(signal.SIGTERM)  # a second signal while stopping: ignored
    assert stop.exit_code == 128 + signum
    assert {sig: signal.getsignal(sig) for sig in HANDLED} == before


def test_a_signal_while_the_bundle_is_finished_waits() -> None:
    with signals_end_the_run() as stop, held():
        signal.raise_signal(signal.SIGTERM)  # does not interrupt the last writes
        finished = True
    assert finished and stop.exit_code == 128 + signal.SIGTERM


def test_held_outside_a_run_changes_nothing() -> None:
    with held():
        pass
    with signals_end_the_run() as stop:
        pass
    assert stop.exit_code is None
