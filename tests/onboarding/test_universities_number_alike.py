"""One installation, two universities that number their branches and people alike (issue 32): each
imports its workbook with the same 党组织编码 (C000, B00000, B00001) and 学工号 (M000000 …), each
member belongs to their own university, every lookup by 学工号 at one university finds its own
person only, another university's member answers 404 like one that does not exist, and a
re-import matches the university's own people, never the other's. 公民身份号码 stays national: a
person of the other university is refused (that is a transfer), a clash inside one university
names the field, the rule and the row."""

import io
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from engine.calendar import today
from engine.errors import ValidationFailed
from onboarding.sample import generated_university, small_university
from organizations.models import Member, MemberStatus, Organization, RecordEvent, Role
from organizations.services import member_update, organization_update, role_assignment_create
from web.sso import user_for_campus_id

from ..conftest import client_for
from ..factories import UserFactory
from ..procedures.transfer_helpers import graduates_xlsx

pytestmark = pytest.mark.django_db

SIZES = {"members": 20, "orgs": 4, "ledger": 6}  # a root, one college, two branches
SHARED_CODES = ("C000", "B00000", "B00001")
QUIET = {"stdout": io.StringIO(), "stderr": io.StringIO()}


@pytest.fixture
def province(deployed, tmp_path):
    """Universities 1 and 2, imported by the operator from their workbooks (the CLI), each with
    its organization department."""
    paths, roots, zzb = {}, {}, {}
    for k in (1, 2):
        paths[k] = tmp_path / f"university{k}.xlsx"
        generated_university(paths[k], today=today(), university=k, shared_numbers=True, **SIZES)
        call_command("import_workbook", str(paths[k]), **QUIET)
        roots[k] = Organization.objects.get(parent=None, code=f"U{k}-U")
        user = UserFactory(username=f"zzb{k}")
        role_assignment_create(
            actor=None, user=user, role=Role.ORG_DEPARTMENT, organization=roots[k]
        )
        zzb[k] = client_for(user)
    return SimpleNamespace(paths=paths, roots=roots, zzb=zzb)


def member(province, k, no) -> Member:
    return Member.objects.get(root=province.roots[k], staff_or_student_no=no)


def upload(path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


def test_both_universities_import_the_same_codes_and_numbers_each_into_its_own_tree(province):
    for code in SHARED_CODES:
        orgs = Organization.objects.filter(code=code)
        assert sorted(o.path.split("/")[1] for o in orgs) == sorted(
            str(r.pk) for r in province.roots.values()
        )
    for root in province.roots.values():
        people = Member.objects.filter(organization__path__startswith=root.path)
        # 20 roster members and the 6 people of the development ledger, all of this university
        assert people.count() == 26 and set(people.values_list("root", flat=True)) == {root.pk}
    a, b = member(province, 1, "M000001"), member(province, 2, "M000001")
    assert a.pk != b.pk and a.id_number != b.id_number
    assert a.organization.path.startswith(province.roots[1].path)
    assert b.organization.path.startswith(province.roots[2].path)
    # The secretaries' accounts: the first university's takes the 学工号, the second's the 学工号
    # qualified by its root's code; each signs in as their own member.
    users = get_user_model().objects
    assert users.get(username="M000000").member == member(province, 1, "M000000")
    assert users.get(username="M000000@U2-U").member == member(province, 2, "M000000")
    me = client_for(users.get(username="M000000@U2-U")).get("/api/me/").json()
    assert me["name"] == "党员0" and {r["organization_name"] for r in me["roles"]} == {"第0党支部"}


def test_a_re_import_matches_the_universitys_own_people_never_the_others(province):
    before = set(
        Member.objects.filter(root=province.roots[2]).values_list(
            "pk", "staff_or_student_no", "organization", "id_number", "name"
        )
    )
    b_events = RecordEvent.objects.filter(chain=province.roots[2].pk).count()
    r = province.zzb[1].post(
        "/api/onboarding/import/", {"file": upload(province.paths[1])}, format="multipart"
    )
    assert r.status_code == 201, r.json()
    counts = r.json()["counts"]
    assert {k: (c["created"], c["updated"], c["errors"]) for k, c in counts.items()} == {
        "organizations": (0, 0, 0),
        "members": (0, 0, 0),
        "officers": (0, 0, 0),
        "ledger": (0, 0, 0),
    }
    assert counts["members"]["unchanged"] == 20 and counts["ledger"]["unchanged"] == 6
    after = set(
        Member.objects.filter(root=province.roots[2]).values_list(
            "pk", "staff_or_student_no", "organization", "id_number", "name"
        )
    )
    assert after == before
    assert RecordEvent.objects.filter(chain=province.roots[2].pk).count() == b_events
    # The other university's workbook is not this department's to import: refused, nothing written.
    r = province.zzb[1].post(
        "/api/onboarding/import/", {"file": upload(province.paths[2])}, format="multipart"
    )
    assert r.status_code == 400
    errors = r.json()["details"]["report"]["errors"]
    assert (errors[0]["row"], errors[0]["code"]) == (2, "organization_code_unavailable")


def test_a_lookup_by_staff_number_finds_the_universitys_own_person(province):
    a = member(province, 1, "M000001")
    # the graduation list names people by 学号: the department's own university only
    preview = province.zzb[1].post(
        "/api/transfers/graduation/preview/",
        {"file": graduates_xlsx([("M000001", "", "工作单位", "某公司党委")])},
        format="multipart",
    )
    assert preview.status_code == 200, preview.json()
    (row,) = preview.json()["rows"]
    assert (row["member"], row["branch"]) == (a.pk, a.organization_id)
    # someone who administers both universities is told the number is ambiguous, not given one
    both = UserFactory(username="provincial")
    for root in province.roots.values():
        role_assignment_create(actor=None, user=both, role=Role.ORG_DEPARTMENT, organization=root)
    preview = client_for(both).post(
        "/api/transfers/graduation/preview/",
        {"file": graduates_xlsx([("M000001", "", "工作单位", "某公司党委")])},
        format="multipart",
    )
    (row,) = preview.json()["rows"]
    assert row["member"] is None and row["problem"]["code"] == "member_ambiguous"
    assert row["problem"]["column"] == "学号" and "M000001" in row["problem"]["message"]


def test_another_universitys_member_answers_like_one_that_does_not_exist(province):
    b = member(province, 2, "M000001")
    client = province.zzb[1]
    missing = client.get(f"/api/members/{Member.objects.order_by('-pk')[0].pk + 1000}/")
    other = client.get(f"/api/members/{b.pk}/")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    listed = client.get("/api/members/", {"page_size": 200}).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert rows and {r["id"] for r in rows} <= set(
        Member.objects.filter(root=province.roots[1]).values_list("pk", flat=True)
    )


def test_campus_sign_on_signs_in_the_configured_universitys_member_only(province, settings):
    # two universities' M000000 both have accounts: without the sign-on's university, no one
    assert user_for_campus_id("M000000") is None
    settings.PARTYFLOW = {**settings.PARTYFLOW, "SSO_ROOT": "U2-U"}
    assert user_for_campus_id("M000000").member == member(province, 2, "M000000")
    settings.PARTYFLOW = {**settings.PARTYFLOW, "SSO_ROOT": "U1-U"}
    assert user_for_campus_id("M000000").member == member(province, 1, "M000000")


def test_the_operators_commands_name_an_organization_by_its_university(province, tmp_path):
    out = tmp_path / "b.xlsx"
    with pytest.raises(CommandError, match="B00000.*多所高校"):
        call_command("export_workbook", str(out), "--organization", "B00000", **QUIET)
    call_command("export_workbook", str(out), "--organization", "B00000", "--root", "U2-U", **QUIET)
    wb = load_workbook(out, read_only=True)
    header = next(wb["党员"].iter_rows(max_row=1, values_only=True))
    ids = [
        r[header.index("公民身份号码")] for r in wb["党员"].iter_rows(min_row=2, values_only=True)
    ]
    assert ids and set(ids) <= set(
        Member.objects.filter(root=province.roots[2]).values_list("id_number", flat=True)
    )
    # a university's root code alone is unambiguous
    call_command("export_workbook", str(out), "--organization", "U1-U", **QUIET)


def test_a_workbook_with_no_root_row_needs_its_university_named(province, tmp_path):
    u = small_university(today())
    u.rows = {"members": u.rows["members"][:1], "organizations": [], "officers": [], "ledger": []}
    u.rows["members"][0]["organization_code"] = "B00000"
    path = tmp_path / "one.xlsx"
    u.save(path)
    with pytest.raises(CommandError, match="无法确定导入哪一所高校"):
        call_command("import_workbook", str(path), **QUIET)
    call_command("import_workbook", str(path), "--root", "U2-U", **QUIET)
    added = Member.objects.get(staff_or_student_no=u.rows["members"][0]["staff_or_student_no"])
    assert added.root == province.roots[2] and added.organization.code == "B00000"
    # the department of one university needs no name: its roles say which
    u.rows["members"][0].update(staff_or_student_no="T2", id_number="", name="第二位")
    path2 = tmp_path / "two.xlsx"
    u.save(path2)
    r = province.zzb[1].post("/api/onboarding/import/", {"file": upload(path2)}, format="multipart")
    assert r.status_code == 201, r.json()
    assert Member.objects.get(staff_or_student_no="T2").root == province.roots[1]


def test_a_person_of_the_other_university_is_a_transfer_not_a_second_record(province, tmp_path):
    """公民身份号码 is national: B's roster row carrying A's member's ID number is refused; once A
    transferred him out (P7's receipt), B registers him with it."""
    a = member(province, 1, "M000005")
    u = small_university(today())
    row = dict(u.rows["members"][0], organization_code="B00001", id_number=a.id_number)
    row.update(staff_or_student_no="NEW01", birth_date=a.birth_date)
    u.rows = {"members": [row], "organizations": [], "officers": [], "ledger": []}
    path = tmp_path / "arrival.xlsx"
    u.save(path)
    r = province.zzb[2].post("/api/onboarding/import/", {"file": upload(path)}, format="multipart")
    assert r.status_code == 400
    (error,) = r.json()["details"]["report"]["errors"]
    assert (error["row"], error["column"], error["code"]) == (
        2,
        "公民身份号码",
        "member_of_another_root",
    )
    assert "公民身份号码全国唯一" in error["message"] and a.name not in error["message"]
    member_update(
        actor=None,
        member=a,
        status=MemberStatus.TRANSFERRED_OUT,
        left_on=today(),
        left_reason="组织关系转至第1党支部",
    )
    r = province.zzb[2].post("/api/onboarding/import/", {"file": upload(path)}, format="multipart")
    assert r.status_code == 201, r.json()
    arrived = Member.objects.get(root=province.roots[2], id_number=a.id_number)
    assert arrived.pk != a.pk and arrived.staff_or_student_no == "NEW01"
    assert Member.objects.get(pk=a.pk).status == MemberStatus.TRANSFERRED_OUT


def test_a_clash_inside_one_university_names_the_field_the_rule_and_the_row(province, tmp_path):
    u = small_university(today())
    first = u.rows["members"][0]
    u.rows = {
        "members": [
            dict(first, organization_code="B00000"),
            dict(first, organization_code="B00001", id_number="", name="同号者"),
        ],
        "organizations": [],
        "officers": [],
        "ledger": [],
    }
    path = tmp_path / "clash.xlsx"
    u.save(path)
    r = province.zzb[1].post(
        "/api/onboarding/import/?dry_run=1", {"file": upload(path)}, format="multipart"
    )
    (error,) = r.json()["errors"]
    assert (error["sheet"], error["row"], error["column"], error["code"]) == (
        "党员",
        3,
        "学工号",
        "duplicate_in_file",
    )
    assert error["message"] == (
        f"学工号 {first['staff_or_student_no']} 与第 2 行重复（学工号在同一高校（根组织）内唯一）"
    )
    # Entered by hand: a 学工号 of the same university is refused naming the rule; the other
    # university's branch may have it.
    a_branch = Organization.objects.get(root=province.roots[1], code="B00001")
    b_branch = Organization.objects.get(root=province.roots[2], code="B00001")
    body = {"name": "新同志", "status": "full", "joined_on": "2020-07-01"}
    taken = province.zzb[1].post(
        "/api/members/",
        {**body, "organization": a_branch.pk, "staff_or_student_no": "M000003"},
        format="json",
    )
    assert taken.status_code == 400
    assert taken.json()["code"] == "staff_or_student_no_taken"
    assert taken.json()["fields"] == {"staff_or_student_no": ["学工号在同一高校（根组织）内唯一"]}
    assert "党员3" in taken.json()["message"]
    fresh = {**body, "staff_or_student_no": "X2026001"}
    for k, branch in ((1, a_branch), (2, b_branch)):
        r = province.zzb[k].post(
            "/api/members/", {**fresh, "organization": branch.pk}, format="json"
        )
        assert r.status_code == 201, r.json()


def test_codes_stay_unique_within_a_university_and_a_branch_never_changes_university(province):
    a_branch = Organization.objects.get(root=province.roots[1], code="B00001")
    r = province.zzb[1].patch(f"/api/organizations/{a_branch.pk}/", {"code": "C000"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "organization_code_taken"
    assert r.json()["fields"] == {"code": ["党组织编码在同一高校（根组织）内唯一"]}
    with pytest.raises(ValidationFailed) as refused:
        organization_update(
            actor=None,
            organization=a_branch,
            parent=Organization.objects.get(root=province.roots[2], code="C000"),
        )
    assert refused.value.code == "organization_root_change"


def test_an_account_of_the_other_university_is_never_taken_over_by_an_officer(province, tmp_path):
    """An account named like B's officer's 学工号 but holding a role at A (no member of its own)
    is A's: B's officer gets the name qualified by B's root code, and A's account stays as it was."""
    a_branch = Organization.objects.get(root=province.roots[1], code="B00000")
    b_branch = Organization.objects.get(root=province.roots[2], code="B00000")
    theirs = UserFactory(username="X77")
    role_assignment_create(actor=None, user=theirs, role=Role.AUDITOR, organization=a_branch)
    r = province.zzb[2].post(
        "/api/members/",
        {
            "organization": b_branch.pk,
            "name": "新书记",
            "status": "full",
            "joined_on": "2010-07-01",
            "staff_or_student_no": "X77",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    u = small_university(today())
    u.rows = {"members": [], "organizations": [], "ledger": [], "officers": []}
    u.officer("B00000", "X77", "propaganda")
    path = tmp_path / "officer.xlsx"
    u.save(path)
    r = province.zzb[2].post("/api/onboarding/import/", {"file": upload(path)}, format="multipart")
    assert r.status_code == 201, r.json()
    assert r.json()["rows"][0]["key"] == "B00000/X77/propaganda"
    assert member(province, 2, "X77").user.username == "X77@U2-U"
    theirs.refresh_from_db()
    assert not Member.objects.filter(user=theirs).exists()
