"""P1 (and this month's P5 themed Party day): a development case due soon in the secretary's inbox,
and one carried from application to archive."""

from __future__ import annotations

import datetime as dt

import time_machine
from dateutil.relativedelta import relativedelta

from engine.calendar import CST
from organizations.models import MemberStatus
from orglife.services import meeting_record
from procedures.member_development.services import obligation_submit
from workflows.models import Case
from workflows.services import case_start


class _Development:
    """The seeder's P1 part (mixed into `seed._Seeder`)."""

    def development_and_records(self):
        """P1: an applicant of the software-engineering branch whose talk (due
        development.talk_within after the application) falls due in two days: in the secretary's
        inbox with a due-soon reminder. P5: this month's themed Party day of the same branch."""

        se, secretary = self.branches["se"], self.users["secretary_se"]
        person = self.member(
            se,
            status=MemberStatus.APPLICANT,
            birth_date=self.today.replace(year=self.today.year - 20),
        )
        case = case_start(
            actor=secretary, process_id="member_development", organization=se, subject_member=person
        )
        applied = self.rules.get("development.talk_within").add_to(self.today, -1) + dt.timedelta(
            days=2
        )
        self.complete(
            case,
            "submit_application",
            secretary,
            {
                "application_date": applied.isoformat(),
                "letter_summary": "志愿加入中国共产党，拥护党的纲领，遵守党的章程。",
            },
        )
        present = [
            m.pk
            for m in self.members["se"]
            if m.status in (MemberStatus.FULL, MemberStatus.PROBATIONARY)
        ]
        meeting_record(
            actor=None,
            organization=se,
            kind="themed_party_day",
            held_on=self.today.replace(day=1),
            title="主题党日：学习党章",
            attendees=present,
            starts_at=dt.time(14, 30),
            ends_at=dt.time(16, 30),
            place="信息楼 305 会议室",
            chair=self.members["se"][0].pk,
            recorder=self.members["se"][1].pk,
            content="一、集体学习《中国共产党章程》总纲和第一章。\n二、党员交流学习体会，联系岗位实际谈认识。\n三、支部书记作总结。",
            resolutions="一、本月内每名党员提交一篇学习心得。\n二、下月主题党日开展志愿服务。",
        )

    def development_archived(self):
        """P1 from application to archive for one person of the administrative branch (all 25 steps,
        every thought report and inspection), each step done on its own date with the clock moved
        there, so the 发展党员全程纪实表 prints filled (`partyflow documents samples`). It ends
        archived: nobody's inbox changes."""
        branch, secretary = self.branches["cs_admin"], self.users["secretary_cs_admin"]
        officer, orgdept = self.users["officer_cs"], self.users["orgdept"]
        voters = [m for m in self.members["cs_admin"] if m.has_full_rights]
        applied = self.today - relativedelta(months=28)
        person = self.member(
            branch,
            status=MemberStatus.APPLICANT,
            birth_date=applied.replace(year=applied.year - 21),
        )

        def on(day):
            return time_machine.travel(
                dt.datetime(day.year, day.month, day.day, 10, tzinfo=CST), tick=False
            )

        def reports(phase_start, kind, every, seqs):
            for n in seqs:
                due = phase_start + relativedelta(months=every * n)
                with on(due):
                    obligation_submit(
                        actor=secretary,
                        case=Case.objects.get(pk=case.pk),
                        kind=kind,
                        seq=n,
                        data={
                            "submitted_on": due.isoformat(),
                            "summary": f"第{n}次{'思想汇报' if kind == 'thought_report' else '培养考察'}：表现良好",
                        },
                    )

        with on(applied):
            case = case_start(
                actor=secretary,
                process_id="member_development",
                organization=branch,
                subject_member=person,
            )
            self.complete(
                case,
                "submit_application",
                secretary,
                {
                    "application_date": applied.isoformat(),
                    "letter_summary": "志愿加入中国共产党，愿意为共产主义事业奋斗终身。",
                },
            )
        talk = applied + dt.timedelta(days=10)
        with on(talk):
            self.complete(
                case,
                "talk_with_applicant",
                secretary,
                {
                    "talk_date": talk.isoformat(),
                    "talker": voters[0].name,
                    "summary": "了解入党动机和对党的认识，动机端正。",
                },
            )
        activist = applied + relativedelta(months=1)
        with on(activist):
            self.complete(
                case,
                "select_activist",
                secretary,
                {
                    "decision_date": activist.isoformat(),
                    "recommendation": "member_recommendation",
                    "minutes": "支委会讨论同意",
                },
            )
            self.complete(
                case,
                "file_activist",
                officer,
                {
                    "filed_date": activist.isoformat(),
                    "document_no": f"计院党委备〔{activist.year}〕3号",
                },
            )
            self.complete(
                case,
                "appoint_contacts",
                secretary,
                {"decision_date": activist.isoformat(), "contacts": [voters[1].pk, voters[2].pk]},
            )
        reports(activist, "thought_report", 3, range(1, 5))
        reports(activist, "inspection", 6, range(1, 3))
        designated = activist + relativedelta(months=12, days=3)
        with on(designated):
            self.complete(
                case,
                "cultivation_review",
                secretary,
                {
                    "review_date": designated.isoformat(),
                    "summary": "培养期间表现良好，按期提交思想汇报。",
                },
            )
            self.complete(
                case,
                "designate_development_object",
                secretary,
                {
                    "designation_date": designated.isoformat(),
                    "opinions_heard": "党小组、培养联系人、党员和群众意见均同意",
                },
            )
            self.complete(
                case,
                "file_development_object",
                officer,
                {"approved": True, "decision_date": designated.isoformat()},
            )
            self.complete(
                case,
                "assign_introducers",
                secretary,
                {
                    "decision_date": designated.isoformat(),
                    "introducers": [voters[1].pk, voters[2].pk],
                },
            )
            self.complete(
                case,
                "political_review",
                secretary,
                {
                    "concluded_on": designated.isoformat(),
                    "conclusion": "政治立场坚定，历史清白，遵纪守法，直系亲属无政治问题，政治审查合格。",
                    "passed": True,
                },
            )
        trained = designated + dt.timedelta(days=10)
        with on(trained):
            self.complete(
                case,
                "centralized_training",
                officer,
                {
                    "start_date": (trained - dt.timedelta(days=2)).isoformat(),
                    "end_date": trained.isoformat(),
                    "class_hours": 24,
                    "certificate_no": f"党校结〔{trained.year}〕18号",
                },
            )
            self.complete(
                case,
                "branch_committee_review",
                secretary,
                {"approved": True, "decision_date": trained.isoformat()},
            )
        prereview = trained + dt.timedelta(days=7)
        with on(prereview):
            self.complete(
                case,
                "pre_review",
                officer,
                {
                    "prereview_date": prereview.isoformat(),
                    "passed": True,
                    "conclusion": "同意",
                    "form_no": f"志愿书{prereview.year}0217",
                },
            )
            self.complete(
                case, "fill_application_form", secretary, {"filled_date": prereview.isoformat()}
            )
        voted = prereview + dt.timedelta(days=14)
        with on(voted):
            self.complete(
                case,
                "admission_vote",
                secretary,
                {
                    "meeting_date": voted.isoformat(),
                    "present": [m.pk for m in voters],
                    "yes": len(voters),
                    "no": 0,
                    "abstain": 0,
                    "resolution": "admit",
                    "minutes": "支部党员大会一致同意",
                },
            )
        approved = voted + dt.timedelta(days=20)
        with on(approved):
            self.complete(
                case,
                "committee_talk",
                officer,
                {
                    "talk_date": approved.isoformat(),
                    "talker": "计算机学院组织员",
                    "summary": "谈话合格",
                },
            )
            self.complete(
                case,
                "approve_admission",
                officer,
                {
                    "approved": True,
                    "decision_date": approved.isoformat(),
                    "document_no": f"计院党委〔{approved.year}〕41号",
                },
            )
            self.complete(case, "file_admission", orgdept, {"filed_date": approved.isoformat()})
            self.complete(
                case,
                "place_in_group",
                secretary,
                {"party_group": "第一党小组", "placed_on": approved.isoformat()},
            )
            self.complete(
                case,
                "take_oath",
                secretary,
                {"oath_date": approved.isoformat(), "record": "在学院党委组织下集体宣誓"},
            )
        reports(voted, "thought_report", 3, range(1, 5))
        converted = voted + relativedelta(years=1, days=2)
        with on(converted):
            self.complete(
                case,
                "probation_review",
                secretary,
                {"review_date": converted.isoformat(), "summary": "预备期表现良好，达到党员标准。"},
            )
            self.complete(
                case,
                "conversion_application",
                secretary,
                {
                    "application_date": converted.isoformat(),
                    "letter_summary": "申请按期转为正式党员",
                },
            )
            self.complete(
                case,
                "conversion_vote",
                secretary,
                {
                    "meeting_date": converted.isoformat(),
                    "present": [m.pk for m in voters],
                    "yes": len(voters),
                    "no": 0,
                    "abstain": 0,
                    "decision": "convert",
                },
            )
        final = converted + dt.timedelta(days=15)
        with on(final):
            self.complete(
                case,
                "approve_conversion",
                officer,
                {
                    "approved": True,
                    "decision_date": final.isoformat(),
                    "document_no": f"计院党委〔{final.year}〕77号",
                },
            )
            self.complete(
                case,
                "archive_file",
                orgdept,
                {"archived_on": final.isoformat(), "file_no": f"档{final.year}-0031"},
            )
