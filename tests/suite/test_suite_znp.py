"""The packaged suite through unmodified zigpy-znp against the emulated Z-Stack co-processor.

Two emulators run with ``--coprocessor znp`` hosting the embedded rig's devices; a rig file names
each one's radio port with ``kind = "znp"`` and the suite runs once per profile, concurrently:
uplift-1.2 passes every requirement, baseline fails exactly the six Uplift requirements.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from coprocessor_suite import (
    Run,
    collect,
    coprocessor_rig_file,
    smets1_hil,
    start_emulator,
    write_device_file,
)

from harness.evidence.requirements import REQUIREMENTS, UPLIFT_IDS
from harness.rigfile import default_rig

pytestmark = pytest.mark.slow

RUN_TIMEOUT_S = 300


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    work = tmp_path_factory.mktemp("znp-suite")
    spec = default_rig()
    device_file = write_device_file(spec, work)
    processes: dict[str, subprocess.Popen[str]] = {}
    with ExitStack() as stack:
        for profile in ("uplift-1.2", "baseline"):
            emulator = stack.enter_context(start_emulator("znp", device_file))
            assert emulator.info["coprocessor"] == "znp"
            rig_file = work / f"{profile}.toml"
            rig_file.write_text(coprocessor_rig_file(spec, emulator, "znp"), encoding="utf-8")
            command = ["run", "--rig", str(rig_file), "--profile", profile]
            processes[profile] = smets1_hil(*command, "--evidence", str(work / profile), cwd=work)
        yield collect(processes, work, RUN_TIMEOUT_S)


def test_suite_through_zigpy_znp_passes_and_its_baseline_fails_exactly_the_six(
    runs: dict[str, Run],
) -> None:
    uplift, baseline = runs["uplift-1.2"], runs["baseline"]
    assert uplift.code == 0, uplift.out[-3000:] + uplift.err[-2000:]
    verdicts = {rid: e["verdict"] for rid, e in uplift.summary["requirements"].items()}
    assert set(verdicts) == set(REQUIREMENTS) and set(verdicts.values()) == {"pass"}
    record = json.loads(next((uplift.bundle / "records").glob("*.json")).read_text())
    assert record["rig"]["radio"]["kind"] == "znp"
    assert record["rig"]["radio"]["codec"] == "zigpy-znp 1.1.1, MT framed by fastpath.mt (compiled)"
    assert record["rig"]["radio"]["firmware"] == "Texas Instruments CC2652 Z-Stack 20230507"
    link = uplift.summary["radio_links"]["znp-emulated"]  # the MT counters, via control
    assert link["frames"] > 100 and link["crc_errors"] == 0
    assert baseline.code == 1, baseline.out[-3000:]
    failed = {rid for rid, e in baseline.summary["requirements"].items() if e["verdict"] == "fail"}
    assert failed == set(UPLIFT_IDS)
