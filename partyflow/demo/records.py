"""P5: last quarter's meeting records of the software-engineering branch."""

from __future__ import annotations

import datetime as dt

from engine.calendar import today as cst_today
from organizations.models import Member, MemberStatus
from orglife.dues_selectors import dues_paid_through
from orglife.dues_services import dues_assessments_set, dues_collect
from orglife.models import DuesAssessment
from orglife.services import meeting_record

# The demo branch's declared monthly bases (元, after tax and contributions), one per member in turn.
DEMO_BASES = ("8200", "6500", "4800", "12000", "3900", "7300", "5600", "10400", "2900")
# Retired members' monthly pensions (元), in turn.
RETIRED_BASES = ("5200", "6100", "4300", "7400", "3800", "5700")
# Members behind with their dues, by branch: (index among the branch's paying members, months behind).
DUES_BEHIND = {"cs_stu": ((2, 1),), "marx_retired": ((3, 2),), "marx_teach": ((4, 1),)}
PAYING = (MemberStatus.FULL, MemberStatus.PROBATIONARY)


class _Records:
    """The seeder's P5 records (mixed into `seed._Seeder`)."""

    def compliance_records(self):
        """P5: last quarter's records of the software-engineering branch: the general meeting, a Party
        lesson and the themed Party day of two months out of three (the third month's is missed)."""
        se = self.branches["se"]
        present = [
            m.pk
            for m in self.members["se"]
            if m.status in (MemberStatus.FULL, MemberStatus.PROBATIONARY)
        ]
        quarter = (self.today.month - 1) // 3
        start = (
            dt.date(self.today.year - 1, 10, 1)
            if quarter == 0
            else dt.date(self.today.year, 3 * quarter - 2, 1)
        )
        months = [start.replace(month=start.month + i, day=10) for i in range(3)]
        secretary, committee = self.members["se"][0].pk, self.members["se"][1].pk
        minutes = {"place": "信息楼 305 会议室", "chair": secretary, "recorder": committee}
        meeting_record(
            actor=None,
            organization=se,
            kind="general_meeting",
            held_on=months[0],
            title="支部党员大会：年度工作部署",
            attendees=present,
            starts_at=dt.time(15, 0),
            ends_at=dt.time(17, 0),
            content=(
                "一、支部书记传达上级党委关于本年度党建工作的部署要求。\n"
                "二、讨论支部本年度工作计划，围绕教学科研中心任务确定“三会一课”和主题党日安排。\n"
                "三、通报上季度党费收缴和组织生活开展情况。"
            ),
            resolutions=(
                "一、原则通过支部本年度工作计划，由支委会细化分工。\n"
                "二、各党小组于本月内组织一次学习讨论。"
            ),
            **minutes,
        )
        meeting_record(
            actor=None,
            organization=se,
            kind="party_lesson",
            held_on=months[1],
            title="书记讲党课：以高质量党建引领教书育人",
            attendees=present,
            starts_at=dt.time(14, 30),
            ends_at=dt.time(16, 30),
            lecturer=secretary,
            content=(
                "一、支部书记以“以高质量党建引领教书育人”为题讲授党课。\n"
                "二、结合课程思政建设，交流专业课程育人经验。\n"
                "三、党员围绕立德树人谈体会。"
            ),
            resolutions="每名党员在本学期至少承担一次学生思想引领活动。",
            **minutes,
        )
        for day, title, place, content in (
            (
                months[0],
                "主题党日：走进社区志愿服务",
                "学府路街道社区服务中心",
                "一、赴学校周边社区开展“数字助老”志愿服务，帮助老人使用智能手机。\n"
                "二、活动结束后集体重温入党誓词。",
            ),
            (
                months[1],
                "主题党日：参观红色教育基地",
                "市革命历史纪念馆",
                "一、参观本市革命历史纪念馆，接受革命传统教育。\n"
                "二、现场交流参观体会，书记作小结。",
            ),
        ):
            meeting_record(
                actor=None,
                organization=se,
                kind="themed_party_day",
                held_on=day,
                title=title,
                attendees=present,
                starts_at=dt.time(9, 0),
                ends_at=dt.time(11, 30),
                content=content,
                **{**minutes, "place": place},
            )

    def dues_records(self):
        """Dues of every branch: this year's bases (each member's amount on the collection page) by
        the member's category (在职 and 离退休 on a base, students the flat amount), and every month
        before this one, since each joined, collected on its 10th; this month is left for the
        secretaries to tick on 党费收缴. The members of `DUES_BEHIND` stopped paying one or two months
        ago (the guide `dues_behind` names them); 软件工程系教工党支部 is paid up."""
        for key, branch in self.branches.items():
            paying = list(
                Member.objects.filter(
                    organization__path__startswith=branch.path,
                    status__in=(MemberStatus.FULL, MemberStatus.PROBATIONARY),
                ).order_by("id")
            )
            dues_assessments_set(
                actor=None,
                organization=branch,
                year=self.today.year,
                rows=[_assessment(i, m) for i, m in enumerate(paying)],
            )
            behind = dict(DUES_BEHIND.get(key, ()))
            for i, m in enumerate(paying):
                last = self.today.month - 1 - behind.get(i, 0)
                for month in range(1, last + 1):
                    day = dt.date(self.today.year, month, 10)
                    if m.joined_on and m.joined_on.replace(day=1) > day.replace(day=1):
                        continue  # dues from the month the branch admitted them (DUES-2008 Art. 8)
                    dues_collect(actor=None, member=m, month=day, paid_on=day)


def _assessment(i: int, m: Member) -> dict:
    if m.person_category == "student":
        return {"member": m.pk, "category": "student"}
    if m.person_category == "retired":
        return {
            "member": m.pk,
            "category": "retired",
            "base": RETIRED_BASES[i % len(RETIRED_BASES)],
        }
    return {"member": m.pk, "category": "working", "base": DEMO_BASES[i % len(DEMO_BASES)]}


def dues_behind(today: dt.date | None = None) -> list[dict]:
    """The demo's members behind with this year's dues (paid through a month before last, or not at
    all this year although assessed): [{"organization", "name", "paid_through"}], for the guide."""
    today = today or cst_today()
    last = dt.date(today.year, today.month, 1) - dt.timedelta(days=1)
    assessed = (
        DuesAssessment.objects.filter(year=today.year, member__status__in=PAYING)
        .select_related("member__organization")
        .order_by("member__organization__path", "member_id")
    )
    members = [a.member for a in assessed]
    through = dues_paid_through([m.pk for m in members])
    out = []
    for m in members:
        paid = through.get(m.pk)
        start = max(dt.date(today.year, 1, 1), (m.joined_on or last).replace(day=1))
        if today.month > 1 and start <= last and (paid is None or paid < last.replace(day=1)):
            out.append({"organization": m.organization.name, "name": m.name, "paid_through": paid})
    return out
