"""The form renderer's two directions: schema → fields, posted fields → the JSON the API takes."""

from django.http import QueryDict

from forms.validation import load_schema
from web.forms import build_fields, parse_submission

VOTE = "branch_election/record_vote.json"
CONTEXT = {
    "eligible": [{"id": 1, "name": "甲0"}, {"id": 2, "name": "甲1"}, {"id": 3, "name": "甲2"}],
    "candidates": [{"id": 1, "name": "甲0"}, {"id": 2, "name": "甲1"}],
}


def post(pairs) -> QueryDict:
    q = QueryDict(mutable=True)
    for k, v in pairs:
        q.appendlist(k, v)
    return q


def test_the_vote_form_offers_only_the_people_the_context_lists():
    fields = {f.key: f for f in build_fields(load_schema(VOTE), CONTEXT)}
    assert fields["present"].widget == "checklist" and [
        o["label"] for o in fields["present"].options
    ] == ["甲0", "甲1", "甲2"]
    assert fields["elected"].widget == "checklist" and len(fields["elected"].options) == 2
    assert fields["votes"].widget == "rows" and [r["label"] for r in fields["votes"].rows] == [
        "甲0",
        "甲1",
    ]
    assert fields["meeting_date"].widget == "date" and fields["meeting_date"].required
    assert (
        fields["ballots_issued"].widget == "number" and fields["ballots_issued"].attrs["min"] == 0
    )
    assert fields["exclusion_approved"].widget == "radio_bool"


def test_posted_fields_become_the_json_the_api_takes():
    data = parse_submission(
        load_schema(VOTE),
        post(
            [
                ("meeting_date", "2026-12-20"),
                ("present", "1"),
                ("present", "2"),
                ("present.present", "1"),
                ("ballots_issued", "2"),
                ("ballots_returned", "2"),
                ("invalid_ballots", "0"),
                ("votes.0.candidate", "1"),
                ("votes.0.yes", "2"),
                ("votes.1.candidate", "2"),
                ("votes.1.yes", ""),
                ("excluded.0.member", "3"),
                ("excluded.0.reason", ""),
                ("elected", "1"),
                ("elected.present", "1"),
                ("exclusion_approved", "false"),
                ("minutes", "  "),
            ]
        ),
    )
    assert data == {
        "meeting_date": "2026-12-20",
        "present": [1, 2],
        "ballots_issued": 2,
        "ballots_returned": 2,
        "invalid_ballots": 0,
        "votes": [{"candidate": 1, "yes": 2}],
        "elected": [1],
        "exclusion_approved": False,
    }


def test_an_empty_picker_is_an_empty_list_and_letters_in_a_number_stay_for_the_schema_to_name():
    data = parse_submission(
        load_schema(VOTE), post([("elected.present", "1"), ("ballots_issued", "八")])
    )
    assert data == {"elected": [], "ballots_issued": "八"}


def test_errors_are_placed_at_their_field_with_the_rule():
    fields = {
        f.key: f
        for f in build_fields(
            load_schema("branch_election/nominate_candidates.json"),
            {"eligible": []},
            {"candidates": [1]},
            {"candidates": ["至少 6 人"]},
            "候选人应多于应选人数的 20%",
        )
    }
    assert (
        fields["candidates"].errors == ["至少 6 人", "候选人应多于应选人数的 20%"]
        and fields["basis"].errors == []
    )
