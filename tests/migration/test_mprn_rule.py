"""The MPRN migration-validation rule: the table in docs/migration.md, both profiles, every group."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.migration import (
    BASELINE,
    IOC_GROUP_IDS,
    OTHER_GROUP_IDS,
    UPLIFT_1_2,
    MprnError,
    MprnRejection,
    MprnRules,
    validate_mprn,
)

IOC = sorted(IOC_GROUP_IDS)
NON_IOC = sorted(OTHER_GROUP_IDS)
ALL_GROUPS = IOC + NON_IOC
PROFILES = [UPLIFT_1_2, BASELINE]


def rejection(mprn: object, group: object = "AA", profile: object = UPLIFT_1_2) -> MprnRejection:
    with pytest.raises(MprnError) as info:
        validate_mprn(mprn, group, profile)  # type: ignore[arg-type]
    assert str(info.value) == info.value.reason and info.value.reason
    return info.value.code


def test_design_example_ioc_uplift() -> None:
    assert validate_mprn("0007654321", "AA", UPLIFT_1_2) == "7654321"


def test_profile_defaults_to_uplift() -> None:
    assert validate_mprn("0007654321", "BA") == "7654321"


@pytest.mark.parametrize("group", IOC)
def test_uplift_disregards_leading_zeros_for_ioc(group: str) -> None:
    assert validate_mprn("0007654321", group, UPLIFT_1_2) == "7654321"
    assert validate_mprn("07654321", group, UPLIFT_1_2) == "7654321"


@pytest.mark.parametrize("group", NON_IOC)
def test_uplift_rejects_leading_zeros_for_other_groups(group: str) -> None:
    assert rejection("0007654321", group, UPLIFT_1_2) is MprnRejection.LEADING_ZERO


@pytest.mark.parametrize("group", ALL_GROUPS)
def test_baseline_rejects_leading_zeros_for_every_group(group: str) -> None:
    assert rejection("0007654321", group, BASELINE) is MprnRejection.LEADING_ZERO


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("group", ALL_GROUPS)
def test_canonical_mprn_accepted_everywhere(group: str, profile: str) -> None:
    assert validate_mprn("7654321", group, profile) == "7654321"
    assert validate_mprn("1234567890", group, profile) == "1234567890"
    assert validate_mprn("100000", group, profile) == "100000"


@pytest.mark.parametrize(
    ("mprn", "code"),
    [
        ("", MprnRejection.EMPTY),
        (" 7654321", MprnRejection.WHITESPACE),
        ("7654321 ", MprnRejection.WHITESPACE),
        ("765 4321", MprnRejection.WHITESPACE),
        ("7654321\n", MprnRejection.WHITESPACE),
        ("\u00a07654321", MprnRejection.WHITESPACE),
        ("+7654321", MprnRejection.SIGN),
        ("-7654321", MprnRejection.SIGN),
        ("765432\u0663", MprnRejection.NON_ASCII_DIGIT),  # ARABIC-INDIC DIGIT THREE
        ("\uff17\uff16\uff15\uff14\uff13\uff12\uff11", MprnRejection.NON_ASCII_DIGIT),  # fullwidth
        ("\u0967\u0968\u0969\u096a\u096b\u096c", MprnRejection.NON_ASCII_DIGIT),  # Devanagari
        ("76543a1", MprnRejection.NOT_DIGITS),
        ("7654.321", MprnRejection.NOT_DIGITS),
        ("7_654_321", MprnRejection.NOT_DIGITS),
        ("1e7", MprnRejection.NOT_DIGITS),
        ("7654321\x00", MprnRejection.NOT_DIGITS),
        ("0", MprnRejection.ALL_ZEROS),
        ("0000000000", MprnRejection.ALL_ZEROS),
        ("12345678901", MprnRejection.TOO_MANY_DIGITS),
        ("0012345678901", MprnRejection.TOO_MANY_DIGITS),
        ("00001234567", MprnRejection.FIELD_TOO_LONG),  # 7 digits padded to 11 characters
        ("12345", MprnRejection.TOO_FEW_DIGITS),
        ("0000012345", MprnRejection.TOO_FEW_DIGITS),
    ],
)
def test_rule_table_rejections(mprn: str, code: MprnRejection) -> None:
    assert rejection(mprn, "AA", UPLIFT_1_2) is code


@pytest.mark.parametrize("value", [7654321, 7654321.0, b"7654321", None, ["7654321"], True])
def test_wrong_type(value: object) -> None:
    assert rejection(value) is MprnRejection.WRONG_TYPE


@pytest.mark.parametrize("profile", ["uplift", "Uplift-1.2", "", None, "uplift-1.3"])
def test_unknown_profile(profile: object) -> None:
    assert rejection("7654321", "AA", profile) is MprnRejection.UNKNOWN_PROFILE


@pytest.mark.parametrize("group", ["aa", " AA", "AA ", "", "ZZ", None, 0xAA, "A"])
def test_unknown_group(group: object) -> None:
    assert rejection("7654321", group) is MprnRejection.UNKNOWN_GROUP


def test_reasons_are_distinct_and_readable() -> None:
    samples = {
        rejection(""),
        rejection(" 1"),
        rejection("+1"),
        rejection("\u0663"),
        rejection("x"),
        rejection("00"),
        rejection("12345678901"),
        rejection("0007654321", "MA"),
        rejection("00001234567"),
        rejection("123"),
        rejection(1),
        rejection("1", "AA", "x"),
        rejection("1", "ZZ"),
    }
    assert samples == set(MprnRejection)


def test_group_ids_are_a_setting() -> None:
    rules = MprnRules(
        ioc_group_ids=frozenset({"AA"}), known_group_ids=frozenset({"AA", "BA", "XY"})
    )
    assert validate_mprn("0007654321", "AA", rules=rules) == "7654321"
    with pytest.raises(MprnError) as info:
        validate_mprn("0007654321", "BA", rules=rules)
    assert info.value.code is MprnRejection.LEADING_ZERO
    assert validate_mprn("7654321", "XY", rules=rules) == "7654321"
    with pytest.raises(MprnError) as info:
        validate_mprn("7654321", "CA", rules=rules)
    assert info.value.code is MprnRejection.UNKNOWN_GROUP


def test_rules_must_be_consistent() -> None:
    with pytest.raises(ValueError):
        MprnRules(ioc_group_ids=frozenset({"QQ"}))
    with pytest.raises(ValueError):
        MprnRules(min_digits=11)


def test_message_of_a_huge_value_is_bounded() -> None:
    with pytest.raises(MprnError) as info:
        validate_mprn("x" * 10_000, "AA")
    assert len(str(info.value)) < 200


# Property tests ---------------------------------------------------------------------------

significant = st.integers(min_value=100_000, max_value=9_999_999_999).map(str)


@given(m=significant, k=st.integers(min_value=1, max_value=4), group=st.sampled_from(IOC))
def test_uplift_ioc_strips_any_valid_padding(m: str, k: int, group: str) -> None:
    padded = "0" * k + m
    if len(padded) <= 10:
        assert validate_mprn(padded, group, UPLIFT_1_2) == m.lstrip("0") == m
    else:
        with pytest.raises(MprnError) as info:
            validate_mprn(padded, group, UPLIFT_1_2)
        assert info.value.code is MprnRejection.FIELD_TOO_LONG


@given(m=significant, k=st.integers(min_value=1, max_value=4), group=st.sampled_from(ALL_GROUPS))
def test_baseline_rejects_any_leading_zero(m: str, k: int, group: str) -> None:
    with pytest.raises(MprnError) as info:
        validate_mprn("0" * k + m, group, BASELINE)
    assert info.value.code is MprnRejection.LEADING_ZERO


@given(m=significant, k=st.integers(min_value=1, max_value=4), group=st.sampled_from(NON_IOC))
def test_uplift_non_ioc_rejects_any_leading_zero(m: str, k: int, group: str) -> None:
    with pytest.raises(MprnError) as info:
        validate_mprn("0" * k + m, group, UPLIFT_1_2)
    assert info.value.code is MprnRejection.LEADING_ZERO


@given(
    m=significant,
    group=st.sampled_from(ALL_GROUPS),
    profile=st.sampled_from(PROFILES),
)
def test_canonical_form_is_a_fixed_point(m: str, group: str, profile: str) -> None:
    canonical = validate_mprn(m, group, profile)
    assert canonical == m
    assert canonical.isascii() and canonical.isdigit() and not canonical.startswith("0")
    assert validate_mprn(canonical, group, profile) == canonical


@given(
    text=st.text(max_size=14), group=st.sampled_from(ALL_GROUPS), profile=st.sampled_from(PROFILES)
)
def test_any_string_is_either_canonicalised_or_rejected_with_a_code(
    text: str, group: str, profile: str
) -> None:
    try:
        canonical = validate_mprn(text, group, profile)
    except MprnError as exc:
        assert isinstance(exc.code, MprnRejection)
        return
    assert canonical.isascii() and canonical.isdigit()
    assert 6 <= len(canonical) <= 10 and canonical[0] != "0"
    assert text.lstrip("0") == canonical
    assert text == canonical or (profile == UPLIFT_1_2 and group in IOC_GROUP_IDS)


def test_group_defaults_agree_with_the_dcc_model_cohorts() -> None:
    from harness.dcc.cohorts import DEFAULT_COHORT_GROUPS, Cohort

    assert IOC_GROUP_IDS == DEFAULT_COHORT_GROUPS[Cohort.IOC]
    assert IOC_GROUP_IDS | OTHER_GROUP_IDS == frozenset().union(*DEFAULT_COHORT_GROUPS.values())
