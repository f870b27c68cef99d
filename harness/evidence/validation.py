"""Records and summary.json checked against their JSON Schemas (``harness/evidence/schemas``).

The schemas are versioned with the files: each file says its ``schema_version`` and is checked
against that version's schema, so a reader never guesses what a field means.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

VERSIONS = {"record": (1,), "summary": (1, 2)}  # every version a bundle may have been written in
KINDS = tuple(VERSIONS)


@functools.lru_cache(maxsize=8)
def schema_text(kind: str, version: int) -> str:
    if version not in VERSIONS.get(kind, ()):
        raise ValueError(f"no {kind} schema version {version}")
    return (
        resources.files("harness.evidence") / "schemas" / f"{kind}-{version}.schema.json"
    ).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=8)
def _validator(kind: str, version: int) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(json.loads(schema_text(kind, version)))


def problems(kind: str, document: Mapping[str, Any]) -> list[str]:
    """Every way ``document`` breaks the schema of its ``schema_version``, as ``path: message``."""
    version = document.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        return ["schema_version: missing (written before records were versioned?)"]
    if version not in VERSIONS[kind]:
        known = ", ".join(str(v) for v in VERSIONS[kind])
        return [f"schema_version: {version} is not one this version reads ({known})"]
    found = []
    for error in sorted(_validator(kind, version).iter_errors(document), key=lambda e: e.path):
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        if error.validator == "not" and error.validator_value == {}:  # a key the version dropped
            found.append(f"{where}: not part of {kind} schema version {version}")
            continue
        found.append(f"{where}: {error.message[:200]}")
    return found
