"""A CSV renderer for history exports (`?format=csv`): one row per audit event."""

import csv
import io
import json

from rest_framework.renderers import BaseRenderer

from untrusted.cells import csv_row

EVENT_COLUMNS = [
    "seq",
    "created_at",
    "action",
    "action_display",
    "actor_name",
    "on_behalf_of",
    "actor_display",
    "actor_roles",
    "task",
    "task_name",
    "data",
    "prev_hash",
    "hash",
]


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        out = io.StringIO()
        out.write("\ufeff")  # BOM: spreadsheet programs then read the Chinese text as UTF-8
        writer = csv.writer(out)
        if isinstance(data, dict) and "events" in data:
            writer.writerow(EVENT_COLUMNS)
            for e in data["events"]:
                writer.writerow(
                    csv_row(  # a name or value starting "=", "+", "-", "@" is not a formula
                        json.dumps(e[c], ensure_ascii=False)
                        if isinstance(e[c], (dict, list))
                        else e[c]
                        for c in EVENT_COLUMNS
                    )
                )
        elif isinstance(data, dict):  # an error body {code, message, fields}
            for key, value in data.items():
                writer.writerow(
                    csv_row(
                        [
                            key,
                            json.dumps(value, ensure_ascii=False)
                            if isinstance(value, (dict, list))
                            else value,
                        ]
                    )
                )
        return out.getvalue().encode("utf-8")
