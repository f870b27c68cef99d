# zigpy's types (uint8_t, NWK, command schemas built from dicts) are not typed for strict mypy.
# mypy: disable-error-code="misc,assignment,arg-type"
"""The SMETS1 engineering cluster (manufacturer-specific 0xFC53) as a zigpy cluster.

Documented in ``docs/engineering-cluster.md``. Importing this module registers the cluster with
zigpy, so devices listing 0xFC53 get it at interview.
"""

from __future__ import annotations

from typing import Final

import zigpy.types as t
from zigpy.zcl import Cluster
from zigpy.zcl.foundation import BaseAttributeDefs, BaseCommandDefs, ZCLCommandDef

ENGINEERING_CLUSTER_ID = 0xFC53


class Smets1EngineeringCluster(Cluster):
    cluster_id: Final[t.uint16_t] = ENGINEERING_CLUSTER_ID
    ep_attribute: Final = "smets1_engineering"

    class AttributeDefs(BaseAttributeDefs):
        pass

    class ServerCommandDefs(BaseCommandDefs):
        verify_pin: Final = ZCLCommandDef(id=0x00, schema={"pin": t.CharacterString})
        set_pin: Final = ZCLCommandDef(id=0x01, schema={"new_pin": t.CharacterString})
        pin_status: Final = ZCLCommandDef(id=0x02, schema={})
        held_image: Final = ZCLCommandDef(id=0x03, schema={})

    class ClientCommandDefs(BaseCommandDefs):
        verify_pin_response: Final = ZCLCommandDef(
            id=0x00, schema={"result": t.uint8_t, "attempts_left": t.uint8_t}
        )
        set_pin_response: Final = ZCLCommandDef(id=0x01, schema={"status": t.uint8_t})
        pin_status_response: Final = ZCLCommandDef(
            id=0x02,
            schema={"is_default": t.Bool, "locked": t.Bool, "attempts_left": t.uint8_t},
        )
        held_image_response: Final = ZCLCommandDef(id=0x03, schema={"data": t.Bytes})


PIN_COMMAND_IDS = (
    Smets1EngineeringCluster.ServerCommandDefs.verify_pin.id,
    Smets1EngineeringCluster.ServerCommandDefs.set_pin.id,
)


def mask_pin(cluster: int, data: bytes) -> bytes:
    """``data`` (a ZCL frame sent on ``cluster``) with the PIN of a PIN command masked (for
    traces); any other frame unchanged."""
    if cluster != ENGINEERING_CLUSTER_ID or len(data) < 3:
        return data
    header = 5 if data[0] & 0x04 else 3  # manufacturer-specific frames carry the code
    if len(data) <= header or data[header - 1] not in PIN_COMMAND_IDS or data[0] & 0x08:
        return data
    return data[:header] + b"\x00" * (len(data) - header)
