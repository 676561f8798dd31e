"""Names refuse invisible formatting characters (issue 26): a bidirectional override or a zero-width
space in a member's, user's or organization's name is a 400 naming the field — in the services, the
API and the onboarding import — so two people cannot be made to look the same."""

import pytest

from engine.errors import ValidationFailed
from organizations.models import Member, OrgKind
from organizations.services import member_create, organization_create, user_create

pytestmark = pytest.mark.django_db

TRICKS = ["张\u200b三", "\u202e三张", "李\u2066四\u2069", "\ufeff王五", "赵\u00ad六", "钱\x00七"]


@pytest.mark.parametrize("name", TRICKS)
def test_services_refuse_names_with_invisible_characters(university, name):
    u = university
    before = Member.objects.count()
    with pytest.raises(ValidationFailed) as err:
        member_create(actor=u.users.orgdept, organization=u.branch_a, name=name)
    assert err.value.code == "invalid_characters" and "name" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        organization_create(
            actor=u.users.orgdept,
            parent=u.college,
            name=name,
            kind=OrgKind.BRANCH,
            branch_kind="teacher",
        )
    assert "name" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        user_create(actor=u.users.orgdept, username="u1", first_name=name)
    assert "first_name" in err.value.fields
    assert Member.objects.count() == before


@pytest.mark.parametrize("name", TRICKS[:4])
def test_the_api_refuses_a_member_name_with_invisible_characters(university, api, name):
    r = api(university.users.orgdept).post(
        "/api/members/", {"organization": university.branch_a.pk, "name": name}, format="json"
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid_characters", r.json()
    assert "name" in r.json()["fields"]


def test_plain_chinese_names_and_multi_line_text_are_accepted(university):
    m = member_create(
        actor=university.users.orgdept, organization=university.branch_a, name=" 欧阳·娜娜 "
    )
    assert m.name == "欧阳·娜娜"
