"""Chinese labels that live outside Python: BPMN element names and stages, JSON-Schema form texts.

The BPMN files (bpmn/*.bpmn) and form schemas (forms/schemas/**/*.json) keep their Chinese
labels; they are translated when rendered, through `label()`. `makemessages` only reads Python
sources, so every such label is listed below with `gettext_noop` to put it in the catalog
(partyflow/locale/<lang>/LC_MESSAGES/django.po). tests/api/test_i18n.py fails when a BPMN name,
a stage, or a form title/description/x-label is missing here or has no English translation.

After adding a BPMN task or form field:
    .venv/bin/partyflow makemessages -l en --ignore=.venv --ignore=bench --ignore=tests
    (translate the new msgids in partyflow/locale/en/LC_MESSAGES/django.po)
    .venv/bin/partyflow compilemessages --ignore=.venv
"""
from __future__ import annotations

from typing import Any

from django.utils.translation import gettext, gettext_noop


def label(text: str) -> str:
    """`text` in the active language; unknown labels come back unchanged.

    An empty string stays empty (gettext("") would return the catalog's header)."""
    return gettext(text) if text else text


def localize_schema(schema: Any) -> Any:
    """A copy of a JSON Schema with its `title`, `description` and `x-labels` texts in the active language."""
    if isinstance(schema, dict):
        out = {}
        for key, value in schema.items():
            if key in ("title", "description") and isinstance(value, str):
                out[key] = label(value)
            elif key == "x-labels" and isinstance(value, dict):
                out[key] = {k: label(v) if isinstance(v, str) else v for k, v in value.items()}
            else:
                out[key] = localize_schema(value)
        return out
    if isinstance(schema, list):
        return [localize_schema(v) for v in schema]
    return schema


LABELS = [
    # bpmn/branch_election.bpmn
    gettext_noop("党支部换届选举"),
    gettext_noop("开始跟踪本届任期"),
    gettext_noop("换届提醒"),
    gettext_noop("提交换届请示"),
    gettext_noop("换届请示"),
    gettext_noop("批复换届请示"),
    gettext_noop("换届请示批复"),
    gettext_noop("是否同意换届请示"),
    gettext_noop("推荐候选人预备人选"),
    gettext_noop("推荐候选人"),
    gettext_noop("审查候选人预备人选"),
    gettext_noop("候选人审查"),
    gettext_noop("是否同意候选人"),
    gettext_noop("党员大会选举并录入结果"),
    gettext_noop("党员大会选举"),
    gettext_noop("选举结果"),
    gettext_noop("当选人数不足的处理"),
    gettext_noop("另行选举或减少名额"),
    gettext_noop("选举书记、副书记"),
    gettext_noop("选举书记副书记"),
    gettext_noop("批复选举结果"),
    gettext_noop("选举结果批复"),
    gettext_noop("是否批准选举结果"),
    gettext_noop("公布结果并记录新一届任期"),
    gettext_noop("安排下一届换届提醒"),
    gettext_noop("换届完成"),
    gettext_noop("同意"),
    gettext_noop("退回修改"),
    gettext_noop("退回重新推荐"),
    gettext_noop("全部当选"),
    gettext_noop("当选不足"),
    gettext_noop("选举无效或票数相等，重新投票"),
    gettext_noop("另行选举"),
    gettext_noop("减少名额"),
    gettext_noop("批准"),
    gettext_noop("退回"),
    # forms/schemas/branch_election/approval.json
    gettext_noop("审批意见"),
    gettext_noop("是否同意"),
    gettext_noop("意见或退回理由"),
    gettext_noop("批复文号"),
    # forms/schemas/branch_election/decide_shortfall.json
    gettext_noop("处理方式"),
    gettext_noop("在未当选的候选人中另行选举"),
    gettext_noop("经多数党员同意减少名额"),
    gettext_noop("同意减少名额的到会党员人数"),
    # forms/schemas/branch_election/elect_officers.json
    gettext_noop("委员会第一次会议日期"),
    gettext_noop("书记"),
    gettext_noop("副书记"),
    gettext_noop("选举结果报告"),
    # forms/schemas/branch_election/nominate_candidates.json
    gettext_noop("候选人预备人选"),
    gettext_noop("候选人（党员编号）"),
    gettext_noop("酝酿推荐情况（多数党员意见）"),
    # forms/schemas/branch_election/record_vote.json
    gettext_noop("党员大会选举结果"),
    gettext_noop("会议日期"),
    gettext_noop("不计入应到会人数的党员"),
    gettext_noop("党员编号"),
    gettext_noop("原因"),
    gettext_noop("因病不能表达本人意志"),
    gettext_noop("自费出国半年以上"),
    gettext_noop("正在服刑"),
    gettext_noop("卧床不起"),
    gettext_noop("外出半年以上未转组织关系"),
    gettext_noop("不计入应到会人数已经上级党组织同意"),
    gettext_noop("实到会有选举权的党员"),
    gettext_noop("发出选票数"),
    gettext_noop("收回选票数"),
    gettext_noop("无效票数（所选人数多于应选人数）"),
    gettext_noop("各候选人得票"),
    gettext_noop("候选人"),
    gettext_noop("赞成票"),
    gettext_noop("宣布当选的人"),
    gettext_noop("会议记录"),
    # forms/schemas/branch_election/submit_request.json
    gettext_noop("拟选举日期"),
    gettext_noop("应选委员名额"),
    gettext_noop("设支委会时为3至7名（奇数）；不设支委会时为书记（及副书记）名额"),
    gettext_noop("候选人推荐方式"),
    gettext_noop("党员推荐"),
    gettext_noop("支委会根据多数党员意见提出"),
    gettext_noop("请示正文"),
    gettext_noop("附件（文件编号或链接）"),
    # bpmn/self_lapse.bpmn
    gettext_noop("自行脱党处理"),
    gettext_noop("发现连续未参加组织生活或未交纳党费"),
    gettext_noop("核实自行脱党情况"),
    gettext_noop("是否有正当理由"),
    gettext_noop("支部党员大会表决除名"),
    gettext_noop("表决是否通过"),
    gettext_noop("审批除名"),
    gettext_noop("是否批准除名"),
    gettext_noop("予以除名"),
    gettext_noop("有正当理由，结束"),
    gettext_noop("未予除名"),
    gettext_noop("已除名"),
    gettext_noop("建议除名"),
    gettext_noop("有正当理由"),
    gettext_noop("通过"),
    gettext_noop("未通过"),
    gettext_noop("不批准"),
    gettext_noop("核实情况"),
    gettext_noop("支部大会表决"),
    gettext_noop("上级党委审批"),
    # forms/schemas/self_lapse/review_lapse.json
    gettext_noop("自行脱党情况处理意见"),
    gettext_noop("处理意见"),
    gettext_noop("无正当理由，建议除名"),
    gettext_noop("理由"),
    gettext_noop("佐证资料"),
    # forms/schemas/self_lapse/strike_off_vote.json
    gettext_noop("到会有表决权的党员"),
    gettext_noop("党员"),
    gettext_noop("反对票"),
    gettext_noop("弃权票"),
    # bpmn/unqualified_member.bpmn
    gettext_noop("不合格党员处置"),
    gettext_noop("评定为不合格党员"),
    gettext_noop("提出处置意见"),
    gettext_noop("处置方式"),
    gettext_noop("改正期限届满"),
    gettext_noop("限期改正到期考察"),
    gettext_noop("是否已改正"),
    gettext_noop("劝退谈话"),
    gettext_noop("是否同意退党"),
    gettext_noop("予以劝退"),
    gettext_noop("已改正"),
    gettext_noop("已劝退"),
    gettext_noop("限期改正"),
    gettext_noop("劝退"),
    gettext_noop("除名"),
    gettext_noop("未改正，另行处置"),
    gettext_noop("同意退党"),
    gettext_noop("劝而不退，除名"),
    gettext_noop("处置意见"),
    gettext_noop("到期考察"),
    # forms/schemas/unqualified_member/follow_up_correction.json
    gettext_noop("考察意见"),
    # forms/schemas/unqualified_member/propose_handling.json
    gettext_noop("不合格党员处置意见"),
    gettext_noop("改正期限（月，不填为一般期限）"),
    gettext_noop("事实和理由"),
    gettext_noop("报上级党委备案文号"),
    # forms/schemas/unqualified_member/record_withdrawal.json
    gettext_noop("劝退谈话结果"),
    gettext_noop("谈话日期"),
    gettext_noop("本人是否同意退党"),
    gettext_noop("谈话记录"),
    # bpmn/democratic_review.bpmn
    gettext_noop("民主评议党员"),
    gettext_noop("开始年度民主评议"),
    gettext_noop("制定评议方案并报备"),
    gettext_noop("学习教育"),
    gettext_noop("个人自评"),
    gettext_noop("党员互评"),
    gettext_noop("民主测评"),
    gettext_noop("组织评定"),
    gettext_noop("向党员反馈评议结果"),
    gettext_noop("汇总并上报评议结果"),
    gettext_noop("审核评议结果"),
    gettext_noop("是否同意评议结果"),
    gettext_noop("启动不合格党员处置"),
    gettext_noop("评议完成"),
    gettext_noop("评议方案"),
    gettext_noop("反馈"),
    gettext_noop("结果汇总"),
    gettext_noop("上级党委审核"),
    # forms/schemas/democratic_review/close_measurement.json
    gettext_noop("结束民主测评"),
    gettext_noop("测评已结束，统计结果"),
    # forms/schemas/democratic_review/file_plan.json
    gettext_noop("民主评议方案"),
    gettext_noop("评议会议日期"),
    # forms/schemas/democratic_review/give_feedback.json
    gettext_noop("反馈评议结果"),
    gettext_noop("逐一反馈"),
    gettext_noop("反馈内容"),
    # forms/schemas/democratic_review/organizational_rating.json
    gettext_noop("评定结果"),
    gettext_noop("等次"),
    gettext_noop("优秀"),
    gettext_noop("合格"),
    gettext_noop("基本合格"),
    gettext_noop("不合格"),
    # forms/schemas/democratic_review/record_step.json
    gettext_noop("评议环节记录"),
    gettext_noop("日期"),
    gettext_noop("情况摘要"),
    # forms/schemas/democratic_review/self_assessment.json
    gettext_noop("对照党员标准和入党誓词的自我评价"),
]
