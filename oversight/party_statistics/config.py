"""The points the domain file marks unverified or inferred, as settings
(`PARTYFLOW["STATISTICS"]`), each said on the statistics page with its value."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from engine.i18n import _

ADMISSION_BY_APPROVAL = "approval"
ADMISSION_BY_VOTE = "vote"
OCCUPATIONS = ("management", "professional", "worker")


@dataclass(frozen=True)
class StatisticsConfig:
    # S3: 发展党员 counted on the higher committee's approval (default) or the branch's vote.
    admission_counted_on: str = ADMISSION_BY_APPROVAL
    # Inferred university mapping: staff (教职工) → 事业单位专业技术人员 unless set otherwise.
    staff_occupation: str = "professional"

    def notes(self) -> list[dict]:
        """What the page says about each setting: its value and why it is one."""
        return [
            {
                "setting": "admission_counted_on",
                "value": self.admission_counted_on,
                "text": _(
                    "发展党员按上级党委审批日期计入当年（S3，未经核实，可设置为按支部大会日期）。"
                )
                if self.admission_counted_on == ADMISSION_BY_APPROVAL
                else _("发展党员按支部大会通过日期计入当年（S3，未经核实，可设置为按审批日期）。"),
            },
            {
                "setting": "staff_occupation",
                "value": self.staff_occupation,
                "text": _("教职工计入“%(o)s”一行（高校人员对应职业分类系推断，可设置）。")
                % {"o": OCCUPATION_LABELS()[self.staff_occupation]},
            },
        ]


def OCCUPATION_LABELS() -> dict:  # noqa: N802 - a constant read lazily (translations)
    return {
        "management": _("事业单位管理人员"),
        "professional": _("事业单位专业技术人员"),
        "worker": _("工勤技能人员"),
    }


def statistics_config(**overrides) -> StatisticsConfig:
    values = {**settings.PARTYFLOW.get("STATISTICS", {}), **overrides}
    config = StatisticsConfig(**values)
    if config.admission_counted_on not in (ADMISSION_BY_APPROVAL, ADMISSION_BY_VOTE):
        raise ValueError(f"STATISTICS.admission_counted_on: {config.admission_counted_on!r}")
    if config.staff_occupation not in OCCUPATIONS:
        raise ValueError(f"STATISTICS.staff_occupation: {config.staff_occupation!r}")
    return config
