"""Numbers of people in messages are whole numbers of people (issue 13)."""

from fractions import Fraction

from engine.rules import more_than_whole, share_text, strictly_more_than


def test_more_than_four_fifths_of_44_voters_reads_more_than_35_people():
    assert more_than_whole(Fraction(4, 5), 44) == 35
    assert more_than_whole(Fraction(1, 2), 8) == 4
    # "more than n people" says exactly the rule: n + 1 passes, n does not.
    for share, due in [
        (Fraction(4, 5), 44),
        (Fraction(4, 5), 45),
        (Fraction(1, 2), 7),
        (Fraction(2, 3), 9),
    ]:
        n = more_than_whole(share, due)
        assert strictly_more_than(n + 1, share, due) and not strictly_more_than(n, share, due)


def test_a_share_reads_as_people_write_it():
    assert share_text(Fraction(1, 2)) == "半数"
    assert share_text(Fraction(4, 5)) == "4/5"
