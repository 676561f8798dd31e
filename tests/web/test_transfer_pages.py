"""Starting one transfer from the web (P7): out or within the university from the member's page,
a member transferred in registered from the roster; the same checks as the API, each refusal named
at its field; another branch's secretary gets the 404 page."""

import pytest

from engine.calendar import today
from orglife.services import dues_record
from workflows.models import Case

from .helpers import text

pytestmark = pytest.mark.django_db


def paid(u, member):
    day = today()
    dues_record(
        actor=u.users.sec_a, member=member, month=day.replace(day=1), amount="10", paid_on=day
    )


def test_a_transfer_out_is_started_from_the_members_page(university, web):
    u = university
    grad = u.full_a[4]
    sec = web(u.users.sec_a)
    record = sec.get(f"/members/{grad.pk}/development/")
    assert f'href="/members/{grad.pk}/transfer/"' in record.content.decode()
    # no receiving organization: refused at the field, nothing started
    r = sec.post(f"/members/{grad.pk}/transfer/", {"kind": "out", "destination": "employer"})
    assert r.status_code == 400 and "转出须写明接收党组织的准确名称" in text(r)
    # dues not paid through this month: the rule's message
    r = sec.post(
        f"/members/{grad.pk}/transfer/",
        {"kind": "out", "destination": "employer", "receiving_organization": "某公司党委"},
    )
    assert r.status_code == 400 and "党费" in text(r)
    paid(u, grad)
    r = sec.post(
        f"/members/{grad.pk}/transfer/",
        {"kind": "out", "destination": "employer", "receiving_organization": "某公司党委"},
        follow=True,
    )
    assert f"已发起 {grad.name} 的组织关系转接。" in text(r)
    case = Case.objects.get(process_id="transfer_out", subject_member=grad)
    assert case.data["receiving_organization"] == "某公司党委"
    # another branch's secretary: the page does not exist for them
    assert web(u.users.sec_b).get(f"/members/{grad.pk}/transfer/").status_code == 404


def test_an_internal_transfer_names_the_receiving_branch(university, web):
    u = university
    m = u.full_a[5]
    paid(u, m)
    sec = web(u.users.sec_a)
    page = sec.get(f"/members/{m.pk}/transfer/")
    assert u.branch_b.name in text(page) and page.status_code == 200
    r = sec.post(f"/members/{m.pk}/transfer/", {"kind": "internal", "to_branch": ""})
    assert r.status_code == 400 and "须为本校另一个党支部" in text(r)
    r = sec.post(
        f"/members/{m.pk}/transfer/", {"kind": "internal", "to_branch": u.branch_b.pk}, follow=True
    )
    assert r.status_code == 200
    case = Case.objects.get(process_id="transfer_internal", subject_member=m)
    assert case.data["to_branch"]["name"] == u.branch_b.name


def test_a_member_transferred_in_is_registered_from_the_roster(university, web):
    u = university
    sec = web(u.users.sec_a)
    assert 'href="/transfers/in/new/"' in sec.get("/records/roster/").content.decode()
    form = {
        "organization": u.branch_a.pk,
        "name": "新来戊",
        "status": "full",
        "serial": "2026-0815",
        "issuer": "某省某大学党委",
        "issuer_kind": "committee",
        "issued_on": today().isoformat(),
        "validity_days": "30",
        "dues_paid_through": "2026-13",
        "from_organization": "某大学数学学院学生党支部",
    }
    r = sec.post("/transfers/in/new/", form)
    assert r.status_code == 400 and "格式 YYYY-MM" in text(r)
    form["dues_paid_through"] = f"{today():%Y-%m}"
    r = sec.post("/transfers/in/new/", form, follow=True)
    assert "已登记 新来戊 的组织关系转入。" in text(r)
    case = Case.objects.get(process_id="transfer_in")
    assert case.subject == "新来戊" and case.data["letter"]["issuer"] == "某省某大学党委"
