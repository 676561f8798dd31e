"""P6: the computer-science college's round of model service-oriented branches for the year of last
quarter's records, carried to the school committee's decision."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from organizations.rules import standard_set
from workflows.models import Case, CaseStatus
from workflows.services import case_start, document_upload

# The standard the demo round judges, and the item of it whose evidence a branch links (支部规章制度).
STANDARD_SET = "jsnu-2020"
RULES_ITEM = "jsnu.leadership.team.3"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class _Evaluation:
    """The seeder's P6 part (mixed into `seed._Seeder`)."""

    def model_branch_round(self):
        """P6 over two branches of the computer-science college: the software-engineering
        branch links its rules (a file kept with its election) to 支部规章制度, the students' branch
        links nothing; the college accepts the first and finds the second's rules item short (no
        send-back), records both surveys; the decision waits in the organization department's
        inbox, with every step before it in the round's history."""
        officer = self.users["officer_cs"]
        # the year of last quarter's meeting records (`compliance_records`), so the matrix has them
        year = (
            self.today.replace(month=3 * ((self.today.month - 1) // 3) + 1, day=1)
            - dt.timedelta(days=1)
        ).year
        branches = [self.branches["se"], self.branches["cs_stu"]]
        election = Case.objects.get(
            process_id="branch_election", organization=branches[0], status=CaseStatus.RUNNING
        )
        rules_file = document_upload(
            actor=self.users["secretary_se"],
            case=election,
            file=SimpleUploadedFile("软件工程系教工党支部工作制度汇编.pdf", PDF),
            description="支部规章制度",
        )
        case = case_start(
            actor=officer,
            process_id="model_branch_evaluation",
            organization=self.colleges["cs"],
            data={
                "standard_set": STANDARD_SET,
                "year": year,
                "branches": [b.pk for b in branches],
            },
        )
        standards = standard_set(STANDARD_SET).standards
        for branch, key, documents in (
            (branches[0], "se", {RULES_ITEM: [rules_file.pk]}),
            (branches[1], "cs_stu", {}),
        ):
            self.complete(
                case,
                "self_assessment",
                self.users[f"secretary_{key}"],
                {
                    "standards": [
                        {
                            "standard": s.code,
                            "rating": "met",
                            "statement": f"{branch.name}对照“{s.title}”逐项自查",
                            "items": [
                                {"item": i.code, "document_ids": documents.get(i.code, [])}
                                for i in s.items
                            ],
                        }
                        for s in standards
                    ]
                },
            )
        self.complete(
            case,
            "college_review",
            officer,
            {
                "reviews": [
                    {"branch": branches[0].pk},
                    {
                        "branch": branches[1].pk,
                        "insufficient": [
                            {"item": RULES_ITEM, "comment": "未提供支部议事规则和学习制度文本"}
                        ],
                    },
                ]
            },
        )
        surveyed_on = (self.today - dt.timedelta(days=1)).isoformat()
        self.complete(
            case,
            "record_survey",
            officer,
            {
                "surveys": [
                    {
                        "branch": branches[0].pk,
                        "surveyed_on": surveyed_on,
                        "tallies": {"very_satisfied": 14, "satisfied": 5, "basically_satisfied": 1},
                    },
                    {
                        "branch": branches[1].pk,
                        "surveyed_on": surveyed_on,
                        "tallies": {
                            "very_satisfied": 9,
                            "satisfied": 8,
                            "basically_satisfied": 2,
                            "dissatisfied": 1,
                        },
                    },
                ]
            },
        )
