"""P1 driven to the introducers step, for the picker tests (page and browser)."""

from ..procedures.md_helpers import (
    activist_reports,
    at,
    drive_to_designation,
    step,
)


def drive_to_introducers(api, u, person, *, year=2026) -> dict:
    """P1 up to the branch committee's choice of introducers (steps 1-8): an application on 5
    January `year`, designated on 1 February of the year after, filed on the 10th."""
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    case = drive_to_designation(api, u, person, year=year)
    nxt = year + 1
    with at(nxt, 2, 10, 10):
        activist_reports(sec, person, 4, 2, f"{nxt}-02-01")
        step(sec, "cultivation_review", {"review_date": f"{nxt}-02-01", "summary": "考察合格"})
        step(
            sec,
            "designate_development_object",
            {"designation_date": f"{nxt}-02-01", "opinions_heard": "均同意"},
        )
        step(
            officer,
            "file_development_object",
            {"approved": False, "decision_date": f"{nxt}-02-10", "reason": "仅备案"},
        )
    return case
