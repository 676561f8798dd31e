"""Validate a task submission against its JSON Schema; errors name the field in Chinese."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext
from jsonschema import Draft202012Validator

from engine.errors import BpmnError, ValidationFailed
from engine.i18n import _


@lru_cache(maxsize=256)
def load_schema(name: str) -> dict:
    """The schema a BPMN user task names in its `formJsonSchemaFilename` property."""
    base = Path(settings.PARTYFLOW["FORMS_DIR"]).resolve()
    path = (base / name).resolve()
    if base not in path.parents or not path.is_file():
        raise BpmnError(_("找不到表单定义：%(name)s") % {"name": name}, code="form_missing")
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return schema


@lru_cache(maxsize=256)
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(
        load_schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def _field_path(error) -> str:
    path = list(error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        path.append(missing)
    return ".".join(str(p) for p in path) or "data"


JSON_TYPES = {
    "boolean": _("是或否"),
    "integer": _("整数"),
    "number": _("数字"),
    "string": _("文字"),
    "array": _("列表"),
    "object": _("对象"),
    "null": _("空值"),
}
FORMATS = {
    "date": _("日期（YYYY-MM-DD）"),
    "date-time": _("日期时间（ISO 8601）"),
    "email": _("电子邮件地址"),
    "uri": _("网址"),
}


def _type_words(value) -> str:
    types = value if isinstance(value, list) else [value]
    return str(_("或")).join(str(JSON_TYPES.get(t, t)) for t in types)


def _enum_words(error) -> str:
    """The allowed values as people read them: their x-labels when the schema has them."""
    labels = error.schema.get("x-labels") if isinstance(error.schema, dict) else None
    values = (
        error.validator_value
        if isinstance(error.validator_value, list)
        else [error.validator_value]
    )
    return str(_("、")).join(
        gettext(labels[v]) if labels and isinstance(v, str) and v in labels else str(v)
        for v in values
    )


def _extra_fields(error) -> str:
    """The fields the schema does not define (jsonschema says it in English; we name them)."""
    known = (
        set((error.schema or {}).get("properties", {})) if isinstance(error.schema, dict) else set()
    )
    extra = (
        sorted(str(k) for k in (error.instance or {}) if k not in known)
        if isinstance(error.instance, dict)
        else []
    )
    return str(_("、")).join(extra)


def _message(error) -> str:
    """The message for one jsonschema error, written per validator kind in the active language
    (never jsonschema's English)."""
    v, value = error.validator, error.validator_value
    title = error.schema.get("title") if isinstance(error.schema, dict) else None
    messages = {
        "required": lambda: _("必填"),
        "type": lambda: _("应为%(t)s") % {"t": _type_words(value)},
        "minimum": lambda: _("不能小于 %(v)s") % {"v": value},
        "maximum": lambda: _("不能大于 %(v)s") % {"v": value},
        "exclusiveMinimum": lambda: _("须大于 %(v)s") % {"v": value},
        "exclusiveMaximum": lambda: _("须小于 %(v)s") % {"v": value},
        "minLength": lambda: _("至少 %(v)s 个字符") % {"v": value},
        "maxLength": lambda: _("最多 %(v)s 个字符") % {"v": value},
        "minItems": lambda: _("至少 %(v)s 项") % {"v": value},
        "maxItems": lambda: _("最多 %(v)s 项") % {"v": value},
        "uniqueItems": lambda: _("不能重复"),
        "enum": lambda: _("取值须为 %(v)s 之一") % {"v": _enum_words(error)},
        "const": lambda: _("取值须为 %(v)s") % {"v": value},
        "format": lambda: _("格式应为%(v)s") % {"v": FORMATS.get(value, value)},
        "additionalProperties": lambda: _("包含未定义的字段：%(v)s") % {"v": _extra_fields(error)},
        "pattern": lambda: _("格式不正确"),
    }
    msg = str(messages[v]()) if v in messages else str(_("填写不符合要求"))
    return (
        str(_("%(title)s：%(msg)s") % {"title": gettext(title), "msg": msg})
        if title and v != "required"
        else msg
    )


def _too_long(data, limit: int) -> dict[str, list[str]]:
    """Every string in the submission longer than `limit` (where a schema sets no tighter
    maxLength): free text has an upper bound like every column, and the error names its field."""
    fields, stack = {}, [(data, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            stack.extend((v, f"{path}.{k}" if path else str(k)) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, f"{path}.{i}" if path else str(i)) for i, v in enumerate(value))
        elif isinstance(value, str) and len(value) > limit:
            fields[path or "data"] = [str(_("最多 %(v)s 个字符") % {"v": limit})]
    return fields


def validate_submission(form: str, data) -> None:
    """Raise ValidationFailed with `{field: [message]}` when `data` does not satisfy the form's schema."""
    if not isinstance(data, dict):
        raise ValidationFailed(
            _("提交的数据须为 JSON 对象。"), code="invalid_data", fields={"data": [_("须为对象")]}
        )
    fields: dict[str, list[str]] = _too_long(data, settings.PARTYFLOW["FORM_STRING_MAX"])
    if fields:
        raise ValidationFailed(
            _("表单填写有误，请检查标出的字段。"), code="form_invalid", fields=fields
        )
    if not form:
        return
    errors = sorted(_validator(form).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        for error in errors:
            fields.setdefault(_field_path(error), []).append(_message(error))
        raise ValidationFailed(
            _("表单填写有误，请检查标出的字段。"), code="form_invalid", fields=fields
        )
