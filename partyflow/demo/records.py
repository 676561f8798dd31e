"""P5: last quarter's meeting records of the software-engineering branch."""

from __future__ import annotations

import datetime as dt

from organizations.models import MemberStatus
from orglife.dues_services import dues_assessments_set, dues_collect
from orglife.services import meeting_record

# The demo branch's declared monthly bases (元, after tax and contributions), one per member in turn.
DEMO_BASES = ("8200", "6500", "4800", "12000", "3900", "7300", "5600", "10400", "2900")


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
        meeting_record(
            actor=None,
            organization=se,
            kind="general_meeting",
            held_on=months[0],
            title="支部党员大会：年度工作部署",
            attendees=present,
        )
        meeting_record(
            actor=None,
            organization=se,
            kind="party_lesson",
            held_on=months[1],
            title="书记讲党课",
            attendees=present,
        )
        for day in months[:2]:
            meeting_record(
                actor=None,
                organization=se,
                kind="themed_party_day",
                held_on=day,
                title="主题党日：志愿服务",
                attendees=present,
            )

    def dues_records(self):
        """Dues of the software-engineering branch: this year's bases (each member's amount on the
        collection page), and every month before this one, since each joined, collected on its 10th; this month is left
        for the secretary to tick on 党费收缴."""
        se = self.branches["se"]
        paying = [
            m
            for m in self.members["se"]
            if m.status in (MemberStatus.FULL, MemberStatus.PROBATIONARY)
        ]
        dues_assessments_set(
            actor=None,
            organization=se,
            year=self.today.year,
            rows=[
                {"member": m.pk, "category": "working", "base": DEMO_BASES[i % len(DEMO_BASES)]}
                for i, m in enumerate(paying)
            ],
        )
        for month in range(1, self.today.month):
            day = dt.date(self.today.year, month, 10)
            for m in paying:
                if m.joined_on and m.joined_on.replace(day=1) > day.replace(day=1):
                    continue  # dues from the month the branch admitted them (DUES-2008 Art. 8)
                dues_collect(actor=None, member=m, month=day, paid_on=day)
