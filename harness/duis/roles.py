"""DUIS user roles: who may send a service request.

The role abbreviations are those DUIS uses in its lists of eligible user roles per service
reference variant.
"""

from __future__ import annotations

import enum


class UserRole(str, enum.Enum):
    IMPORT_SUPPLIER = "IS"
    EXPORT_SUPPLIER = "ES"
    GAS_SUPPLIER = "GS"
    REGISTERED_SUPPLIER_AGENT = "RSA"
    ELECTRICITY_DISTRIBUTOR = "ED"
    GAS_TRANSPORTER = "GT"
    OTHER_USER = "OU"

    @property
    def full_name(self) -> str:
        return self.name.replace("_", " ").title()

    @classmethod
    def parse(cls, text: str) -> UserRole:
        """An abbreviation (``IS``) or a name (``Import Supplier``), any case."""
        wanted = text.strip().upper().replace("-", " ").replace("_", " ")
        for role in cls:
            if wanted in (role.value, role.name.replace("_", " ")):
                return role
        known = ", ".join(f"{r.value} ({r.full_name})" for r in cls)
        raise ValueError(f"unknown user role {text[:40]!r} (known: {known})")
