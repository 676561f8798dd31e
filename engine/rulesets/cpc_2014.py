"""cpc-2014: DEV-2014, ELEC-2020, BRANCH-2018, DISPOSAL-2024 and the university standards (see
shared/domain/procedures.md). Rules marked local come from a university's own standard; unverified
ones are reported rules modelled as settings with the value given."""

from decimal import ROUND_HALF_UP
from decimal import Decimal as M
from fractions import Fraction as F

from ..calendar import Duration as D
from ..dues import FEN, Brackets, Rounding
from ..rules import Frequency as Every
from ..rules import Rule, RuleSet, register

RULES = {
    # --- Branch setup (BRANCH-2018 Art. 4-5, XYTC §1) ---
    "branch.min_full_members": Rule(3, "成立党支部的最少正式党员数", "BRANCH-2018 第4条"),
    "branch.committee_min_full_members": Rule(
        7, "设立支部委员会的最少正式党员数", "BRANCH-2018 第5条"
    ),
    "branch.committee_size_min": Rule(3, "支委会最少委员数", "BRANCH-2018 第5条"),
    "branch.committee_size_max": Rule(7, "支委会最多委员数", "BRANCH-2018 第5条"),
    "branch.committee_size_odd": Rule(True, "支委会委员数为奇数", "XYTC §1", "local"),
    "branch.officers_without_committee_max": Rule(
        2, "不设支委会时书记、副书记最多人数", "BRANCH-2018 第5条"
    ),
    "branch.max_members_warning": Rule(
        30, "支部党员人数上限（超过时提示）", "XYTC §1", "local; national figure is 50"
    ),
    "branch.joint_max_departments": Rule(
        3, "联合支部最多覆盖单位数", "XYTC §1", "local; national cap is 5"
    ),
    "party_group.min_members": Rule(3, "党小组最少党员数", "XYTC §1", "local"),
    "party_group.min_full_members": Rule(1, "党小组最少正式党员数", "XYTC §1", "local"),
    # --- P2 branch election (ELEC-2020, BRANCH-2018 Art. 21) ---
    "election.term": Rule(D(years=3), "支委会（书记）任期", "BRANCH-2018 第21条"),
    "election.term_village": Rule(D(years=5), "村、社区党支部任期", "BRANCH-2018 第21条"),
    "election.reminder_lead": Rule(D(months=6), "任期届满前提醒时间", "P2 step 0", "unverified"),
    "election.request_lead": Rule(D(months=1), "换届请示应在任期届满前提交", "P2 step 1", "local"),
    "election.candidate_margin": Rule(
        F(1, 5), "候选人差额比例（不少于应选人数的20%）", "ELEC-2020 第13条"
    ),
    "election.quorum": Rule(F(4, 5), "选举时到会有选举权党员须超过应到会人数的比例", "ELEC-2020"),
    "election.elected_threshold": Rule(
        F(1, 2), "当选须获得赞成票超过实到会有选举权党员的比例", "ELEC-2020"
    ),
    "election.max_postponement": Rule(D(years=1), "延期或提前换届的最长期限", "ELEC-2020 第3条"),
    # --- P1 member development (DEV-2014) ---
    "development.min_age": Rule(18, "申请入党的最低年龄", "DEV-2014 第5条"),
    "development.talk_within": Rule(
        D(months=1), "收到入党申请书后派人谈话的期限", "DEV-2014 第7条"
    ),
    "development.activist_min_period": Rule(
        D(years=1), "积极分子培养考察最短期限", "DEV-2014 第13条"
    ),
    "development.inspection_interval": Rule(D(months=6), "培养考察记录间隔", "DEV-2014 第11条"),
    "development.thought_report_interval": Rule(D(months=3), "思想汇报间隔", "XYTC §3-6", "local"),
    "development.training_min_days": Rule(3, "集中培训最少天数", "DEV-2014 第17条"),
    "development.training_min_hours": Rule(24, "集中培训最少学时", "DEV-2014 第17条"),
    "development.leaving_within": Rule(D(months=3), "预审时即将离开单位的期限", "DEV-2014 第19条"),
    "development.vote_quorum": Rule(
        F(1, 2), "支部大会到会有表决权党员须超过应到会人数的比例", "DEV-2014 第23条"
    ),
    "development.vote_pass": Rule(
        F(1, 2), "赞成票须超过应到会有表决权党员的比例", "DEV-2014 第23条"
    ),
    "development.approval_within": Rule(D(months=3), "上级党委审批期限", "DEV-2014 第28条"),
    "development.approval_max": Rule(D(months=6), "审批期限延长后的最长期限", "DEV-2014 第28条"),
    "development.probation": Rule(D(years=1), "预备期", "CONST 第7条"),
    "development.extension_min": Rule(D(months=6), "延长预备期最短", "DEV-2014 第33条"),
    "development.extension_max": Rule(D(years=1), "延长预备期最长", "DEV-2014 第33条"),
    "development.conversion_approval_within": Rule(D(months=3), "转正审批期限", "DEV-2014 第34条"),
    "development.publication_min": Rule(None, "发展对象公示期（本规则集不要求）", "DEV-2014"),
    # The period printed on a 公示 (activist, admission, conversion; development objects too when
    # publication_min is unset): practice pages name at least 5 working days (tccu.edu.cn 2019).
    "development.publication_notice": Rule(
        D(working_days=5), "公示期（入党积极分子、接收预备党员、转正）", "tccu.edu.cn 2019", "local"
    ),
    # --- P5 organizational life and branch obligations (BRANCH-2018 Art. 11-17, XYTC §4-5, JSNU) ---
    "orglife.general_meeting": Rule(
        Every("quarter"), "支部党员大会", "BRANCH-2018 第11条, XYTC §4-2"
    ),
    "orglife.committee_meeting": Rule(
        Every("month"), "支委会（设支委会的支部）", "BRANCH-2018 第12条"
    ),
    "orglife.committee_quorum": Rule(
        F(1, 2), "支委会须超过委员半数到会方能召开", "BRANCH-2018 第12条"
    ),
    "orglife.party_group_meeting": Rule(
        Every("month"), "党小组会（设党小组的支部）", "BRANCH-2018 第13条"
    ),
    "orglife.party_lesson": Rule(Every("quarter"), "党课", "XYTC §4-3", "local"),
    "orglife.themed_party_day": Rule(Every("month"), "主题党日", "BRANCH-2018 第16条, XYTC §4-4"),
    "orglife.organizational_life_meeting": Rule(Every("year"), "组织生活会", "BRANCH-2018 第17条"),
    "orglife.democratic_review": Rule(Every("year"), "民主评议党员", "BRANCH-2018 第17条"),
    "orglife.heart_to_heart_talk": Rule(
        Every("year", 2), "谈心谈话", "XYTC §4-7", "local; national rule is at least once a year"
    ),
    "orglife.sessions": Rule(Every("year", 8), "组织生活次数", "JSNU", "local"),
    "orglife.sessions_attendance_min": Rule(F(9, 10), "组织生活全年平均出勤率", "JSNU", "local"),
    "orglife.session_kinds": Rule(
        frozenset(
            {
                "general_meeting",
                "party_group_meeting",
                "party_lesson",
                "themed_party_day",
                "organizational_life_meeting",
                "democratic_review_meeting",
            }
        ),
        "计入组织生活次数和出勤率的活动",
        'JSNU "4+X"',
        "local",
    ),
    "orglife.dues": Rule(Every("month"), "按月交纳党费（每名党员）", "XYTC §5-6"),
    "orglife.study_hours": Rule(32, "党员每年学习学时", "XYTC §5-4", "local"),
    "orglife.study_hours_officers": Rule(56, "书记、支委每年学习学时", "XYTC §5-4", "local"),
    "orglife.study_kinds": Rule(
        frozenset({"study_session", "party_lesson"}), "计入学习学时的活动", "XYTC §5-4", "local"
    ),
    "orglife.reminder_lead": Rule(
        D(days=7), "周期结束前提醒支部书记完成未完成事项", "partyflow", "local"
    ),
    # --- P4 weak-branch remediation (BRANCH-2018 Ch. 8, XYTC §4-9): no central deadlines, all settings ---
    "remediation.report_interval": Rule(D(months=1), "整顿期间进展报告间隔", "XYTC §4-9", "local"),
    "remediation.plan_max_duration": Rule(D(years=1), "整顿方案期限最长", "XYTC §4-9", "local"),
    "remediation.recheck_after": Rule(D(months=6), "销号后回头看的时间", "XYTC §4-9", "unverified"),
    "remediation.satisfaction_min": Rule(
        F(9, 10), "验收时党员群众满意度最低要求", "JSNU", "local; one local rule uses 60%"
    ),
    "development.object_consent": Rule(
        False, "发展对象报上级党委备案（不需同意）", "DEV-2014 第13条"
    ),
    "development.meeting_after_prereview": Rule(
        None, "预审通过后召开支部大会的期限（本规则集不要求）", "DEV-2014"
    ),
    # --- P3 democratic review, unqualified members, self-lapse (BRANCH-2018, DISPOSAL-2024, CONST Art. 9) ---
    "review.excellent_max_share": Rule(
        F(1, 3), "评为优秀的党员一般不超过参评党员的比例（超过时提示）", "BRANCH-2018, XYTC §4-8"
    ),
    # Anonymity of the measurement: tallies are published only when they cannot single out a voter.
    "review.measurement_min_ballots": Rule(
        3,
        "民主测评汇总结果所需的最少测评票数（保护匿名，不得少于3）",
        "XYTC §4-8",
        "local; never below 3",
    ),
    "review.measurement_quorum": Rule(
        F(1, 2), "民主测评汇总结果须超过参评党员的比例投票", "XYTC §4-8", "local"
    ),
    "self_lapse.months": Rule(
        6, "连续未参加组织生活、未交纳党费的月数（视为自行脱党）", "CONST 第9条"
    ),
    "disposal.correction_default": Rule(D(months=6), "限期改正的一般期限", "DISPOSAL-2024"),
    "disposal.correction_max": Rule(D(years=1), "限期改正的最长期限", "DISPOSAL-2024"),
    "disposal.rejoin_ban": Rule(D(years=5), "劝退、除名后不得重新入党的期限", "DISPOSAL-2024"),
    "disposal.vote_quorum": Rule(
        F(1, 2),
        "除名表决时到会有表决权党员须超过应到会人数的比例（同接收预备党员）",
        "DISPOSAL-2024",
    ),
    "disposal.vote_pass": Rule(
        F(1, 2), "除名须赞成票超过应到会有表决权党员的比例（同接收预备党员）", "DISPOSAL-2024"
    ),
    # --- P6 evaluation of model service-oriented branches (JSNU, source 001): no central deadlines, all settings ---
    "evaluation.self_assessment_within": Rule(
        D(months=1), "示范点评估：支部自评期限", "JSNU", "local"
    ),
    "evaluation.review_within": Rule(
        D(months=1), "示范点评估：学院党委逐项审核期限", "JSNU", "local"
    ),
    "evaluation.completion_within": Rule(
        D(days=15), "示范点评估：退回补充材料期限（只退回一次）", "JSNU", "local"
    ),
    "evaluation.survey_within": Rule(D(months=1), "示范点评估：满意度测评期限", "JSNU", "local"),
    "evaluation.decision_within": Rule(
        D(months=1), "示范点评估：学校党委评审决定期限", "JSNU", "local"
    ),
    "evaluation.title_period": Rule(
        D(years=2), "示范点称号有效期", "JSNU", "unverified; the sources name no period"
    ),
    "survey.min_ballots": Rule(
        10, "满意度测评最少有效票数（少于时不计结果，保护匿名）", "JSNU", "local; unverified"
    ),
    "survey.satisfied_grades": Rule(
        frozenset({"very_satisfied", "satisfied"}), "计入满意度的等次", "JSNU", "local"
    ),
    # --- Party dues (DUES-2008, DUES-2017; shared/domain/statistics-and-dues.md Part B) ---
    "dues.brackets.working": Rule(
        Brackets(
            (
                (M(3000), M("0.005")),
                (M(5000), M("0.01")),
                (M(10000), M("0.015")),
                (None, M("0.02")),
            )
        ),
        "在职党员按月工资基数交纳党费的比例（全额适用一档，不累进）",
        "DUES-2008 第2条",
    ),
    "dues.brackets.retired": Rule(
        Brackets(((M(5000), M("0.005")), (None, M("0.01")))),
        "离退休党员按离退休费交纳党费的比例",
        "DUES-2008 第5条",
    ),
    "dues.flat.student": Rule(M("0.20"), "学生党员每月交纳党费（元）", "DUES-2008 第6条"),
    "dues.flat.unemployed": Rule(
        M("0.20"),
        "下岗失业、依靠抚恤或救济、领取低保的党员每月交纳党费（元）",
        "DUES-2008 第6条",
    ),
    "dues.rounding": Rule(
        ROUND_HALF_UP, "党费金额保留到分的舍入方式", "partyflow", "unverified; no source names one"
    ),
    "dues.base_rounding": Rule(
        Rounding(FEN, ROUND_HALF_UP),
        "党费基数的取整方式（各校可在本校规则集中改为取整到元）",
        "partyflow",
        "unverified; no source names one",
    ),
    "dues.late_window_months": Rule(6, "补交党费一般不超过的月数", "DUES-2008 第12条"),
    "dues.monthly_max_normal": Rule(
        M(1000), "每月党费一般不超过（元；超过时提示）", "DUES-2017 (1)"
    ),
    # --- P7 membership transfer (EDU-2019 Art. 24-26, 34; GRAD-2015; FORM-2006; shared/domain/transfer.md) ---
    "transfer.letter_validity_default": Rule(
        30, "介绍信有效期（天，默认）", "transfer.md 规则6", "local; no national number found"
    ),
    "transfer.letter_validity_max": Rule(
        90, "介绍信有效期最长天数（超过不予开具或接收）", "transfer.md 规则6", "local"
    ),
    "transfer.receipt_within": Rule(
        D(months=1), "接收后退回回执的期限", "FORM-2006 介绍信回执联注"
    ),
    "transfer.reissue_within": Rule(
        D(months=6), "逾期未报到可凭原介绍信补开的期限（自转出之日起）", "GRAD-2015 一"
    ),
    "transfer.no_report": Rule(
        D(months=6),
        "转出后未报到、失去联系满此期限提请党委研究（停止党籍须党委决定）",
        "EDU-2019 第24条",
    ),
    "transfer.retention_max": Rule(
        D(years=2), "毕业生组织关系在学校保留的最长期限", "EDU-2019 第34条"
    ),
    "transfer.retention_contact": Rule(
        D(months=6),
        "保留组织关系期间联系党员的间隔",
        "EDU-2019 第34条",
        "local; the rule says regularly",
    ),
    "transfer.mobile_report": Rule(
        D(years=1),
        "流动党员向流出地党组织报告情况的间隔（支部据此联系）",
        "MOB-2006",
        "unverified; quoted: at least once a year",
    ),
    "transfer.abroad_contact": Rule(
        D(months=6), "出国（境）党员保留组织关系期间联系的间隔", "EDU-2019 第34条"
    ),
    "transfer.lost_contact": Rule(
        D(months=6),
        "失去联系满此期限、经查找仍无下落的，提请党委研究停止党籍（须党委决定）",
        "EDU-2019 第24条",
    ),
    "transfer.abroad_retention_max": Rule(
        D(years=5),
        "出国（境）党员保留组织关系的最长期限（期满未归提请党委研究，停止党籍须党委决定）",
        "EDU-2019 第24条",
        "local; the rule: abroad studying more than 5 years without returning",
    ),
    "transfer.card_check": Rule(
        D(years=1),
        "流动党员活动证查验的间隔（结合民主评议）",
        "FORM-2006 活动证使用说明",
    ),
    "transfer.review_within": Rule(
        D(months=1),
        "活动证查验、出国（境）满期研究自到期之日起的办理期限",
        "partyflow",
        "local",
    ),
    "transfer.resume_within": Rule(
        D(months=1),
        "返回后申请恢复组织生活的期限",
        "EDU-2019 第34条",
        "local; one source: 3 months",
    ),
    # --- Party statistics (shared/domain/statistics-and-dues.md Part A, 表7) ---
    "statistics.programme_years": Rule(
        {"postgraduate": 3, "undergraduate": 4, "college": 3, "secondary": 3, "high": 3},
        "各层次学生的标准学制（党员信息未填学制时据此计算年级）",
        "partyflow",
        "local; a record's own 学制 (e.g. a 5-year programme, a 2-year master's) takes precedence",
    ),
    "statistics.school_year_starts": Rule(
        9, "学年开始的月份（计算学生党员年级）", "partyflow", "local; the usual autumn intake"
    ),
    # --- Tasks and reminders ---
    "tasks.reminder_lead": Rule(D(days=3), "任务到期前提醒时间", "partyflow"),
    # Overdue tasks of these steps also go to the approving committee's inbox (督办): {process: (task ids)}.
    "tasks.escalate_overdue": Rule(
        {"branch_election": ("submit_request",)},
        "逾期后报上级党委督办的任务",
        "ELEC-2020 第3条",
        "local",
    ),
}

CPC_2014 = register(
    RuleSet(
        code="cpc-2014", title="2014年《发展党员工作细则》及现行选举、支部工作规定", rules=RULES
    )
)
