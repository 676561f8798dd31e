"""The actions an audit event records (`AuditEvent.action`), with the one label people read for each:
the API's history, the web pages' timelines and the printed audit report all take it from here.

The services write the codes (`workflows.audit.append(action=...)`); a code with no member here
still reads as itself (`action_label`), so a history written before a rename stays readable.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    # cases and their tasks (workflows.services)
    CASE_STARTED = "case_started", _("发起流程")
    CASE_CANCELLED = "case_cancelled", _("撤销流程")
    CASE_MOVED = "case_moved", _("流程随组织关系转接移交")
    TASK_CLAIMED = "task_claimed", _("认领任务")
    TASK_UNCLAIMED = "task_unclaimed", _("放弃认领任务")
    TASK_COMPLETED = "task_completed", _("办理完成")
    TASK_COMPLETION_REFUSED = "task_completion_refused", _("提交被拒绝（期限已过）")
    EFFECT_APPLIED = "effect_applied", _("系统记录办理结果")
    TIMERS_FIRED = "timers_fired", _("期限到达")
    TIMER_FAILED = "timer_failed", _("定时处理失败")
    DOCUMENT_UPLOADED = "document_uploaded", _("上传附件")
    DELEGATION_CREATED = "delegation_created", _("委托他人办理")
    DELEGATION_REVOKED = "delegation_revoked", _("撤销委托")
    # a case's history imported from an office's workbook (onboarding)
    STEP_IMPORTED = "step_imported", _("导入历史步骤")
    IMPORT_VIOLATION_FLAGGED = "import_violation_flagged", _("标记导入记录中的违规")
    # procedures
    MEASUREMENT_BALLOT_CAST = "measurement_ballot_cast", _("提交民主测评票")
    OBLIGATION_SUBMITTED = "obligation_submitted", _("提交考察记录或思想汇报")
    MODEL_BRANCH_DESIGNATED = "model_branch_designated", _("确定为示范点")
    MODEL_BRANCH_FEEDBACK_GIVEN = "model_branch_feedback_given", _("反馈改进意见")
    WEAK_BRANCH_IDENTIFICATION = "weak_branch_identification", _("排查软弱涣散党支部")
    # records of an organization (orglife.services)
    MEETING_RECORDED = "meeting_recorded", _("登记组织生活")
    MEETING_FILE_UPLOADED = "meeting_file_uploaded", _("上传会议照片或签到表")
    DUES_RECORDED = "dues_recorded", _("登记党费")
    DUES_ASSESSED = "dues_assessed", _("核定党费基数")
    DUES_RELIEF_REQUESTED = "dues_relief_requested", _("申请少交或免交党费")
    DUES_RELIEF_DECIDED = "dues_relief_decided", _("审批少交或免交党费")
    VOLUNTEER_SERVICE_RECORDED = "volunteer_service_recorded", _("登记志愿服务")
    TRAINING_RECORDED = "training_recorded", _("登记培训")
    PAIRING_RECORDED = "pairing_recorded", _("登记结对联系")
    SATISFACTION_SURVEY_RECORDED = "satisfaction_survey_recorded", _("登记满意度测评")
    # the web pages' saved filters (web.services)
    SAVED_FILTER_CREATED = "saved_filter_created", _("保存筛选")
    SAVED_FILTER_DELETED = "saved_filter_deleted", _("删除保存的筛选")
    SAVED_FILTER_HIDDEN = "saved_filter_hidden", _("隐藏共享的筛选")
    SAVED_FILTER_SHOWN = "saved_filter_shown", _("恢复显示共享的筛选")


def action_label(code: str) -> str:
    """The label of an audit action in the active language; the code itself when it has none."""
    try:
        return str(AuditAction(code).label)
    except ValueError:
        return code
