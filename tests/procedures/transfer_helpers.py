"""P7 transfers driven through the API, for the procedure, letter and page tests."""

import datetime as dt
import io

import time_machine
from dateutil.relativedelta import relativedelta
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from organizations.models import OrgKind, Role
from organizations.services import role_assignment_create
from orglife.services import dues_record

from ..factories import OrganizationFactory, UserFactory
from ..helpers import cst


def pay_dues(u, member, first: dt.date, through: dt.date, actor=None):
    """Dues of `member` recorded monthly from `first` through `through` (first days of months)."""
    with time_machine.travel(cst(through.year, through.month, 1, 9), tick=False):
        month = first
        while month <= through:
            dues_record(
                actor=actor or u.users.sec_a,
                member=member,
                month=month,
                amount="10",
                paid_on=month,
            )
            month += relativedelta(months=1)


def start_out(
    client, u, member, destination="employer", heading="某某科技有限公司党委", status=201
):
    r = client.post(
        "/api/cases/",
        {
            "process": "transfer_out",
            "organization": u.branch_a.pk,
            "subject_member": member.pk,
            "data": {
                "member": {"id": member.pk},
                "destination": destination,
                "receiving_organization": heading,
            },
        },
        format="json",
    )
    assert r.status_code == status, r.json()
    return r.json()


def start_internal(client, u, member, to_branch, status=201):
    """A move from branch A to `to_branch` (flow C), asked by branch A's secretary client."""
    r = client.post(
        "/api/cases/",
        {
            "process": "transfer_internal",
            "organization": u.branch_a.pk,
            "subject_member": member.pk,
            "data": {"member": {"id": member.pk}, "to_branch": {"id": to_branch.pk}},
        },
        format="json",
    )
    assert r.status_code == status, r.json()
    return r.json()


LETTER = {
    "serial": "2027-0815",
    "issuer": "某省某大学党委",
    "issuer_kind": "committee",
    "issued_on": "2027-09-01",
    "validity_days": 30,
    "dues_paid_through": "2027-08",
    "from_organization": "某大学数学学院学生党支部",
}
PERSON = {
    "name": "新来戊",
    "status": "full",
    "gender": "2",
    "ethnicity": "01",
    "joined_on": "2020-06-01",
}


def start_in(client, organization, person=None, letter=None, status=201):
    r = client.post(
        "/api/cases/",
        {
            "process": "transfer_in",
            "organization": organization.pk,
            "subject": (person or PERSON)["name"],
            "data": {"source": "letter", "person": person or PERSON, "letter": letter or LETTER},
        },
        format="json",
    )
    assert r.status_code == status, r.json()
    return r.json()


def second_college(u):
    """A second college committee with approval authority, its branch, officer and secretary."""
    college = OrganizationFactory(
        name="数学学院党委", kind=OrgKind.COMMITTEE, parent=u.school, has_approval_authority=True
    )
    branch = OrganizationFactory(name="数学系学生党支部", kind=OrgKind.BRANCH, parent=college)
    officer = UserFactory(username="officer_math")
    role_assignment_create(
        actor=None, user=officer, role=Role.COMMITTEE_OFFICER, organization=college
    )
    sec = UserFactory(username="sec_math")
    role_assignment_create(actor=None, user=sec, role=Role.BRANCH_SECRETARY, organization=branch)
    return branch, officer, sec


def graduates_xlsx(rows, header=("学号", "姓名", "去向", "接收党组织")) -> SimpleUploadedFile:
    """The graduates' list as the organization department uploads it (Excel)."""
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("毕业生.xlsx", buf.getvalue())
