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
    # bpmn/weak_branch_remediation.bpmn
    gettext_noop("整顿软弱涣散党支部"),
    gettext_noop("排查发现问题"),
    gettext_noop("认定软弱涣散党支部"),
    gettext_noop("认定"),
    gettext_noop("是否认定"),
    gettext_noop("未认定"),
    gettext_noop("列入软弱涣散党支部名单"),
    gettext_noop("制定并报备整顿方案"),
    gettext_noop("整顿方案"),
    gettext_noop("登记整顿方案"),
    gettext_noop("是否已明确联系指导的党委委员"),
    gettext_noop("明确联系指导的党委委员"),
    gettext_noop("报告整顿进展"),
    gettext_noop("整顿进展"),
    gettext_noop("登记进展报告"),
    gettext_noop("是否申请验收"),
    gettext_noop("整顿验收"),
    gettext_noop("验收"),
    gettext_noop("验收是否通过"),
    gettext_noop("销号"),
    gettext_noop("回头看提醒"),
    gettext_noop("整顿回头看"),
    gettext_noop("回头看"),
    gettext_noop("回头看是否通过"),
    gettext_noop("回头看通过"),
    gettext_noop("重新列入名单"),
    gettext_noop("整顿完成"),
    gettext_noop("不认定"),
    gettext_noop("未明确"),
    gettext_noop("已明确"),
    gettext_noop("申请验收"),
    gettext_noop("继续整顿"),
    gettext_noop("通过"),
    gettext_noop("未通过，重新制定方案"),
    gettext_noop("未通过"),
    # forms/schemas/weak_branch_remediation/acceptance.json
    gettext_noop("实地检查情况"),
    gettext_noop("党员群众满意度测评（%）"),
    gettext_noop("查阅的资料"),
    gettext_noop("验收意见"),
    # forms/schemas/weak_branch_remediation/assign_supporter.json
    gettext_noop("联系指导的党委委员（用户编号）"),
    gettext_noop("指导安排"),
    # forms/schemas/weak_branch_remediation/designate.json
    gettext_noop("是否认定为软弱涣散党支部"),
    gettext_noop("认定的主要问题"),
    gettext_noop("意见或不认定理由"),
    gettext_noop("认定文号"),
    # forms/schemas/weak_branch_remediation/progress_report.json
    gettext_noop("整顿进展报告"),
    gettext_noop("整改进展"),
    gettext_noop("佐证资料（文件编号或链接）"),
    gettext_noop("整改完成，申请验收"),
    # forms/schemas/weak_branch_remediation/recheck.json
    gettext_noop("回头看情况"),
    # forms/schemas/weak_branch_remediation/rectification_plan.json
    gettext_noop("存在问题"),
    gettext_noop("整改措施"),
    gettext_noop("责任人（党员编号）"),
    gettext_noop("整顿期限"),
    gettext_noop("书记调整情况"),
    gettext_noop("班子调整情况"),
    # bpmn/orglife_reminder.bpmn
    gettext_noop("组织生活未完成提醒"),
    gettext_noop("周期即将结束仍有未完成事项"),
    gettext_noop("完成本期组织生活事项"),
    gettext_noop("组织生活提醒"),
    gettext_noop("已处理"),
    # forms/schemas/orglife_reminder/attend_to_obligation.json
    gettext_noop("组织生活事项处理情况"),
    gettext_noop("处理情况"),
    # bpmn/member_development.bpmn
    gettext_noop("发展党员"),
    gettext_noop("收到入党申请书"),
    gettext_noop("递交入党申请书"),
    gettext_noop("申请入党"),
    gettext_noop("派人谈话"),
    gettext_noop("督办逾期谈话"),
    gettext_noop("确定入党积极分子"),
    gettext_noop("入党积极分子的确定和培养教育"),
    gettext_noop("入党积极分子备案"),
    gettext_noop("指定培养联系人"),
    gettext_noop("培养教育考察"),
    gettext_noop("确定发展对象"),
    gettext_noop("发展对象的确定和考察"),
    gettext_noop("发展对象报上级党委备案或同意"),
    gettext_noop("确定入党介绍人"),
    gettext_noop("政治审查"),
    gettext_noop("集中培训"),
    gettext_noop("支委会审查"),
    gettext_noop("上级党委预审"),
    gettext_noop("填写入党志愿书"),
    gettext_noop("预备党员的接收"),
    gettext_noop("支部大会讨论接收预备党员"),
    gettext_noop("上级党委派人谈话"),
    gettext_noop("上级党委审批"),
    gettext_noop("报组织部门备案"),
    gettext_noop("编入党支部和党小组"),
    gettext_noop("预备党员的教育考察和转正"),
    gettext_noop("入党宣誓"),
    gettext_noop("预备期教育考察"),
    gettext_noop("提出转正申请"),
    gettext_noop("支部大会讨论转正"),
    gettext_noop("上级党委审批转正"),
    gettext_noop("材料归档"),
    gettext_noop("谈话逾期"),
    gettext_noop("登记为入党申请人"),
    gettext_noop("登记为入党积极分子"),
    gettext_noop("登记为发展对象"),
    gettext_noop("登记为预备党员"),
    gettext_noop("记录延长预备期"),
    gettext_noop("登记为正式党员"),
    gettext_noop("取消预备党员资格"),
    gettext_noop("记录终止发展"),
    gettext_noop("是否同意发展对象"),
    gettext_noop("政治审查结论"),
    gettext_noop("支委会审查意见"),
    gettext_noop("预审结果"),
    gettext_noop("支部大会决议"),
    gettext_noop("审批结果"),
    gettext_noop("转正审批结果"),
    gettext_noop("材料归档，发展完成"),
    gettext_noop("终止发展"),
    gettext_noop("督办完成"),
    gettext_noop("上级党委不同意，退回"),
    gettext_noop("备案或同意"),
    gettext_noop("政审合格"),
    gettext_noop("政审不合格"),
    gettext_noop("不同意"),
    gettext_noop("预审通过"),
    gettext_noop("预审未通过"),
    gettext_noop("决议接收"),
    gettext_noop("决议不接收"),
    gettext_noop("不批准"),
    gettext_noop("转为正式党员"),
    gettext_noop("延长预备期"),
    gettext_noop("不批准，重新讨论"),
    # forms/schemas/member_development/admission_vote.json
    gettext_noop("实到会有表决权的党员"),
    gettext_noop("未到会党员的书面意见"),
    gettext_noop("表决意见"),
    gettext_noop("赞成"),
    gettext_noop("不赞成"),
    gettext_noop("弃权"),
    gettext_noop("书面意见提交日期"),
    gettext_noop("到会党员赞成票"),
    gettext_noop("到会党员不赞成票"),
    gettext_noop("到会党员弃权票"),
    gettext_noop("接收为预备党员"),
    gettext_noop("不接收"),
    gettext_noop("附件（文件编号）"),
    # forms/schemas/member_development/application.json
    gettext_noop("入党申请"),
    gettext_noop("递交日期"),
    gettext_noop("申请书内容摘要"),
    # forms/schemas/member_development/application_form.json
    gettext_noop("填写日期"),
    gettext_noop("入党介绍人意见"),
    # forms/schemas/member_development/appoint_contacts.json
    gettext_noop("培养联系人（党员编号）"),
    # forms/schemas/member_development/approval.json
    gettext_noop("审查或审批意见"),
    gettext_noop("决定日期"),
    gettext_noop("延长审批期限的理由"),
    gettext_noop("文号"),
    # forms/schemas/member_development/archive.json
    gettext_noop("归档日期"),
    gettext_noop("档案编号"),
    # forms/schemas/member_development/assign_introducers.json
    gettext_noop("入党介绍人（党员编号）"),
    # forms/schemas/member_development/consent.json
    gettext_noop("上级党委备案或同意"),
    # forms/schemas/member_development/conversion_application.json
    gettext_noop("转正申请"),
    # forms/schemas/member_development/conversion_vote.json
    gettext_noop("支部大会讨论预备党员转正"),
    gettext_noop("按期转为正式党员"),
    gettext_noop("延长预备期（月）"),
    # forms/schemas/member_development/designate.json
    gettext_noop("支委会确定日期"),
    gettext_noop("听取党小组、培养联系人、党员和群众意见情况"),
    gettext_noop("公示开始日期"),
    gettext_noop("支委会会议记录"),
    # forms/schemas/member_development/filing.json
    gettext_noop("备案"),
    gettext_noop("备案日期"),
    gettext_noop("备注"),
    # forms/schemas/member_development/oath.json
    gettext_noop("宣誓日期"),
    gettext_noop("宣誓仪式记录"),
    # forms/schemas/member_development/placement.json
    gettext_noop("所在党小组"),
    gettext_noop("编入日期"),
    # forms/schemas/member_development/political_review.json
    gettext_noop("政治审查是否合格"),
    # forms/schemas/member_development/pre_review.json
    gettext_noop("预审日期"),
    gettext_noop("预审是否通过"),
    gettext_noop("预审意见"),
    gettext_noop("预计离开本单位日期"),
    gettext_noop("入党志愿书编号"),
    # forms/schemas/member_development/review_record.json
    gettext_noop("培养教育考察情况"),
    gettext_noop("考察情况"),
    # forms/schemas/member_development/select_activist.json
    gettext_noop("推荐方式"),
    gettext_noop("群团组织推优"),
    # forms/schemas/member_development/supervise.json
    gettext_noop("逾期督办"),
    gettext_noop("督办意见"),
    # forms/schemas/member_development/talk.json
    gettext_noop("谈话记录"),
    gettext_noop("谈话日期"),
    gettext_noop("谈话人"),
    gettext_noop("谈话情况"),
    # forms/schemas/member_development/training.json
    gettext_noop("培训开始日期"),
    gettext_noop("培训结束日期"),
    gettext_noop("培训学时"),
    gettext_noop("结业证书编号"),
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
    # bpmn/model_branch_evaluation.bpmn
    gettext_noop("服务型党支部示范点评估"),
    gettext_noop("学院党委启动示范点评估"),
    gettext_noop("支部对照标准自评"),
    gettext_noop("学院党委逐项审核"),
    gettext_noop("是否退回补充"),
    gettext_noop("补充佐证材料"),
    gettext_noop("满意度测评"),
    gettext_noop("保存满意度测评结果"),
    gettext_noop("学校党委评审决定"),
    gettext_noop("公布评估结果"),
    gettext_noop("评估结束"),
    gettext_noop("退回补充"),
    gettext_noop("审核完成"),
    gettext_noop("支部自评"),
    gettext_noop("学院党委审核"),
    gettext_noop("补充材料"),
    gettext_noop("学校党委评审"),
    # forms/schemas/model_branch_evaluation/college_review.json
    gettext_noop("各支部审核意见"),
    gettext_noop("党支部"),
    gettext_noop("佐证不足的内容（其余内容视为通过）"),
    gettext_noop("具体内容"),
    gettext_noop("意见"),
    gettext_noop("退回补充（仅限一次）"),
    # forms/schemas/model_branch_evaluation/complete_items.json
    gettext_noop("补充的内容"),
    gettext_noop("佐证材料（本支部流程中已有的文件）"),
    gettext_noop("补充说明"),
    # forms/schemas/model_branch_evaluation/record_survey.json
    gettext_noop("各支部测评结果（只填各等次票数）"),
    gettext_noop("测评日期"),
    gettext_noop("票数"),
    gettext_noop("非常满意"),
    gettext_noop("满意"),
    gettext_noop("基本满意"),
    gettext_noop("不满意"),
    # forms/schemas/model_branch_evaluation/school_decision.json
    gettext_noop("评审日期"),
    gettext_noop("文号"),
    gettext_noop("各支部评审结论"),
    gettext_noop("结论（确定为示范点/反馈改进）"),
    gettext_noop("评审意见"),
    # forms/schemas/model_branch_evaluation/self_assessment.json
    gettext_noop("逐项标准自评"),
    gettext_noop("标准"),
    gettext_noop("自评（达标/部分达标/未达标）"),
    gettext_noop("自评说明"),
    gettext_noop("各项佐证"),
    gettext_noop("说明"),
]
