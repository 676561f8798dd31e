"""Generated onboarding workbooks: a whole small university (tests, README) and a large one
(`bench/onboarding.py`). ID numbers are valid (checksum, birth date inside); dates are written in
the several forms offices type."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from organizations.idcard import id_check_char

from .columns import SHEETS
from .export import write_workbook


def id_number(born: dt.date, seq: int, region: str = "110105") -> str:
    first17 = f"{region}{born:%Y%m%d}{seq % 1000:03d}"
    return first17 + id_check_char(first17)


def office_forms(day: dt.date, i: int) -> dt.date | str | int:
    """The same date as offices type it, in turn: a date cell, 2024-09-01, 2024/9/1,
    2024.09.01, 20240901."""
    return [
        day,
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day:%Y.%m.%d}",
        int(f"{day:%Y%m%d}"),
    ][i % 5]


@dataclass
class University:
    rows: dict = field(
        default_factory=lambda: {"organizations": [], "members": [], "officers": [], "ledger": []}
    )
    _seq: int = 0

    def org(self, code, name, kind, parent="", **extra) -> str:
        self.rows["organizations"].append(
            {"code": code, "name": name, "kind": kind, "parent_code": parent, **extra}
        )
        return code

    def person(self, no, name, branch, born: dt.date, **extra) -> dict:
        self._seq += 1
        return {
            "staff_or_student_no": no,
            "name": name,
            "organization_code": branch,
            "birth_date": born,
            "id_number": id_number(born, self._seq),
            "gender": "1" if self._seq % 2 else "2",
            "ethnicity": "01",
            **extra,
        }

    def member(self, no, name, branch, born, joined, **extra) -> dict:
        row = self.person(
            no,
            name,
            branch,
            born,
            status="full",
            joined_on=joined,
            party_standing_from=joined + dt.timedelta(days=366),
            person_category="staff",
            education="20",
            **extra,
        )
        self.rows["members"].append(row)
        return row

    def officer(self, org, no, post, **extra) -> None:
        self.rows["officers"].append(
            {"organization_code": org, "staff_or_student_no": no, "post": post, **extra}
        )

    def ledger(self, no, name, branch, stage, born=dt.date(2003, 5, 1), **dates) -> dict:
        row = self.person(no, name, branch, born, stage=stage, person_category="student", **dates)
        row.pop("gender")
        self.rows["ledger"].append(row)
        return row

    def save(self, target, *, as_typed: bool = True) -> None:
        """Write the workbook; `as_typed`: dates in the office forms in turn, not date cells."""
        if not as_typed:
            write_workbook(target, self.rows)
            return
        typed = {}
        for sheet in SHEETS:
            typed[sheet.key] = [
                {
                    c.field: (
                        office_forms(r[c.field], i + j)
                        if isinstance(r.get(c.field), dt.date)
                        else r.get(c.field)
                        if c.kind == "date"
                        else c.write(r.get(c.field))
                    )
                    for j, c in enumerate(sheet.columns)
                }
                for i, r in enumerate(self.rows[sheet.key])
            ]
        write_workbook(target, typed, raw=True)


def small_university(today: dt.date) -> University:
    """A university of two colleges (one with a general branch), five branches with committees and
    terms, 30 members, and ledger rows at every stage of development, dated relative to `today`."""

    def d(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    u = University()
    u.org(
        "100",
        "示范大学委员会",
        "committee",
        has_approval_authority=True,
        founded_on=dt.date(1952, 10, 1),
    )
    u.org(
        "10001",
        "计算机学院党委",
        "committee",
        "100",
        has_approval_authority=True,
        founded_on=dt.date(1998, 9, 1),
    )
    u.org(
        "1000101",
        "软件工程系教工党支部",
        "branch",
        "10001",
        branch_kind="teaching",
        term_start=dt.date(2023, 12, 1),
        term_end=today + dt.timedelta(days=11),
    )
    u.org(
        "1000102",
        "计算机专业学生党支部",
        "branch",
        "10001",
        branch_kind="student",
        term_start=d(500),
        term_end=today + dt.timedelta(days=600),
    )
    u.org("10002", "马克思主义学院党委", "committee", "100", has_approval_authority=True)
    u.org("1000201", "马院党总支", "general_branch", "10002")
    u.org(
        "100020101",
        "思政教研室教工党支部",
        "branch",
        "1000201",
        branch_kind="teaching",
        term_start=d(900),
        term_end=today + dt.timedelta(days=190),
    )
    u.org("1000202", "马院离退休党支部", "branch", "10002", branch_kind="retired")
    for code, prefix in (
        ("1000101", "T11"),
        ("1000102", "T12"),
        ("100020101", "T21"),
        ("1000202", "R22"),
    ):
        for i in range(1, 7):
            u.member(
                f"{prefix}{i:02d}",
                f"{prefix}党员{i}",
                code,
                dt.date(1970 + i, i, 10 + i),
                dt.date(1995 + i, 7, 1),
                phone=f"1380000{prefix[1:]}{i:02d}"[:11],
            )
    u.member(
        "T1007",
        "学院书记",
        "1000101",
        dt.date(1968, 3, 3),
        dt.date(1990, 6, 1),
        party_post="院党委书记",
    )
    u.officer("10001", "T1007", "secretary")
    for code, prefix in (("1000101", "T11"), ("1000102", "T12"), ("100020101", "T21")):
        u.officer(code, f"{prefix}01", "secretary")
        u.officer(code, f"{prefix}02", "organization")
        u.officer(code, f"{prefix}03", "propaganda")
    # Ledger: one person at each step a case can start from, and one whose development is complete.
    se, st = "1000101", "1000102"
    u.ledger("S001", "申请未谈话", se, "applicant", application_date=d(19))
    u.ledger("S002", "已谈话", se, "applicant", application_date=d(80), talk_date=d(60))
    u.ledger(
        "S003",
        "积极分子甲",
        se,
        "activist",
        application_date=d(420),
        talk_date=d(400),
        activist_date=d(224),
    )
    u.ledger(
        "S004",
        "积极分子乙",
        se,
        "activist",
        application_date=d(400),
        talk_date=d(390),
        activist_date=d(194),
        contacts=["T1104", "T1105"],
    )
    u.ledger(
        "S005",
        "发展对象甲",
        se,
        "development_object",
        application_date=d(800),
        talk_date=d(790),
        activist_date=d(620),
        contacts=["T1104"],
        designation_date=d(255),
        introducers=["T1104", "T1105"],
    )
    u.ledger(
        "S006",
        "发展对象乙",
        st,
        "development_object",
        application_date=d(700),
        talk_date=d(690),
        activist_date=d(540),
        contacts=["T1204"],
        designation_date=d(309),
    )  # designated after 7½ months as activist: flagged
    u.ledger(
        "S007",
        "已表决",
        st,
        "development_object",
        application_date=d(900),
        talk_date=d(880),
        activist_date=d(700),
        designation_date=d(300),
        political_review_date=d(200),
        training_start=d(180),
        training_end=d(176),
        training_hours=24,
        admission_vote_date=d(41),
    )
    u.ledger(
        "S008",
        "待审批",
        st,
        "development_object",
        application_date=d(900),
        talk_date=d(880),
        activist_date=d(700),
        designation_date=d(300),
        admission_vote_date=d(66),
        committee_talk_date=d(50),
    )
    u.ledger(
        "S009",
        "预备党员",
        st,
        "probationary",
        application_date=d(1000),
        talk_date=d(990),
        activist_date=d(800),
        designation_date=d(420),
        admission_vote_date=d(264),
        admission_decision_date=d(224),
    )
    u.ledger(
        "S010",
        "已转正",
        st,
        "full",
        application_date=d(1500),
        talk_date=d(1490),
        activist_date=d(1300),
        designation_date=d(900),
        admission_vote_date=d(549),
        admission_decision_date=d(509),
        conversion_date=d(170),
    )
    return u


def generated_university(
    path,
    *,
    members: int,
    orgs: int,
    ledger: int,
    today: dt.date,
    university: int = 0,
    shared_numbers: bool = False,
) -> dict:
    """Write a large university's workbook streaming (rows are generated, never held; the bench's
    30,000 members): a root, colleges of ~30 branches each, members spread evenly, three officers
    per branch, ledger rows at every stage. `university` k > 0: another university (its own root,
    codes, 学工号 and ID numbers), for imports side by side; with `shared_numbers` its colleges,
    branches and people are numbered as every other university's are (B00001, M000001: issue 32),
    only its root's code and the ID numbers (national) are its own. Returns the rows written per
    sheet."""
    colleges = max(1, (orgs - 1) // 30)
    branches = orgs - 1 - colleges
    own = f"U{university}-" if university else ""  # the root's code: its own in the installation
    p = "" if shared_numbers else own  # codes and 学工号 of this university
    region = f"{11 + university}0105"  # ID numbers of this university (province 11, 12, …)
    branch_codes = [f"{p}B{i:05d}" for i in range(branches)]

    def organizations():
        yield {
            "code": f"{own}U",
            "name": f"基准大学{university or ''}委员会",
            "kind": "committee",
            "has_approval_authority": True,
        }
        for c in range(colleges):
            yield {
                "code": f"{p}C{c:03d}",
                "name": f"第{c}学院党委",
                "kind": "committee",
                "parent_code": f"{own}U",
                "has_approval_authority": True,
            }
        for i, code in enumerate(branch_codes):
            end = today + dt.timedelta(days=30 + (i * 7) % 1000)
            yield {
                "code": code,
                "name": f"第{i}党支部",
                "kind": "branch",
                "branch_kind": "teaching" if i % 2 else "student",
                "parent_code": f"{p}C{i % colleges:03d}",
                "term_start": end - dt.timedelta(days=3 * 365),
                "term_end": end,
            }

    def roster():
        for n in range(members):
            born = dt.date(1950, 1, 1) + dt.timedelta(
                days=n % 14600
            )  # (born, n // 14600): unique IDs
            yield {
                "staff_or_student_no": f"{p}M{n:06d}",
                "name": f"党员{n}",
                "gender": "1" if n % 2 else "2",
                "ethnicity": "01",
                "id_number": id_number(born, n // 14600, region=region),
                "birth_date": born,
                "education": "20",
                "person_category": "staff",
                "organization_code": branch_codes[n % branches],
                "status": "full",
                "joined_on": born + dt.timedelta(days=25 * 366),
                "party_standing_from": born + dt.timedelta(days=26 * 366),
                "phone": f"139{n:08d}",
            }

    def officers():
        for i, code in enumerate(branch_codes):
            for k, post in enumerate(("secretary", "organization", "propaganda")):
                n = i + k * branches
                if n < members:
                    yield {
                        "organization_code": code,
                        "staff_or_student_no": f"{p}M{n:06d}",
                        "post": post,
                    }

    stages = [
        {"application_date": 20},
        {"application_date": 80, "talk_date": 60},
        {"application_date": 420, "talk_date": 400, "activist_date": 200},
        {"application_date": 800, "talk_date": 790, "activist_date": 620, "designation_date": 255},
        {
            "application_date": 900,
            "talk_date": 880,
            "activist_date": 700,
            "designation_date": 300,
            "admission_vote_date": 40,
        },
        {
            "application_date": 1000,
            "talk_date": 990,
            "activist_date": 800,
            "designation_date": 420,
            "admission_vote_date": 264,
            "admission_decision_date": 224,
        },
    ]
    status = [
        "applicant",
        "applicant",
        "activist",
        "development_object",
        "development_object",
        "probationary",
    ]

    def ledger_rows():
        for n in range(ledger):
            k = n % len(stages)
            born = dt.date(2002, 1 + n % 12, 1 + n % 28)
            yield {
                "staff_or_student_no": f"{p}L{n:06d}",
                "name": f"发展{n}",
                "id_number": id_number(born, n, region=f"{11 + university}0106"),
                "birth_date": born,
                "organization_code": branch_codes[n % branches],
                "stage": status[k],
                **{f: today - dt.timedelta(days=d) for f, d in stages[k].items()},
            }

    write_workbook(
        path,
        {
            "organizations": organizations(),
            "members": roster(),
            "officers": officers(),
            "ledger": ledger_rows(),
        },
    )
    return {
        "organizations": orgs,
        "members": members,
        "officers": min(3 * branches, members),
        "ledger": ledger,
    }
