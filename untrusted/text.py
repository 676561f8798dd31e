"""Which characters text may hold: one rule for the API, the pages, the services and the imports.

- Control characters (C0 and DEL, except tab, line feed and carriage return, which multi-line text
  carries): PostgreSQL cannot store NUL in text or jsonb, and none of them is ever typed.
- Invisible formatting characters: the bidirectional embeddings, overrides and isolates
  (U+202A–U+202E, U+2066–U+2069, the marks U+200E/U+200F/U+061C), zero-width characters
  (U+200B–U+200D, U+2060–U+2064, U+FEFF), the soft hyphen and the interlinear annotations. In a
  name they make two names look the same ("张三" and "张\u200b三") or a printed line read backwards
  (Unicode Technical Report #36, "Trojan Source" CVE-2021-42574). Names refuse them; free text
  submitted through the API or a page refuses them too (a paste from a web page that brought a
  zero-width space is answered at its field, so the person sees what was refused).
"""

from __future__ import annotations

import re

from engine.errors import ValidationFailed
from engine.i18n import _

CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
INVISIBLE_CHARS = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)
FORBIDDEN_CHARS = re.compile(f"{CONTROL_CHARS.pattern[:-1]}{INVISIBLE_CHARS.pattern[1:]}")


def has_control_chars(value: str) -> bool:
    return bool(CONTROL_CHARS.search(value))


def has_invisible_chars(value: str) -> bool:
    return bool(INVISIBLE_CHARS.search(value))


def has_forbidden_chars(value: str) -> bool:
    """A control character or an invisible formatting character: refused in anything submitted."""
    return bool(FORBIDDEN_CHARS.search(value))


def char_problem(value: str) -> str | None:
    """What is wrong with the characters of `value`, in words for its field (None: nothing)."""
    found = FORBIDDEN_CHARS.search(value)
    if found is None:
        return None
    if CONTROL_CHARS.match(found.group()):
        return str(_("不能包含控制字符"))
    return str(_("不能包含不可见的格式字符（U+%(code)04X）") % {"code": ord(found.group())})


def forbidden_chars_error(fields: dict[str, str] | list[str]) -> ValidationFailed:
    """400 `invalid_characters` naming each field ({field: problem} or a list of fields)."""
    if not isinstance(fields, dict):
        fields = {f: str(_("不能包含控制字符")) for f in fields}
    return ValidationFailed(
        _("提交的内容含有不允许的字符（控制字符如 NUL，或不可见的格式字符如 U+202E）。"),
        code="invalid_characters",
        fields={f: [m] for f, m in fields.items()},
    )


def name_check(value: str, *, field: str = "name") -> str:
    """A person's, user's or organization's name as stored: surrounding spaces removed; a control
    or invisible formatting character anywhere is a 400 naming `field`."""
    value = (value or "").strip()
    problem = char_problem(value)
    if problem:
        raise ValidationFailed(
            _("名称含有不允许的字符：%(problem)s。") % {"problem": problem},
            code="invalid_characters",
            fields={field: [problem]},
        )
    return value
