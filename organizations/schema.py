"""Schema changes that Django's migration operations make the long way, made directly.

When `AlterField` turns off a foreign key's `db_index`, Django drops the reference's constraint and
adds it back. Adding it back re-checks every row of the table under a lock, which takes minutes on a
national year of audit events, although only the index changes. `index_dropped` drops the index
alone. A migration pairs it with the `AlterField` for the state, in a `SeparateDatabaseAndState`."""

from __future__ import annotations

from django.db import migrations


def index_dropped(app_label: str, model_name: str, field_name: str) -> migrations.RunPython:
    """Drop the single-column index Django made for `field_name` (`db_index=True`, or a foreign
    key's default). On PostgreSQL, also drop its `varchar_pattern_ops` twin for LIKE, if it has
    one. The names are the ones Django gave them (`_create_index_name`). Reversed: Django makes
    them again."""

    def field_and_names(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        field = model._meta.get_field(field_name)
        names = [
            schema_editor._create_index_name(model._meta.db_table, [field.column], suffix=suffix)
            for suffix in ("", "_like")
        ]
        return model, field, names

    def drop(apps, schema_editor):
        _model, _field, names = field_and_names(apps, schema_editor)
        for name in names:
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")

    def make(apps, schema_editor):
        # Backwards, `apps` is the state before the migration: the field is indexed there.
        model, field, _names = field_and_names(apps, schema_editor)
        for statement in schema_editor._field_indexes_sql(model, field):
            schema_editor.execute(statement)

    return migrations.RunPython(drop, make, elidable=False)
