"""The MPRN migration-validation rule (TMAD 3.24 under Uplift 1.2).

The SMSO holds an MPRN as a string, possibly padded with leading zeros; the DCC system holds the
canonical form: ASCII digits with no leading zero. With the change ``mprn-leading-zeros`` in force
(``uplift-1.2``) leading zeros are disregarded for the IOC GroupIDs only; without it (``baseline``),
and for every other group, a leading zero fails. The full rule table, with the order in which the
checks are made and which limits are quoted from a source and which are settings, is in
``docs/migration.md``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from harness.changes import BASELINE, PROFILES, UPLIFT_1_2, Change, ChangeSet

__all__ = ["BASELINE", "PROFILES", "UPLIFT_1_2"]

IOC_GROUP_IDS: frozenset[str] = frozenset({"AA", "BA", "CA"})
"""SMSO GroupIDs of the IOC cohort (TMAD 3.24 names these three)."""

OTHER_GROUP_IDS: frozenset[str] = frozenset({"MA", "MB", "SA", "SB"})
"""Default GroupIDs of the MOC (MDS) and MOC (Secure) cohorts, the same defaults as the DCC model's
cohort settings: our setting (``--known-groups``), not a fact from a source."""

_ASCII_DIGITS = frozenset("0123456789")
_SIGNS = frozenset("+-")
_SHOWN = 24  # characters of a rejected value quoted in a message


class MprnRejection(str, enum.Enum):
    """Machine-readable reason codes, one per rule of the table in ``docs/migration.md``."""

    WRONG_TYPE = "wrong-type"
    UNKNOWN_PROFILE = "unknown-profile"
    UNKNOWN_GROUP = "unknown-group"
    EMPTY = "empty"
    WHITESPACE = "whitespace"
    SIGN = "sign"
    NON_ASCII_DIGIT = "non-ascii-digit"
    NOT_DIGITS = "not-digits"
    ALL_ZEROS = "all-zeros"
    TOO_MANY_DIGITS = "too-many-digits"
    LEADING_ZERO = "leading-zero"
    FIELD_TOO_LONG = "field-too-long"
    TOO_FEW_DIGITS = "too-few-digits"


class MprnError(ValueError):
    """An MPRN failed migration validation; ``code`` says which rule, the message says why."""

    def __init__(self, code: MprnRejection, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class MprnRules:
    """Settings of the rule. The defaults are documented in ``docs/migration.md``."""

    ioc_group_ids: frozenset[str] = IOC_GROUP_IDS
    known_group_ids: frozenset[str] = field(default=IOC_GROUP_IDS | OTHER_GROUP_IDS)
    min_digits: int = 6  # our setting: significant digits at least
    max_digits: int = 10  # the DUIS XSD's sr:MPRN is a string of at most 10 characters
    max_field_length: int = 10  # the SMSO's field, leading zeros included: DUIS sr:MPRN, 10

    def __post_init__(self) -> None:
        if not self.ioc_group_ids <= self.known_group_ids:
            raise ValueError("every IOC GroupID must be a known GroupID")
        if not 1 <= self.min_digits <= self.max_digits <= self.max_field_length:
            raise ValueError("need 1 <= min_digits <= max_digits <= max_field_length")


DEFAULT_RULES = MprnRules()


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def validate_mprn(
    mprn: str,
    group_id: str,
    profile: str | ChangeSet = UPLIFT_1_2,
    *,
    rules: MprnRules = DEFAULT_RULES,
) -> str:
    """Return the canonical MPRN (ASCII digits, no leading zero) or raise :class:`MprnError`.

    ``profile``: the changes in force, or a profile name / comma-separated change names."""
    if not isinstance(mprn, str):
        raise MprnError(
            MprnRejection.WRONG_TYPE, f"MPRN must be a string, not {type(mprn).__name__}"
        )
    try:
        changes = ChangeSet.resolve(profile)
    except (TypeError, ValueError) as exc:
        raise MprnError(
            MprnRejection.UNKNOWN_PROFILE, f"unknown behaviour profile {_shown(profile)}: {exc}"
        ) from None
    if not isinstance(group_id, str) or group_id not in rules.known_group_ids:
        raise MprnError(MprnRejection.UNKNOWN_GROUP, f"unknown SMSO GroupID {_shown(group_id)}")
    if mprn == "":
        raise MprnError(MprnRejection.EMPTY, "MPRN is empty")
    if any(ch.isspace() for ch in mprn):
        raise MprnError(MprnRejection.WHITESPACE, f"MPRN {_shown(mprn)} contains whitespace")
    if mprn[0] in _SIGNS:
        raise MprnError(MprnRejection.SIGN, f"MPRN {_shown(mprn)} carries a sign")
    stray = [ch for ch in mprn if ch not in _ASCII_DIGITS]
    if stray:
        if all(ch.isdigit() for ch in stray):
            raise MprnError(
                MprnRejection.NON_ASCII_DIGIT,
                f"MPRN {_shown(mprn)} contains digits other than ASCII 0-9",
            )
        raise MprnError(
            MprnRejection.NOT_DIGITS, f"MPRN {_shown(mprn)} contains characters that are not digits"
        )
    significant = mprn.lstrip("0")
    if significant == "":
        raise MprnError(MprnRejection.ALL_ZEROS, f"MPRN {_shown(mprn)} is all zeros")
    if len(significant) > rules.max_digits:
        raise MprnError(
            MprnRejection.TOO_MANY_DIGITS,
            f"MPRN {_shown(mprn)} has {len(significant)} significant digits "
            f"(at most {rules.max_digits})",
        )
    if significant != mprn:
        if Change.MPRN_LEADING_ZEROS not in changes or group_id not in rules.ioc_group_ids:
            raise MprnError(
                MprnRejection.LEADING_ZERO,
                f"MPRN {_shown(mprn)} has a leading zero, which GroupID {group_id!r} "
                f"does not allow under profile {changes.name!r}",
            )
        if len(mprn) > rules.max_field_length:
            raise MprnError(
                MprnRejection.FIELD_TOO_LONG,
                f"MPRN {_shown(mprn)} is {len(mprn)} characters long with its leading zeros "
                f"(the field holds {rules.max_field_length}: DUIS sr:MPRN)",
            )
    if len(significant) < rules.min_digits:
        raise MprnError(
            MprnRejection.TOO_FEW_DIGITS,
            f"MPRN {_shown(mprn)} has {len(significant)} significant digits "
            f"(at least {rules.min_digits})",
        )
    return significant
