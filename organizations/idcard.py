"""The 18-character citizen ID number (公民身份号码, GB 11643-1999): six digits of the region,
the birth date YYYYMMDD, a three-digit sequence and a check character computed with ISO 7064
MOD 11-2."""

from __future__ import annotations

import datetime as dt

from engine.errors import ValidationFailed
from engine.i18n import _

WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
CHECK_CHARS = "10X98765432"


def id_check_char(first17: str) -> str:
    """The MOD 11-2 check character of the first 17 digits."""
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def id_number_check(
    value: str, *, birth_date: dt.date | None = None, field: str = "id_number"
) -> dt.date:
    """Validate an ID number and return the birth date inside it. Refused (400 naming `field`) when
    it is not 18 characters of 17 digits and a digit or X, its birth date is not a real day or
    differs from `birth_date`, or its check character is wrong."""
    value = (value or "").strip().upper()
    if (
        len(value) != 18
        or not value[:17].isdigit()
        or not (value[17].isdigit() or value[17] == "X")
    ):
        raise ValidationFailed(
            _("公民身份号码须为 18 位：17 位数字加 1 位数字或 X。"),
            code="id_number_format",
            fields={field: [_("须为 18 位（17 位数字加数字或 X）")]},
        )
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationFailed(
            _("公民身份号码中的出生日期 %(d)s 不是有效日期。") % {"d": value[6:14]},
            code="id_number_birth_date",
            fields={field: [_("出生日期无效")]},
        ) from None
    if birth_date is not None and born != birth_date:
        raise ValidationFailed(
            _("公民身份号码中的出生日期 %(a)s 与出生日期 %(b)s 不符。")
            % {"a": born.isoformat(), "b": birth_date.isoformat()},
            code="id_number_birth_date_mismatch",
            fields={field: [_("与出生日期不符")]},
        )
    if id_check_char(value[:17]) != value[17]:
        raise ValidationFailed(
            _("公民身份号码校验位错误（应为 %(c)s）。") % {"c": id_check_char(value[:17])},
            code="id_number_checksum",
            fields={field: [_("校验位错误")]},
        )
    return born
