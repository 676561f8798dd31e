"""党内统计 printed (PDF): the tables in their layout, the check results with the people named, and
the settings in force, from the same view as the page and the Excel export."""

from __future__ import annotations

from django.utils import timezone, translation

from engine.calendar import cn_datetime
from oversight.party_statistics.selectors import Statistics, statistics_view

from .render import render_pdf


def statistics_pdf(stats: Statistics) -> bytes:
    with translation.override("zh-hans"):
        view = statistics_view(stats)
        content, _template = render_pdf(
            "party_statistics.html", {**view, "generated_at": cn_datetime(timezone.now())}
        )
    return content
