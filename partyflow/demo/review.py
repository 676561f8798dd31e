"""P3 and P4: last year's democratic review carried to the end, this year's at the members' self
assessments, and a weak branch's remediation."""

from __future__ import annotations

import datetime as dt

from procedures.democratic_review import measurement_ballot_cast, participants
from workflows.models import Case
from workflows.services import case_start


def case_data(case) -> dict:
    return Case.objects.only("data").get(pk=case.pk).data


class _Review:
    """The seeder's P3 and P4 part (mixed into `seed._Seeder`)."""

    def democratic_review(self):
        """P3: last year's democratic review of the Marxism teaching branch, carried to the end (its
        members get accounts for their own self-assessment tasks and ballots), so its results summary
        can be printed (`partyflow documents samples`). Nobody is rated unqualified: no case follows."""
        branch, secretary = self.branches["marx_teach"], self.users["secretary_marx_teach"]
        people = participants(branch)
        for i, member in enumerate(people):
            if member.user_id is None:
                self.user(f"marx_teach_{i}", member=member)
        people = participants(branch)
        year = self.today.year - 1
        day = dt.date(year, 12, 1)
        case = case_start(
            actor=secretary,
            process_id="democratic_review",
            organization=branch,
            data={"year": year},
        )
        self.complete(
            case,
            "file_plan",
            secretary,
            {
                "plan": f"{year}年度民主评议党员工作方案",
                "review_date": f"{year}-12-20",
                "filed_document": f"马教支〔{year}〕3号",
            },
        )
        self.complete(
            case,
            "record_study",
            secretary,
            {"held_on": day.isoformat(), "summary": "集中学习党章和党员义务"},
        )
        for member in people:
            self.complete(
                case,
                "self_assessment",
                member.user,
                {"text": f"{member.name}对照党员标准的自我评价"},
            )
        self.complete(
            case,
            "mutual_assessment",
            secretary,
            {"held_on": f"{year}-12-20", "summary": "召开组织生活会开展党员互评"},
        )
        rated = [r["id"] for r in case_data(case)["rated"]]
        excellent = set(rated[:2])
        grade = {m: ("excellent" if m in excellent else "qualified") for m in rated}
        for i, member in enumerate(people):
            # Anonymous ballots: most follow the branch's view; a few rate one member basically qualified.
            ratings = [
                {
                    "member": m,
                    "grade": "basically_qualified" if (i < 2 and m == rated[-1]) else grade[m],
                }
                for m in rated
            ]
            measurement_ballot_cast(actor=member.user, case=case, ratings=ratings)
        self.complete(case, "democratic_measurement", secretary, {"close": True})
        self.complete(
            case,
            "organizational_rating",
            secretary,
            {"ratings": [{"member": m, "grade": grade[m]} for m in rated]},
        )
        self.complete(
            case,
            "give_feedback",
            secretary,
            {"feedback": [{"member": m, "text": "已当面反馈评议结果"} for m in rated]},
        )
        self.complete(
            case,
            "report_results",
            secretary,
            {"held_on": f"{year}-12-28", "summary": f"优秀{len(excellent)}人，其余合格"},
        )
        self.complete(case, "receive_results", self.users["officer_marx"], {"approved": True})

    def review_and_remediation(self):
        """P3: this year's democratic review of the software-engineering branch at the members' self
        assessments (one task in each member's own inbox, member_se's included; every participant gets
        an account). P4: the administrative branch designated weak by the college committee, its
        rectification plan in the branch's inbox."""
        se, secretary = self.branches["se"], self.users["secretary_se"]
        for i, m in enumerate(p for p in participants(se) if not p.user_id):
            self.user(f"member_se_{i + 2}", member=m)
        review = case_start(
            actor=secretary,
            process_id="democratic_review",
            organization=se,
            subject=f"{se.name}{self.today.year}年度民主评议党员",
            data={"year": self.today.year},
        )
        self.complete(
            review,
            "file_plan",
            secretary,
            {
                "plan": "学习党章党规，个人自评、党员互评、民主测评，组织评定。",
                "review_date": (self.today + dt.timedelta(days=14)).isoformat(),
            },
        )
        self.complete(
            review,
            "record_study",
            secretary,
            {
                "held_on": self.today.isoformat(),
                "summary": "集中学习党章和《关于新形势下党内政治生活的若干准则》。",
            },
        )

        admin, officer = self.branches["cs_admin"], self.users["officer_cs"]
        remediation = case_start(
            actor=officer,
            process_id="weak_branch_remediation",
            organization=admin,
            subject=admin.name,
        )
        self.complete(
            remediation,
            "designate",
            officer,
            {
                "designated": True,
                "document_no": f"计院党委〔{self.today.year}〕21号",
                "problems_found": "组织生活不经常、不认真，支部委员会长期不健全。",
            },
        )
