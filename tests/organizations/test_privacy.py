"""Identity and phone numbers are masked by one function under one rule (`organizations.privacy`),
the same on the API and on paper: a short number is all stars, never shown in part or in full."""

import pytest

from organizations.models import Member
from organizations.privacy import mask, sees_numbers_in_full
from printing.contexts.member_record import member_record

pytestmark = pytest.mark.django_db


def test_a_long_number_keeps_its_first_three_and_last_four_characters():
    assert mask("110101199001011234") == "110***********1234"
    assert mask("13812345678") == "138****5678"


@pytest.mark.parametrize("value", ["1", "123", "1234567"])
def test_a_number_no_longer_than_what_would_be_kept_is_all_stars(value):
    assert mask(value) == "*" * len(value)


def test_an_empty_number_stays_empty():
    assert mask("") == "" and mask(None) == ""


def test_a_short_number_is_hidden_alike_on_the_api_and_on_the_printed_record(api, university):
    other = university.full_a[2]
    Member.objects.filter(pk=other.pk).update(id_number="1234567", phone="5551234")
    other.refresh_from_db()
    body = api(university.users.sec_a).get(f"/api/members/{other.pk}/").json()
    assert (body["id_number"], body["phone"]) == ("*******", "*******")
    person = member_record(None, other, reveal=False)["person"]
    assert (person["id_number"], person["phone"]) == ("*******", "*******")


def test_only_the_organization_department_and_the_member_themself_see_numbers_in_full(university):
    own = university.full_a[8]  # member_a's own record
    users = university.users
    assert sees_numbers_in_full(users.orgdept, own)
    assert sees_numbers_in_full(users.member_a, own)
    assert not sees_numbers_in_full(users.sec_a, own)
    assert not sees_numbers_in_full(None, own)
