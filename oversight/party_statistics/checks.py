"""The consistency checks run on every computation (domain file C1–C4). A failed check names the
cells and the people (or organizations) behind the difference, so the office corrects the record,
not the table."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from engine.i18n import _

from .tables import Computation, Table


@dataclass
class Check:
    code: str  # C1, C2, C3
    text: str  # the equation, in the tables' words
    ok: bool
    cells: list[tuple[str, str, str]]  # (table, row, col)
    left: int
    right: int
    people: list[int] = field(default_factory=list)
    subject: str = "members"


# What a set of exclusive bands adds up to, said short (the full equation names every band).
GROUP_SUMS = {
    "age": _("各年龄段之和"),
    "joined": _("各入党时间段之和"),
    "education": _("各学历之和"),
    "kind": _("各类组织之和"),
    "exit_kind": _("各出党方式之和"),
    "standing": _("各党龄段之和"),
    "lost_for": _("各失去联系时间段之和"),
    "lost_reason": _("各失去联系情形之和"),
}


def _difference(a: list[int], b: list[int]) -> list[int]:
    """Who is counted a different number of times on one side than on the other."""
    ca, cb = Counter(a), Counter(b)
    return sorted(k for k in set(ca) | set(cb) if ca[k] != cb[k])


def _label(table: Table, row: str, col: str) -> str:
    rows, cols = dict(table.rows), dict(table.cols)
    if len(table.cols) == 1:
        return f"{table.title}·{rows[row]}"
    return f"{table.title}·{rows[row]}·{cols[col]}"


def _equal(code, a: tuple[Table, str, str], parts: list[tuple[Table, str, str]], *, sign=None):
    """Check cell `a` = the sum of `parts` (each with a sign, + by default), by number and by the
    people behind them."""
    signs = sign or [1] * len(parts)
    ta, ra, ca = a
    left = ta.value(ra, ca)
    right = sum(s * t.value(r, c) for s, (t, r, c) in zip(signs, parts, strict=True))
    plus = [
        pk for s, (t, r, c) in zip(signs, parts, strict=True) if s > 0 for pk in t.cell_people(r, c)
    ]
    minus = [
        pk for s, (t, r, c) in zip(signs, parts, strict=True) if s < 0 for pk in t.cell_people(r, c)
    ]
    people = []
    if left != right:
        have = ta.cell_people(ra, ca)
        # plus − minus, as a multiset
        expected = Counter(plus)
        expected.subtract(Counter(minus))
        got = Counter(have)
        people = sorted(k for k in set(expected) | set(got) if expected[k] != got[k])
    terms = (
        " + ".join(_label(t, r, c) for t, r, c in parts)
        if not sign
        else " ".join(
            ("+ " if s > 0 else "− ") + _label(t, r, c)
            for s, (t, r, c) in zip(signs, parts, strict=True)
        ).lstrip("+ ")
    )
    return Check(
        code=code,
        text=f"{_label(ta, ra, ca)} = {terms}",
        ok=left == right,
        cells=[(ta.key, ra, ca)] + [(t.key, r, c) for t, r, c in parts],
        left=left,
        right=right,
        people=people,
        subject=ta.subject,
    )


def run_checks(comp: Computation) -> list[Check]:
    t = comp.tables
    change, basic = t["membership_change"], t["members_basic"]
    out: list[Check] = []

    # C1: 党员数量变化情况, the DT-2017 formulas.
    c = "count"
    out.append(
        _equal("C1", (change, "2", c), [(change, "3", c), (change, "5", c), (change, "7", c)])
    )
    out.append(
        _equal(
            "C1",
            (change, "9", c),
            [(change, "10", c), (change, "11", c), (change, "12", c), (change, "13", c)],
        )
    )
    out.append(
        _equal(
            "C1", (change, "15", c), [(change, "1", c), (change, "2", c), (change, "9", c)],
            sign=[1, 1, -1],
        )
    )  # fmt: skip
    diff = change.value("17", c)
    out.append(
        Check(
            code="C1",
            text=_("%(a)s 应为 0（实有数与应有数相符）") % {"a": _label(change, "17", c)},
            ok=diff == 0,
            cells=[("membership_change", "17", c), ("membership_change", "16", c),
                   ("membership_change", "15", c)],
            left=diff,
            right=0,
            people=change.cell_people("17", c),
        )
    )  # fmt: skip
    for sub, parent in (("4", "3"), ("6", "5"), ("8", "7"), ("14", "13")):
        ok = change.value(sub, c) <= change.value(parent, c)
        out.append(
            Check(
                code="C1",
                text=f"{_label(change, sub, c)} ≤ {_label(change, parent, c)}",
                ok=ok,
                cells=[(change.key, sub, c), (change.key, parent, c)],
                left=change.value(sub, c),
                right=change.value(parent, c),
                people=[] if ok else _difference(change.cell_people(sub, c), []),
            )
        )

    # C2: within each table, exclusive bands add up to the total, category rows to their parent,
    # and a "其中" column is at most the total.
    for table in t.values():
        row_keys = [r for r, _l in table.rows]
        for row in row_keys:
            for name, cols in table.col_groups:
                check = _equal("C2", (table, row, "total"), [(table, row, col) for col in cols])
                check.text = f"{_label(table, row, 'total')} = {GROUP_SUMS[name]}"
                out.append(check)
            for col in table.subsets:
                left, right = table.value(row, col), table.value(row, "total")
                out.append(
                    Check(
                        code="C2",
                        text=f"{_label(table, row, col)} ≤ {_label(table, row, 'total')}",
                        ok=left <= right,
                        cells=[(table.key, row, col), (table.key, row, "total")],
                        left=left,
                        right=right,
                        people=[] if left <= right else sorted(
                            set(table.cell_people(row, col)) - set(table.cell_people(row, "total"))
                        ),
                        subject=table.subject,
                    )
                )  # fmt: skip
        rows, cols = dict(table.rows), dict(table.cols)
        for parent, children in table.row_groups:
            for col, _l in table.cols:
                check = _equal("C2", (table, parent, col), [(table, ch, col) for ch in children])
                check.text = (
                    f"{_label(table, parent, col)} = "
                    + " + ".join(str(rows[ch]) for ch in children)
                    + f"（{cols[col]}）"
                )
                out.append(check)

    # C3 (inferred): between tables.
    total = (basic, "total", "total")
    out.append(_equal("C3", total, [(change, "16", c)]))
    out.append(_equal("C3", (t["members_joined"], "total", "total"), [total]))
    out.append(_equal("C3", (t["members_education"], "total", "total"), [total]))
    out.append(_equal("C3", (t["new_members"], "total", "total"), [(change, "3", c)]))
    changes = t["changes"]
    out.append(
        _equal(
            "C3",
            (change, "10", c),
            [
                (changes, "expelled", c),
                (changes, "removed", c),
                (changes, "withdrawn", c),
                (changes, "cancelled", c),
            ],
        )
    )
    # each status event's row of table 1 is the change table's row of the same event
    for row, key in (("5", "restored"), ("11", "suspended"), ("12", "deceased")):
        out.append(_equal("C3", (change, row, c), [(changes, key, c)]))
    out.append(_equal("C3", (change, "13", c), [(changes, "transferred_out", c)]))
    # 表10 出党 = table 1 row 10; 表15 against the year's changes.
    exits, probation = t["exits"], t["probation"]
    out.append(_equal("C3", (exits, "total", "total"), [(change, "10", c)]))
    out.extend(_student_checks(t))
    out.extend(_misconduct_checks(t))
    out.extend(_lost_contact_checks(t))
    out.append(_equal("C3", (probation, c, "converted"), [(changes, "converted", c)]))
    out.append(_equal("C3", (probation, c, "extended"), [(changes, "extended", c)]))
    out.append(
        _equal(
            "C3",
            (changes, "cancelled", c),
            [(probation, c, "cancelled"), (probation, c, "cancelled_early")],
        )
    )
    # C4 (inferred from 表15's header): 预备期满 = 已审批合计 + 尚未; 合计 = 转正 + 延长 + 取消;
    # 转正 = its three ways.
    p = probation
    out.append(_equal("C4", (p, c, "due"), [(p, c, "approved"), (p, c, "pending")]))
    out.append(
        _equal(
            "C4", (p, c, "approved"), [(p, c, "converted"), (p, c, "extended"), (p, c, "cancelled")]
        )
    )
    out.append(
        _equal(
            "C4",
            (p, c, "converted"),
            [
                (p, c, "converted_regular"),
                (p, c, "converted_extended"),
                (p, c, "converted_delayed"),
            ],
        )
    )
    return out


def _at_most(code: str, a: tuple[Table, str, str], b: tuple[Table, str, str]) -> Check:
    """Cell `a` ≤ cell `b`, and everyone `a` counts is in `b`: a failure names who is not."""
    (ta, ra, ca), (tb, rb, cb) = a, b
    extra = sorted(set(ta.cell_people(ra, ca)) - set(tb.cell_people(rb, cb)))
    left, right = ta.value(ra, ca), tb.value(rb, cb)
    return Check(
        code=code,
        text=f"{_label(ta, ra, ca)} ≤ {_label(tb, rb, cb)}",
        ok=left <= right and not extra,
        cells=[(ta.key, ra, ca), (tb.key, rb, cb)],
        left=left,
        right=right,
        people=extra,
        subject=ta.subject,
    )


def _student_checks(t: dict) -> list[Check]:
    """表7 against 表2 and 表16: its 党员总数 is table 2's students, its 本年发展党员 table 16's
    (the same people); 本年发展党员's 女 and 少数民族 at most its total."""
    s = t["students"]
    return [
        _equal("C3", (s, "total", "total"), [(t["members_basic"], "student", "total")]),
        _equal("C3", (s, "total", "new_total"), [(t["new_members"], "student", "total")]),
        _at_most("C2", (s, "total", "new_female"), (s, "total", "new_total")),
        _at_most("C2", (s, "total", "new_minority"), (s, "total", "new_total")),
    ]


def _misconduct_checks(t: dict) -> list[Check]:
    """表11 against 表10: the expulsions and removals of the year, the same people; 违反干部选拔
    任用规定 is a "其中" of 违反组织纪律."""
    m, exits = t["exits_by_misconduct"], t["exits"]
    return [
        _equal(
            "C3", (m, "total", "total"), [(exits, "total", "expelled"), (exits, "total", "removed")]
        ),
        _at_most("C2", (m, "cadre_selection", "total"), (m, "organizational", "total")),
    ]


def _lost_contact_checks(t: dict) -> list[Check]:
    """表43: the members out of contact are members on the cut-off (表1 row 16), and its
    补充资料 (graduates) is part of its total."""
    lost, change = t["lost_contact"], t["membership_change"]
    return [
        _at_most("C3", (lost, "total", "total"), (change, "16", "count")),
        _at_most("C2", (lost, "graduates", "total"), (lost, "total", "total")),
    ]
