"""A rig without power ports: the BASE-POWER scenarios are skipped naming the device, the
requirement neither passes nor fails the run, and ``smets1-hil run`` exits 0."""

from __future__ import annotations

from pathlib import Path

from coprocessor_suite import collect, smets1_hil, write_device_file

from harness.rigfile import default_rig
from rigs.launcher import EmulatorProcess

RUN_TIMEOUT_S = 300


def test_power_scenarios_are_skipped_and_the_run_passes(tmp_path: Path) -> None:
    spec = default_rig()
    device_file = write_device_file(spec, tmp_path)
    with EmulatorProcess(["--device-file", str(device_file), "--no-test-ports"]) as emulator:
        lines = ['name = "no-power"', "[radio]", 'kind = "emulated"', f'path = "{emulator.radio}"']
        for device in spec.devices:  # no radio.control and no ports.power: nothing to switch
            lines += ["[[devices]]", f'role = "{device.role}"', f'ieee = "{device.ieee}"']
            lines += [f'model = "{device.model}"']
        rig_file = tmp_path / "rig.toml"
        rig_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        keyword = "test_power or test_read_firmware_version_of_meter"
        command = ["run", "--rig", str(rig_file), "-k", keyword, "--db", "off"]
        process = smets1_hil(*command, "--evidence", str(tmp_path / "run"), cwd=tmp_path)
        run = collect({"run": process}, tmp_path, RUN_TIMEOUT_S)["run"]
    assert run.code == 0, run.out[-3000:] + run.err[-3000:]
    power = run.summary["requirements"]["BASE-POWER"]
    assert power["verdict"] == "not-run" and power["needs"] == "power"
    assert [e["verdict"] for e in power["scenarios"]] == ["skipped"] * 3
    assert run.summary["requirements"]["BASE-FW-METER"]["verdict"] == "pass"
    for record in run.records():
        if "test_power.py" in record["scenario"]:
            assert "gives the ESME" in record["failure"] and "no power port" in record["failure"]
    assert any(
        line.startswith("BASE-POWER") and "SKIPPED" in line for line in run.out.splitlines()
    ), run.out[-2000:]
