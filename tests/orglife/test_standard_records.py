"""The records of the branch standards (P6): volunteer service, training, pairing and satisfaction
surveys through the API, scoped like meetings, and from Excel (all rows or none)."""

import datetime as dt
from io import BytesIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from orglife.models import Pairing, SatisfactionSurvey, TrainingAttendance, VolunteerService

from ..helpers import cst

pytestmark = pytest.mark.django_db


def sheets(volunteer, training, pairing, surveys=()) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "志愿服务"
    ws.append(["日期", "党员", "时长", "活动"])
    for row in volunteer:
        ws.append(row)
    ws = wb.create_sheet("培训")
    ws.append(["日期", "党员", "类型", "培训名称", "学时"])
    for row in training:
        ws.append(row)
    ws = wb.create_sheet("结对联系")
    ws.append(["党员", "联系对象", "对象类型", "开始日期"])
    for row in pairing:
        ws.append(row)
    ws = wb.create_sheet("满意度测评")
    ws.append(["测评日期", "名称", "非常满意", "满意", "基本满意", "不满意"])
    for row in surveys:
        ws.append(row)
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def post(client, org, content):
    return client.post(
        "/api/orglife/import/",
        {"organization": org.pk, "file": SimpleUploadedFile("记录.xlsx", content)},
        format="multipart",
    )


def test_records_are_kept_by_the_branch_and_read_in_scope(api, university):
    u = university
    sec, sec_b, officer = api(u.users.sec_a), api(u.users.sec_b), api(u.users.officer)
    with time_machine.travel(cst(2026, 5, 10, 9), tick=False):
        r = sec.post(
            "/api/volunteer-services/",
            {
                "organization": u.branch_a.pk,
                "member": u.full_a[3].pk,
                "served_on": "2026-05-01",
                "hours": "3",
                "activity": "社区义诊",
            },
            format="json",
        )
        assert r.status_code == 201, r.json()
        assert (r.json()["member_name"], r.json()["organization_name"]) == ("甲3", u.branch_a.name)
        # Another branch's member, a future date, too few ballots, another branch: 400.
        bad = sec.post(
            "/api/volunteer-services/",
            {
                "organization": u.branch_a.pk,
                "member": u.full_b[0].pk,
                "served_on": "2026-05-01",
                "hours": "3",
                "activity": "x",
            },
            format="json",
        )
        assert (bad.status_code, bad.json()["fields"]) == (400, {"member": ["不是本支部党员"]})
        bad = sec.post(
            "/api/trainings/",
            {
                "organization": u.branch_a.pk,
                "member": u.full_a[0].pk,
                "attended_on": "2026-06-01",
                "kind": "secretary_training",
                "title": "培训",
                "hours": "8",
            },
            format="json",
        )
        assert (bad.status_code, bad.json()["code"]) == (400, "date_in_future")
        bad = sec.post(
            "/api/satisfaction-surveys/",
            {
                "organization": u.branch_a.pk,
                "surveyed_on": "2026-05-01",
                "tallies": {"satisfied": 5},
            },
            format="json",
        )
        assert (bad.status_code, bad.json()["code"]) == (400, "survey_too_few_ballots")
        assert (
            sec_b.post(
                "/api/pairings/",
                {
                    "organization": u.branch_a.pk,
                    "member": u.full_a[0].pk,
                    "partner_name": "李老师",
                    "partner_kind": "teacher",
                    "started_on": "2026-03-01",
                },
                format="json",
            ).status_code
            == 400
        )
        assert VolunteerService.objects.count() == 1 and Pairing.objects.count() == 0
        assert [
            v["activity"]
            for v in officer.get(
                "/api/volunteer-services/", {"organization": u.branch_a.pk}
            ).json()["results"]
        ] == ["社区义诊"]
        assert sec_b.get("/api/volunteer-services/").json()["results"] == []


def test_excel_import_of_the_standards_records_is_all_or_nothing(api, university):
    u = university
    sec = api(u.users.sec_a)
    volunteer = [[dt.date(2026, 2, 1), m.name, 2, "社区服务"] for m in u.full_a[:4]]
    training = [[dt.date(2026, 3, 1), u.full_a[0].pk, "支部书记培训", "书记轮训", 8]]
    pairing = [
        [u.full_a[0].name, "王同学", "学生", dt.date(2026, 1, 5)],
        [u.full_a[0].name, "赵老师", "教师", dt.date(2026, 1, 5)],
    ]
    surveys = [[dt.date(2026, 4, 1), "春季满意度测评", 10, 8, 1, 1]]
    with time_machine.travel(cst(2026, 5, 10, 9), tick=False):
        r = post(
            sec,
            u.branch_a,
            sheets(
                volunteer + [[dt.date(2026, 2, 1), "无此人", 2, "社区服务"]],
                training,
                pairing + [[u.full_a[1].name, "钱同学", "校友", dt.date(2026, 1, 5)]],
                surveys + [[dt.date(2026, 4, 2), "太少", 3, 2, 0, 0]],
            ),
        )
        assert r.status_code == 400 and r.json()["code"] == "import_rows_invalid"
        assert [(e["sheet"], e["row"], e["column"]) for e in r.json()["details"]["rows"]] == [
            ("志愿服务", 6, "党员"),
            ("满意度测评", 3, "满意"),
            ("结对联系", 4, "对象类型"),
        ]
        assert (
            VolunteerService.objects.count()
            == TrainingAttendance.objects.count()
            == Pairing.objects.count()
            == 0
        )
        r = post(sec, u.branch_a, sheets(volunteer, training, pairing, surveys))
        assert r.status_code == 201, r.json()
        assert r.json() | {"meetings": 0} == {
            "meetings": 0,
            "attendance": 0,
            "dues": 0,
            "volunteer_service": 4,
            "training": 1,
            "pairing": 2,
            "satisfaction_survey": 1,
        }
        survey = SatisfactionSurvey.objects.get()
        assert (survey.title, survey.ballots, survey.very_satisfied) == ("春季满意度测评", 20, 10)
        assert list(Pairing.objects.values_list("partner_name", "partner_kind")) == [
            ("王同学", "student"),
            ("赵老师", "teacher"),
        ]
