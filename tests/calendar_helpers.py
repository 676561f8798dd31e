"""Holiday-file data the calendar tests share: the shipped example and a made-up 2027."""

from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "holidays-example.json"

# A MADE-UP arrangement for 2027, for the tests only (the real one comes from the State Council's
# notice): New Year's Day Friday 1 January to Sunday 3 January, 4-5 January off too, and Saturday
# 9 January a make-up workday.
TEST_2027 = {
    "years": {
        "2027": {
            "source": "test data, not the State Council's arrangement",
            "holidays": {
                "2027-01-01": "元旦",
                "2027-01-02": "元旦",
                "2027-01-03": "元旦",
                "2027-01-04": "元旦",
                "2027-01-05": "元旦",
            },
            "workdays": {"2027-01-09": "元旦调休上班"},
        }
    }
}
