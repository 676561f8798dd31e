"""One task form, two renderers: the page renders the task's JSON Schema as HTML fields and turns
the posted fields back into the JSON the API takes; validation is not here but in
`forms.validation` and the procedure's checks, both run by `workflows.services.task_complete`.

The subset of JSON Schema the forms use, and its widgets:

- string `format: date` → date input; string `enum` (+ `x-labels`) → select; other strings → text,
  or a textarea when `maxLength` > 200;
- integer / number → number input; boolean → yes/no radios;
- `x-options: <context key>` on an integer (or an array of integers, or an object property inside
  an array): a member picker offering only the people the task context lists under that key
  (the procedure decides who is eligible), each by name with "branch · status" beside it; a
  checkbox list for arrays, radios for one person when the list is long; a list of `FILTER_FROM`
  or more people gets a text filter (app.js) by name, branch or status;
- `x-account-options`: the same picker over user accounts, not members (P4's supporting committee
  member); the records (`workflows.display`, case facts) do not read its ids as member ids;
- `x-organization` beside `x-options`: the options are organizations (P6's branches of the round),
  so the records name them as organizations, never as members; `x-standard`: a P6 standard's or
  item's code, named in the records by its title or text;
- array of objects with an `x-options` property: one row per option (a vote per candidate);
  other arrays of objects: a few blank rows; array of strings: one per line;
- `document_ids`: file uploads, stored as the case's documents with the submission.

Values that do not convert (letters in a number field) are passed on as typed so the schema
check names the field, exactly as a bad JSON body would be named by the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

BLANK_ROWS = 3
FILTER_FROM = 7  # a list of people this long or longer gets a text filter (by name, branch, status)
TEXTAREA_FROM = 200
DOCUMENTS = "document_ids"


def _label(text: str) -> str:
    return gettext(text) if text else text


def _types(schema: dict) -> list[str]:
    t = schema.get("type", "string")
    return t if isinstance(t, list) else [t]


def _main_type(schema: dict) -> str:
    return next((t for t in _types(schema) if t != "null"), "string")


@dataclass
class Field:
    """One field as a template renders it."""

    name: str  # the POST name: "seats", "votes.0.yes"
    key: str  # the schema property
    label: str
    widget: str  # date text textarea number select radio_bool picker checklist rows lines ids files
    required: bool = False
    help: str = ""
    value: Any = None
    options: list[dict] = field(default_factory=list)  # [{value, label, hint}]
    rows: list[dict] = field(default_factory=list)  # for "rows": [{label, cells: [Field]}]
    errors: list[str] = field(default_factory=list)
    attrs: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-")

    @property
    def searchable(self) -> bool:
        """A list of people long enough to need the filter: options, or rows one per person."""
        return max(len(self.options), len(self.rows)) >= FILTER_FROM and self.widget in (
            "picker",
            "checklist",
            "rows",
        )

    @property
    def selected(self) -> set[str]:
        v = self.value
        return (
            {str(x) for x in v}
            if isinstance(v, list)
            else ({str(v)} if v not in (None, "") else set())
        )


def _options(schema: dict, context: dict) -> list[dict] | None:
    key = schema.get("x-options") or schema.get("x-account-options")
    if not key:
        return None
    return [
        {"value": str(p["id"]), "label": p.get("name") or str(p["id"]), "hint": p.get("hint") or ""}
        for p in context.get(key) or []
        if isinstance(p, dict) and "id" in p
    ]


def _scalar(name: str, key: str, schema: dict, required: bool, context: dict, value) -> Field:
    label = _label(schema.get("title") or key)
    help_text = _label(schema.get("description") or "")
    t = _main_type(schema)
    attrs = {}
    options = _options(schema, context)
    if options is not None:
        return Field(name, key, label, "picker", required, help_text, value, options)
    if "enum" in schema:
        labels = schema.get("x-labels") or {}
        opts = [
            {"value": str(v), "label": _label(labels.get(str(v), str(v))), "hint": ""}
            for v in schema["enum"]
        ]
        return Field(name, key, label, "select", required, help_text, value, opts)
    if t == "boolean":
        v = {True: "true", False: "false"}.get(value, value)
        return Field(
            name,
            key,
            label,
            "radio_bool",
            required,
            help_text,
            v,
            [
                {"value": "true", "label": gettext("是"), "hint": ""},
                {"value": "false", "label": gettext("否"), "hint": ""},
            ],
        )
    if t in ("integer", "number"):
        for k in ("minimum", "maximum"):
            if k in schema:
                attrs[k[:3]] = schema[k]
        attrs["step"] = "1" if t == "integer" else "any"
        return Field(name, key, label, "number", required, help_text, value, attrs=attrs)
    if schema.get("format") == "date":
        return Field(name, key, label, "date", required, help_text, value)
    if "maxLength" in schema:
        attrs["maxlength"] = schema["maxLength"]
    widget = "textarea" if schema.get("maxLength", 0) > TEXTAREA_FROM else "text"
    return Field(name, key, label, widget, required, help_text, value, attrs=attrs)


def build_fields(
    schema: dict,
    context: dict,
    values: dict | None = None,
    errors: dict | None = None,
    rule_message: str = "",
) -> list[Field]:
    """The fields of a form, filled with `values` (the data as posted) and each with the messages of
    `errors` ({path: [message]}) whose path starts with its key. `rule_message`, the refusing rule's
    own sentence, is shown at each field the rule names."""
    values, errors = values or {}, errors or {}
    required = set(schema.get("required") or [])
    out = []
    for key, prop in (schema.get("properties") or {}).items():
        value = values.get(key)
        req = key in required
        t = _main_type(prop)
        if key == DOCUMENTS:
            f = Field(
                key,
                key,
                _label(prop.get("title") or key),
                "files",
                req,
                gettext("可选择多个文件：PDF、图片、Word、Excel"),
                value,
            )
        elif t == "array":
            f = _array(key, prop, req, context, value)
        else:
            f = _scalar(key, key, prop, req, context, value)
        for path, messages in errors.items():
            if path == key or path.startswith(key + "."):
                f.errors.extend(str(m) for m in messages)
        if f.errors and rule_message and rule_message not in f.errors:
            f.errors.append(rule_message)
        out.append(f)
    return out


def _array(key: str, prop: dict, required: bool, context: dict, value) -> Field:
    label = _label(prop.get("title") or key)
    help_text = _label(prop.get("description") or "")
    items = prop.get("items") or {}
    options = _options(prop, context)
    if options is not None:
        return Field(key, key, label, "checklist", required, help_text, value or [], options)
    it = _main_type(items)
    if it == "object":
        return _rows(key, label, required, help_text, items, context, value or [])
    if it in ("integer", "number"):
        text = ", ".join(str(v) for v in value) if isinstance(value, list) else (value or "")
        return Field(
            key, key, label, "ids", required, help_text or gettext("多个编号用逗号分隔"), text
        )
    text = "\n".join(str(v) for v in value) if isinstance(value, list) else (value or "")
    return Field(key, key, label, "lines", required, help_text or gettext("每行一项"), text)


def _rows(key, label, required, help_text, items, context, value) -> Field:
    """An array of objects: one row per option when a property carries `x-options` (that property
    fixed, the others to fill), else a few blank rows."""
    props = items.get("properties") or {}
    req = set(items.get("required") or [])
    anchor = next((k for k, p in props.items() if p.get("x-options")), None)
    rows = []
    if anchor:
        by_anchor = {str(v.get(anchor)): v for v in value if isinstance(v, dict)}
        for i, opt in enumerate(_options(props[anchor], context) or []):
            current = by_anchor.get(opt["value"], {})
            cells = [
                _scalar(f"{key}.{i}.{k}", k, p, k in req, context, current.get(k))
                for k, p in props.items()
                if k != anchor
            ]
            rows.append(
                {
                    "label": opt["label"],
                    "hint": opt["hint"],
                    "anchor": Field(
                        f"{key}.{i}.{anchor}", anchor, opt["label"], "hidden", value=opt["value"]
                    ),
                    "cells": cells,
                }
            )
    else:
        for i in range(max(BLANK_ROWS, len(value))):
            current = value[i] if i < len(value) and isinstance(value[i], dict) else {}
            rows.append(
                {
                    "label": "",
                    "hint": "",
                    "anchor": None,
                    "cells": [
                        _scalar(f"{key}.{i}.{k}", k, p, k in req, context, current.get(k))
                        for k, p in props.items()
                    ],
                }
            )
    return Field(key, key, label, "rows", required, help_text, value, rows=rows)


# --- posted fields → JSON ---------------------------------------------------------------------


def _convert(schema: dict, raw: str):
    """A posted string as the schema's type; what does not convert is returned as typed."""
    raw = raw.strip()
    t = _main_type(schema)
    if t == "integer":
        try:
            return int(raw)
        except ValueError:
            return raw
    if t == "number":
        try:
            return float(raw) if any(c in raw for c in ".eE") else int(raw)
        except ValueError:
            return raw
    if t == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    return raw


def parse_submission(schema: dict, post) -> dict:
    """The JSON object a form's posted fields stand for (`post` a QueryDict). Blank optional fields
    are left out, as an API client would leave them out; uploads are handled by the view."""
    data: dict[str, Any] = {}
    for key, prop in (schema.get("properties") or {}).items():
        if key == DOCUMENTS:
            continue
        t = _main_type(prop)
        if t == "array":
            value = _parse_array(key, prop, post)
            if value is not None:
                data[key] = value
            continue
        raw = post.get(key, "")
        if raw.strip() == "":
            continue
        data[key] = _convert(prop, raw)
    return data


def _parse_array(key: str, prop: dict, post):
    items = prop.get("items") or {}
    it = _main_type(items)
    if prop.get("x-options"):
        values = [_convert(items, v) for v in post.getlist(key) if v.strip()]
        return values if values or key in post or f"{key}.present" in post else None
    if it == "object":
        props = items.get("properties") or {}
        anchor = next((k for k, p in props.items() if p.get("x-options")), None)
        indices = sorted(
            {
                int(n.split(".")[1])
                for n in post
                if n.startswith(key + ".") and n.split(".")[1].isdigit()
            }
        )
        rows = []
        for i in indices:
            row = {}
            for k, p in props.items():
                raw = post.get(f"{key}.{i}.{k}", "")
                if raw.strip() != "":
                    row[k] = _convert(p, raw)
            filled = {k for k in row if k != anchor}
            if filled:
                rows.append(row)
        return rows if rows else None
    raw = post.get(key, "")
    if not raw.strip():
        return None
    if it in ("integer", "number"):
        return [_convert(items, v) for v in raw.replace("，", ",").split(",") if v.strip()]
    return [line.strip() for line in raw.splitlines() if line.strip()]
