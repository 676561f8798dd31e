"""Request parsers that refuse hostile input with a 400 naming the field, before any of it reaches
a serializer, a JSON Schema or the database: control characters (PostgreSQL cannot store NUL in
text or jsonb), and JSON nested deeper than any form needs (Python's parser and every recursive
walk after it would exhaust the stack)."""

from __future__ import annotations

from django.conf import settings
from django.http import QueryDict
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import DataAndFiles

from engine.errors import ValidationFailed
from engine.i18n import _
from untrusted.text import CONTROL_CHARS, char_problem, forbidden_chars_error
from untrusted.text import has_forbidden_chars as has_control_chars

# The one rule for characters lives in untrusted.text (the pages' guard applies it too): control
# characters and invisible formatting characters (bidirectional overrides, zero-width) are refused.
__all__ = ["CONTROL_CHARS", "has_control_chars"]


def control_char_error(fields: list[str] | dict[str, str]) -> ValidationFailed:
    return forbidden_chars_error(fields)


def check_json(data, *, max_depth: int) -> None:
    """Walk `data` without recursion: too deep → 400 `json_too_deep`; a key or string with a control
    character → 400 `invalid_characters` naming its path (`title`, `data.absentees.0.reason`)."""
    stack, bad = [(data, "", 1)], {}
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > max_depth:
                raise ValidationFailed(
                    _("JSON 嵌套层数超过 %(n)s 层。") % {"n": max_depth},
                    code="json_too_deep",
                    fields={path or "data": [_("嵌套过深")]},
                )
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                child = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and has_control_chars(key):
                    bad[child] = char_problem(key)
                stack.append((item, child, depth + 1))
        elif isinstance(value, str) and has_control_chars(value):
            bad[path or "data"] = char_problem(value)
    if bad:
        raise control_char_error(dict(sorted(bad.items())))


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> object:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ValidationFailed(
                _("JSON 嵌套层数过多。"), code="json_too_deep", fields={"data": [_("嵌套过深")]}
            ) from None
        except ParseError:
            raise
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(str(exc)) from None
        check_json(data, max_depth=settings.PARTYFLOW["JSON_MAX_DEPTH"])
        return data


def _check_querydict(data) -> None:
    bad = {
        key: char_problem(v)
        for key, values in data.lists()
        for v in [key, *values]
        if isinstance(v, str) and has_control_chars(v)
    }
    if bad:
        raise control_char_error(dict(sorted(bad.items())))


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None) -> QueryDict:
        data = super().parse(stream, media_type, parser_context)
        _check_querydict(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None) -> DataAndFiles:
        result = super().parse(stream, media_type, parser_context)
        _check_querydict(result.data)
        bad = {
            key: char_problem(f.name)
            for key, f in result.files.items()
            if char_problem(f.name or "")
        }
        if bad:
            raise control_char_error(bad)
        return result
