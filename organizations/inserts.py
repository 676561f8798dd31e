"""Many new rows of one model in one INSERT, without the ORM's per-value compilation.

`QuerySet.bulk_create` compiles every value of every row through the SQL compiler (`prepare_value`,
`pre_save_val`, `get_db_prep_save` and the placeholders for each): for the timer workers' batches
(tasks, timers, audit events and notifications of 200 cases) that was more Python than building
the rows. Here the column list is worked out once per model and each value goes through its field's
`pre_save` (only where a field overrides it: `auto_now_add`…) and `get_db_prep_save`, as the ORM
does, into one `INSERT … VALUES (…), (…) RETURNING …` sent through Django's cursor (so query
capture and execute wrappers see it like any other statement). The rows get their
primary keys back and are marked saved, as `bulk_create` leaves them. Elsewhere than PostgreSQL
(SQLite on a newcomer's machine) the ORM's `bulk_create`."""

from __future__ import annotations

import functools

from django.db import connection
from django.db.models import Field, Model


@functools.cache
def _columns(model: type[Model]) -> tuple[list, list, str]:
    """(fields, which need `pre_save`, the quoted column list) of a model's non-primary-key
    concrete fields."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    pre_save = [type(f).pre_save is not Field.pre_save for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    return fields, pre_save, columns


def insert_rows(
    rows: list[Model],
    *,
    conflict: str = "",
    returning: tuple[str, ...] | None = None,
    page_size: int = 2000,
) -> list[tuple]:
    """Insert unsaved instances of one model. Without `conflict` each row gets its primary key
    (`RETURNING id`, in the rows' order, as PostgreSQL assigns them in VALUES order) and is marked
    saved. `conflict` (e.g. "ON CONFLICT (key) DO NOTHING") and `returning` (columns): the rows
    are left as they are and the returned tuples given back (PostgreSQL only)."""
    if not rows:
        return []
    model = type(rows[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_create(rows)
        return [(r.pk,) for r in rows]
    fields, pre_save, columns = _columns(model)
    pk = model._meta.pk
    back = ", ".join(returning or (connection.ops.quote_name(pk.column),))
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    made = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), page_size):
            page = rows[start : start + page_size]
            params = [
                f.get_db_prep_save(
                    f.pre_save(r, True) if pre else getattr(r, f.attname), connection
                )
                for r in page
                for f, pre in zip(fields, pre_save, strict=True)
            ]
            cursor.execute(
                f"INSERT INTO {model._meta.db_table} ({columns}) VALUES "
                f"{', '.join([row] * len(page))} {conflict} RETURNING {back}",
                params,
            )
            made += cursor.fetchall()
    if not conflict and returning is None:
        for r, (key,) in zip(rows, made, strict=True):
            setattr(r, pk.attname, key)
            r._state.adding, r._state.db = False, connection.alias
    return made
