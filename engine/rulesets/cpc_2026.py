"""cpc-2026: the reported May 2026 revision of DEV-2014 (unverified; see procedures.md)."""

from ..calendar import Duration as D
from ..rules import Rule, register
from .cpc_2014 import CPC_2014

CPC_2026 = register(
    CPC_2014.derive(
        "cpc-2026",
        "2026年修订（据公开报道，未经核实）",
        {
            "development.publication_min": Rule(
                D(working_days=5), "确定发展对象前公示期", "DEV-2026 (reported)", "unverified"
            ),
            "development.object_consent": Rule(
                True, "发展对象须经上级党委同意（而非备案）", "DEV-2026 (reported)", "unverified"
            ),
            "development.meeting_after_prereview": Rule(
                D(months=1), "预审通过后召开支部大会的期限", "DEV-2026 (reported)", "unverified"
            ),
        },
    )
)
