"""Rows of another table carried in one column of a query, as a JSON array, and built back into
model instances. The API's token lookup and the pages' session user bring the user's roles and
delegations this way: one round trip per request instead of three.

The column is a correlated subquery written once per process from the models' fields (PostgreSQL:
JSONB_AGG(JSONB_BUILD_OBJECT(…)), SQLite: JSON_GROUP_ARRAY(JSON_OBJECT(…))) and added as raw SQL:
compiling the same expression through the ORM costs about 4 ms a request, more than the queries it
saves. The two databases differ in how dates, booleans and nested JSON come back, which
`instances` evens out. Every concrete field is carried unless a relation names its fields; a field
left out is deferred (reading it loads it: slower, never wrong)."""

from __future__ import annotations

import datetime as dt
import functools
import json

from django.db import connection
from django.db.models import BooleanField, DateField, DateTimeField, JSONField, Model
from django.db.models.expressions import RawSQL
from django.utils.dateparse import parse_date, parse_datetime


@functools.cache
def _array_sql(vendor: str, model: type[Model], related: tuple, where: str) -> str:
    quote = connection.ops.quote_name
    pairs = [(f.attname, f"t.{quote(f.column)}") for f in model._meta.concrete_fields]
    joins = []
    for name, only in related:
        fk = model._meta.get_field(name)
        target, alias = fk.related_model, f"r_{name}"
        joins.append(
            f"LEFT JOIN {quote(target._meta.db_table)} {alias} "
            f"ON {alias}.{quote(target._meta.pk.column)} = t.{quote(fk.column)}"
        )
        pairs += [
            (f"{name}.{f.attname}", f"{alias}.{quote(f.column)}")
            for f in target._meta.concrete_fields
            if only is None or f.attname in only
        ]
    agg, obj = (
        ("JSONB_AGG", "JSONB_BUILD_OBJECT")
        if vendor == "postgresql"
        else ("JSON_GROUP_ARRAY", "JSON_OBJECT")
    )
    body = ", ".join(f"'{key}', {column}" for key, column in pairs)
    return (
        f"SELECT {agg}({obj}({body})) FROM {quote(model._meta.db_table)} t {' '.join(joins)} "
        f"WHERE {where}"
    )


def json_rows(model: type[Model], *, where: str, params=(), related: dict | None = None) -> RawSQL:
    """A column giving the rows of `model` (table alias `t`) matching `where` (SQL naming the outer
    query's columns, with %s for `params`) as one JSON array of objects (none matched: NULL on
    PostgreSQL, [] on SQLite).
    `related` ({relation: None for every field, or a tuple of field names}) joins each relation
    and carries its fields under `relation.<field>`."""
    rel = tuple(
        (name, tuple(only) if only is not None else None)
        for name, only in sorted((related or {}).items())
    )
    return RawSQL(
        _array_sql(connection.vendor, model, rel, where), tuple(params), output_field=JSONField()
    )


def db_date(value: dt.date) -> object:
    """A date as a raw SQL parameter for this database."""
    return connection.ops.adapt_datefield_value(value)


def db_datetime(value: dt.datetime) -> object:
    """A datetime as a raw SQL parameter for this database (SQLite keeps UTC without an offset)."""
    return connection.ops.adapt_datetimefield_value(value)


def _value(field, raw):
    if raw is None:
        return None
    if isinstance(field, DateTimeField):
        value = parse_datetime(raw) if isinstance(raw, str) else raw
        # SQLite stores UTC without an offset.
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
    if isinstance(field, DateField):
        return parse_date(raw) if isinstance(raw, str) else raw
    if isinstance(field, BooleanField):
        return bool(raw)
    if isinstance(field, JSONField) and isinstance(raw, str):
        return json.loads(raw)  # SQLite's JSON_OBJECT embeds a JSON column as its text
    return raw


def _instance(model: type[Model], row: dict, prefix: str = "") -> Model:
    names, values = [], []
    for field in model._meta.concrete_fields:
        key = prefix + field.attname
        if key in row:
            names.append(field.attname)
            values.append(_value(field, row[key]))
    return model.from_db(connection.alias, names, values)


def instances(model: type[Model], rows, related=()) -> list:
    """`rows` (from `json_rows`, possibly None) as instances of `model`, each relation named in
    `related` built from its `relation.`-prefixed keys and set as loaded."""
    out = []
    for row in rows or ():
        obj = _instance(model, row)
        for name in related:
            setattr(
                obj, name, _instance(model._meta.get_field(name).related_model, row, f"{name}.")
            )
        out.append(obj)
    return out


# --- whole rows of several tables in one statement ----------------------------------------------


@functools.cache
def _columns(vendor: str, model: type[Model]) -> list:
    """[(field, column expression, converters)] for `model`'s concrete fields on this database."""
    out = []
    for field in model._meta.concrete_fields:
        col = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
        out.append((field, col, converters))
    return out


def select_list(model: type[Model], alias: str) -> str:
    """SQL listing every concrete column of `model` from the table aliased `alias`."""
    quote = connection.ops.quote_name
    return ", ".join(
        f"{alias}.{quote(f.column)}" for f, _c, _v in _columns(connection.vendor, model)
    )


def from_row(model: type[Model], values) -> Model:
    """An instance of `model` from a raw row of its `select_list`, converted as the ORM converts
    (dates, booleans and JSON on SQLite; JSON on PostgreSQL)."""
    names, out = [], []
    for (field, col, converters), value in zip(
        _columns(connection.vendor, model), values, strict=True
    ):
        for convert in converters:
            value = convert(value, col, connection)
        names.append(field.attname)
        out.append(value)
    return model.from_db(connection.alias, names, out)


def width(model: type[Model]) -> int:
    return len(model._meta.concrete_fields)
