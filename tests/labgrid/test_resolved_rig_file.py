"""The rig file ``run`` writes for acquired places keeps what the user's rig file set beside its
rigs: the lab's requirements file and the throughput targets."""

from __future__ import annotations

import tomllib
from pathlib import Path

from harness.places import ResolvedRig, resolved_rig_file
from harness.rigfile import default_rig, parse_rigfile
from harness.targets import parse_targets


def test_requirements_and_targets_are_carried_over(tmp_path: Path) -> None:
    targets = parse_targets({"zigbee-ota": {"GSME": 0.02}, "serial": {"ESME": 80}}, "rig.toml")
    rig = ResolvedRig("bench-1", default_rig(), {"kind": "emulated"})
    text = resolved_rig_file([rig], requirements=tmp_path / "lab.toml", targets=targets)
    written = tmp_path / "places" / "places.toml"
    again = parse_rigfile(tomllib.loads(text), "places.toml", written)
    assert again.requirements == (tmp_path / "lab.toml").resolve()
    assert again.targets.as_dict()["zigbee-ota"]["GSME"] == 0.02
    assert again.targets.as_dict()["serial"]["ESME"] == 80
    assert again.targets.as_dict()["zigbee-ota"]["PPMID"] == 0.1  # not given: the default
    assert [r.name for r in again.rigs] == ["bench-1"]
    assert [d.ieee for d in again.rigs[0].devices] == [d.ieee for d in default_rig().devices]
