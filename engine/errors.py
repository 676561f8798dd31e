"""Typed domain errors. One base class; the API maps each to `{code, message, fields}` with its status.

A user's mistake is a 400 naming the field and the rule; a conflict is a 409; something outside the
caller's scope is a 404 exactly like a missing object.
"""

from .i18n import _


class DomainError(Exception):
    code = "error"
    status = 400
    default_message = _("请求无法完成。")

    def __init__(self, message=None, *, code=None, fields=None, **details):
        self.message = message if message is not None else self.default_message
        if code is not None:
            self.code = code
        # fields: {field_path: [message, ...]} so a form can show each error beside its field.
        self.fields = {
            k: [str(m) for m in (v if isinstance(v, (list, tuple)) else [v])]
            for k, v in (fields or {}).items()
        }
        self.details = details
        super().__init__(str(self.message))

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "message": str(self.message),
            "fields": self.fields,
            **({"details": self.details} if self.details else {}),
        }


class ValidationFailed(DomainError):
    code = "validation_failed"
    default_message = _("提交的数据不符合要求。")


class RuleViolation(ValidationFailed):
    """A procedural rule (quorum, margin, time rule) refuses the submission; `code` names the rule."""

    code = "rule_violation"


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _("对象不存在。")


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    default_message = _("您无权执行此操作。")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = _("操作与当前状态冲突，请刷新后重试。")


class BpmnError(DomainError):
    """A BPMN file failed to parse or validate, or a workflow step failed: carries file and element id."""

    code = "bpmn_error"
    status = 500

    def __init__(self, message, *, file=None, element_id=None, line=None, code=None):
        super().__init__(message, code=code, file=file, element_id=element_id, line=line)
        self.file, self.element_id, self.line = file, element_id, line

    def __str__(self):
        where = ", ".join(
            f"{k}={v}"
            for k, v in (("file", self.file), ("element", self.element_id), ("line", self.line))
            if v
        )
        return f"{self.message} ({where})" if where else str(self.message)


class BpmnParseError(BpmnError):
    code = "bpmn_parse_error"


class WorkflowStepError(BpmnError):
    code = "workflow_step_error"


class ScriptRefused(WorkflowStepError):
    """An expression tried something outside the restricted script environment."""

    code = "script_refused"


class CalendarUnavailable(DomainError):
    """The business calendar has no holiday data for a date (or its supplementary file is broken):
    working days are not guessed."""

    code = "calendar_unavailable"
    status = 503
