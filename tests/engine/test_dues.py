"""The monthly dues from a declared base (DUES-2008 Art. 2, 5, 6; statistics-and-dues.md Part B),
each value worked out by hand from the bracket table: one rate on the whole base, exact to the fen."""

from decimal import ROUND_DOWN, Decimal

import pytest

from engine.dues import Rounding, monthly_dues
from engine.errors import ValidationFailed
from engine.rules import Rule, get_rule_set

RULES = get_rule_set("cpc-2014")


@pytest.mark.parametrize(
    ("category", "base", "rate", "monthly"),
    [
        # 在职 (Art. 2): ≤3000 0.5%; 3000–5000 1%; 5000–10000 1.5%; >10000 2%, bounds included
        ("working", "2800", "0.005", "14.00"),
        ("working", "3000", "0.005", "15.00"),  # 3000 is in the first bracket
        ("working", "3000.01", "0.01", "30.00"),  # 3000.01 × 1% = 30.0001
        ("working", "4500", "0.01", "45.00"),  # the rule's own example: not marginal
        ("working", "5000", "0.01", "50.00"),
        ("working", "7321.50", "0.015", "109.82"),  # 109.8225 → 109.82
        ("working", "10000", "0.015", "150.00"),
        ("working", "12345.67", "0.02", "246.91"),  # 246.9134
        ("working", "0", "0.005", "0.00"),
        # 离退休 (Art. 5): ≤5000 0.5%; >5000 1%
        ("retired", "4999.99", "0.005", "25.00"),  # 24.99995 → 25.00 (half up)
        ("retired", "5000", "0.005", "25.00"),
        ("retired", "6200", "0.01", "62.00"),
    ],
)
def test_monthly_dues_on_a_base_takes_the_rate_of_its_bracket_on_the_whole_base(
    category, base, rate, monthly
):
    amount = monthly_dues(RULES, category=category, base=base)
    assert amount.rate == Decimal(rate)
    assert amount.monthly == Decimal(monthly)
    assert str(amount.monthly) == monthly  # exact, to the fen


@pytest.mark.parametrize("category", ["student", "unemployed"])
def test_students_and_the_unemployed_pay_twenty_fen_whatever_the_base(category):
    amount = monthly_dues(RULES, category=category, base="8000")
    assert (amount.monthly, amount.base, amount.rate) == (Decimal("0.20"), None, None)


@pytest.mark.parametrize(
    ("category", "base", "field", "code"),
    [
        ("working", None, "base", "required"),
        ("retired", "", "base", "required"),
        ("working", "abc", "base", "invalid_amount"),
        ("working", "-1", "base", "invalid_amount"),
        ("working", "NaN", "base", "invalid_amount"),
        ("working", "1e400", "base", "invalid_amount"),
        ("working", "100000000", "base", "invalid_amount"),
        ("farmer", "100", "category", "invalid_choice"),
    ],
)
def test_a_bad_base_or_category_is_refused_naming_the_field(category, base, field, code):
    with pytest.raises(ValidationFailed) as err:
        monthly_dues(RULES, category=category, base=base)
    assert err.value.code == code and field in err.value.fields


def test_the_bracket_table_is_in_the_rule_set_with_its_source():
    shown = RULES.as_dict()
    assert shown["dues.brackets.working"]["source"] == "DUES-2008 第2条"
    assert shown["dues.brackets.working"]["value"] == (
        "≤3000：0.5%；3000–5000：1%；5000–10000：1.5%；>10000：2%"
    )
    assert shown["dues.brackets.retired"]["value"] == "≤5000：0.5%；>5000：1%"
    assert shown["dues.flat.student"]["value"] == "0.20"
    assert shown["dues.late_window_months"]["value"] == 6
    assert get_rule_set("cpc-2026").get("dues.flat.student") == Decimal("0.20")


def test_a_university_rounding_its_base_to_the_yuan_sets_it_in_its_own_rule_set():
    # By hand: 4999.60 to the fen stays 4999.60, 1% = 49.996 → 50.00; 5000.40 is over 5000, 1.5%
    # = 75.006 → 75.01. Taken down to the yuan: 4999 × 1% = 49.99; 5000 (bound included) × 1% = 50.00.
    local = RULES.derive(
        "test-yuan",
        "以元为单位核定基数的学校",
        {
            "dues.base_rounding": Rule(
                Rounding(Decimal(1), ROUND_DOWN), "党费基数的取整方式", "本校"
            )
        },
    )
    assert monthly_dues(RULES, category="working", base="4999.60").monthly == Decimal("50.00")
    assert monthly_dues(RULES, category="working", base="5000.40").monthly == Decimal("75.01")
    assert monthly_dues(local, category="working", base="4999.60").monthly == Decimal("49.99")
    assert monthly_dues(local, category="working", base="5000.40").base == Decimal("5000")
    assert monthly_dues(local, category="working", base="5000.40").monthly == Decimal("50.00")
    assert RULES.as_dict()["dues.base_rounding"]["value"] == "保留到分，四舍五入"
    assert local.as_dict()["dues.base_rounding"]["value"] == "保留到元，舍去"
    assert RULES.as_dict()["dues.rounding"]["value"] == "四舍五入"
