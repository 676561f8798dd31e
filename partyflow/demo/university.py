"""The demo university: its colleges, branches (and the step each branch's election case waits at)
and the names of its people."""

from __future__ import annotations

from dataclasses import dataclass, field

from organizations.models import BranchKind, MemberStatus

SCHOOL_NAME = "示范大学党委"
DEMO_PASSWORD = "demo12345"
ADMIN_USERNAME = "admin"

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔向汤"
_GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "建华",
    "文博",
    "志强",
    "晓明",
    "婷",
    "雪",
    "鹏",
    "辉",
    "宇航",
    "浩然",
    "欣怡",
    "颖",
    "佳琪",
    "晨曦",
]


def _names():
    """Distinct, deterministic Chinese names."""
    for i in range(len(_SURNAMES) * 3):
        yield _SURNAMES[i % len(_SURNAMES)] + _GIVEN[(i * 7 + i // len(_SURNAMES)) % len(_GIVEN)]


@dataclass
class _Branch:
    key: str  # used in usernames: secretary_<key>
    college: str  # "cs" or "marx"
    name: str
    kind: str
    reminder_days: int  # days from today to the term-expiry reminder (negative: already due)
    target: str  # the step the seeded election case waits at
    full: int = 4
    statuses: dict = field(default_factory=dict)  # extra members by status
    suspended: int = 0
    cadres: int = 0
    departments: int = 1
    under_general_branch: bool = False


# target: "timer" (reminder not yet fired) or the element id of the open user task; "returned" is
# submit_request again after the committee sent the request back with a reason.
BRANCHES = [
    # The request is due election.request_lead before the term ends: already overdue here, so the
    # secretary has an overdue alert and the college committee an escalation (督办) right away.
    _Branch(
        "se",
        "cs",
        "软件工程系教工党支部",
        BranchKind.TEACHING,
        -160,
        "submit_request",
        full=9,
        statuses={MemberStatus.PROBATIONARY: 1},
        suspended=1,
        cadres=2,
    ),
    _Branch(
        "cs_stu",
        "cs",
        "计算机科学专业学生党支部",
        BranchKind.STUDENT,
        -100,
        "record_vote",
        full=5,
        statuses={
            MemberStatus.APPLICANT: 3,
            MemberStatus.ACTIVIST: 3,
            MemberStatus.DEVELOPMENT_OBJECT: 2,
            MemberStatus.PROBATIONARY: 2,
        },
    ),
    _Branch(
        "cs_admin",
        "cs",
        "计算机学院行政教辅党支部",
        BranchKind.ADMIN,
        -30,
        "reply_request",
        full=5,
        cadres=1,
    ),
    _Branch(
        "cs_grad",
        "cs",
        "计算机学院研究生第一党支部",
        BranchKind.STUDENT,
        -75,
        "review_candidates",
        full=5,
        statuses={
            MemberStatus.PROBATIONARY: 2,
            MemberStatus.DEVELOPMENT_OBJECT: 1,
            MemberStatus.ACTIVIST: 1,
        },
        under_general_branch=True,
    ),
    _Branch(
        "marx_retired",
        "marx",
        "马克思主义学院离退休党支部",
        BranchKind.RETIRED,
        -150,
        "approve_results",
        full=6,
    ),
    _Branch(
        "marx_joint",
        "marx",
        "马克思主义学院资料室、实验中心、学院办公室联合党支部",
        BranchKind.JOINT,
        -20,
        "returned",
        full=4,
        statuses={MemberStatus.PROBATIONARY: 1},
        departments=3,
    ),
    _Branch(
        "marx_temp",
        "marx",
        "马克思主义学院赴新疆支教临时党支部",
        BranchKind.TEMPORARY,
        60,
        "timer",
        full=3,
        statuses={MemberStatus.PROBATIONARY: 1},
    ),
    _Branch(
        "marx_teach",
        "marx",
        "马克思主义基本原理教研室教工党支部",
        BranchKind.TEACHING,
        400,
        "timer",
        full=7,
        statuses={MemberStatus.PROBATIONARY: 1},
        suspended=1,
        cadres=1,
    ),
]

COLLEGES = {"cs": "计算机学院党委", "marx": "马克思主义学院党委"}
COLLEGE_SHORT = {"cs": "计院党委", "marx": "马院党委"}
GENERAL_BRANCH_NAME = "计算机学院研究生党总支"
PARTY_GROUP_NAME = "软件工程系教工党支部第一党小组"
