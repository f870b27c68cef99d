"""Whether, and against which XSD, a run's DUIS XML is validated; said in every DUIS exchange.

The XSD is located once, before anything changes folder, and the same file is used by every
process of the run. Without one, each exchange says it was not validated and why.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any


@functools.lru_cache(maxsize=4)
def _sha256(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class SchemaUse:
    def __init__(self, xsd: Path | None, searched: tuple[str, ...] = ()) -> None:
        self.xsd = xsd
        self.searched = searched

    @property
    def sha256(self) -> str | None:
        return _sha256(str(self.xsd)) if self.xsd is not None else None

    def reason_missing(self) -> str:
        tried = ", ".join(self.searched) if self.searched else "nowhere"
        return f"no DUIS XSD found (tried {tried})"

    def schema(self) -> Any:
        """The loaded ``xmlschema`` schema, or None without an XSD."""
        if self.xsd is None:
            return None
        from harness.duis.schema import load_schema

        return load_schema(self.xsd)

    def check(self, request_xml: str, response_xml: str | None) -> dict[str, Any]:
        """The ``schema`` entry of a DUIS exchange: validated or not, the XSD and its SHA-256, and
        every problem found in the request and the response."""
        if self.xsd is None:
            return {"validated": False, "reason": self.reason_missing()}
        from harness.duis.schema import schema_problems

        schema = self.schema()
        request_problems = schema_problems(request_xml, schema)
        response_problems = schema_problems(response_xml, schema) if response_xml else []
        return {
            "validated": True,
            "xsd": str(self.xsd),
            "xsd_sha256": self.sha256,
            "valid": not request_problems and not response_problems,
            "request_problems": request_problems[:20],
            "response_problems": response_problems[:20],
        }
