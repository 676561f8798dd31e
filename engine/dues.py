"""Party dues (党费) from a declared monthly base: the one function that computes a member's
monthly amount (DUES-2008 Art. 2, 5, 6; the table in shared/domain/statistics-and-dues.md, Part B).

The bracket table lives in the rule set (`dues.brackets.working`, `dues.brackets.retired`, the flat
amounts `dues.flat.student` and `dues.flat.unemployed`), so a revised table is a new rule set. One
rate applies to the whole base (the brackets are not marginal: 4500 × 1% = 45.00). Amounts are
`Decimal`: the base rounded by the rule set's `dues.base_rounding` (to the fen by default; some
universities take the base in whole yuan), the amount to the fen by `dues.rounding` (no source
names a rounding: settings, half up by default). No Django here."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation

from .errors import ValidationFailed
from .i18n import _

FEN = Decimal("0.01")
# A monthly base this large is a typing mistake (and would not fit the ledger's columns).
BASE_LIMIT = Decimal(100_000_000)


class DuesCategory:
    """Who pays by which rule: salaried and retired members on a base, the others a flat amount."""

    WORKING = "working"  # 在职 (Art. 2)
    RETIRED = "retired"  # 离退休 (Art. 5)
    STUDENT = "student"  # 学生 (Art. 6)
    UNEMPLOYED = "unemployed"  # 下岗失业、依靠抚恤或救济、低保 (Art. 6)

    ALL = (WORKING, RETIRED, STUDENT, UNEMPLOYED)
    ON_BASE = (WORKING, RETIRED)


@dataclass(frozen=True)
class Brackets:
    """A bracket table: (upper bound of the monthly base, bound included, or None for the last
    bracket; rate), lowest first. The rate of the bracket the base falls in applies to it all."""

    rows: tuple[tuple[Decimal | None, Decimal], ...]

    def rate_for(self, base: Decimal) -> Decimal:
        for upper, rate in self.rows:
            if upper is None or base <= upper:
                return rate
        raise ValueError("a bracket table ends with an open bracket")  # pragma: no cover

    def __str__(self) -> str:
        parts, lower = [], None
        for upper, rate in self.rows:
            pct = f"{(rate * 100).normalize()}%"
            if upper is None:
                parts.append(f">{lower}：{pct}")
            else:
                parts.append(f"{'≤' if lower is None else f'{lower}–'}{upper}：{pct}")
            lower = upper
        return "；".join(parts)


ROUNDING_MODES = {
    ROUND_HALF_UP: _("四舍五入"),
    ROUND_DOWN: _("舍去"),
    ROUND_UP: _("进位"),
}


@dataclass(frozen=True)
class Rounding:
    """How an amount is rounded: to `quantum` (0.01: the fen; 1: the whole yuan) by `mode`
    (a `decimal` rounding, one of ROUNDING_MODES)."""

    quantum: Decimal
    mode: str = ROUND_HALF_UP

    def apply(self, amount: Decimal) -> Decimal:
        return amount.quantize(self.quantum, rounding=self.mode)

    def __str__(self) -> str:
        unit = _("分") if self.quantum == FEN else _("元") if self.quantum == 1 else self.quantum
        return _("保留到%(u)s，%(m)s") % {"u": unit, "m": ROUNDING_MODES[self.mode]}


@dataclass(frozen=True)
class DuesAmount:
    category: str
    base: Decimal | None
    rate: Decimal | None  # None for a flat amount
    monthly: Decimal


def decimal_amount(value, *, field: str) -> Decimal:
    """A money amount from user input (str, int, Decimal), or a 400 naming `field`. Floats are
    refused: 0.1 + 0.2 is not money."""
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(
            _("金额须为数字。"), code="invalid_amount", fields={field: [_("须为数字")]}
        ) from None
    if not amount.is_finite():
        raise ValidationFailed(
            _("金额须为数字。"), code="invalid_amount", fields={field: [_("须为数字")]}
        )
    return amount


def monthly_dues(rules, *, category: str, base=None) -> DuesAmount:
    """A member's monthly dues (DUES-2008 Art. 2, 5, 6) from the rule set `rules`: working and
    retired members pay the rate of their base's bracket on the whole base (the base rounded by
    `dues.base_rounding`), the amount rounded to the fen;
    students and the unemployed a flat amount. A base is required (≥ 0) for the first two and
    ignored for the others. Raises ValidationFailed naming `category` or `base`."""
    if category not in DuesCategory.ALL:
        raise ValidationFailed(
            _("未知的党费类别：%(c)s") % {"c": category},
            code="invalid_choice",
            fields={"category": [_("未知的类别")]},
        )
    if category not in DuesCategory.ON_BASE:
        flat = Decimal(str(rules.get(f"dues.flat.{category}")))
        return DuesAmount(category=category, base=None, rate=None, monthly=flat.quantize(FEN))
    if base is None or base == "":
        raise ValidationFailed(
            _("在职和离退休党员须填写月工资基数。"),
            code="required",
            fields={"base": [_("必填")]},
        )
    base = decimal_amount(base, field="base")
    if base < 0:
        raise ValidationFailed(
            _("党费基数不能为负数。"), code="invalid_amount", fields={"base": [_("不能为负数")]}
        )
    if base >= BASE_LIMIT:
        raise ValidationFailed(
            _("党费基数须小于 %(n)s 元。") % {"n": BASE_LIMIT},
            code="invalid_amount",
            fields={"base": [_("数额过大")]},
        )
    base = rules.get("dues.base_rounding").apply(base)
    rate = rules.get(f"dues.brackets.{category}").rate_for(base)
    monthly = (base * rate).quantize(FEN, rounding=rules.get("dues.rounding"))
    return DuesAmount(category=category, base=base, rate=rate, monthly=monthly)
