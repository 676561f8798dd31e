"""Writes to cases, tasks, timers, documents and delegations, one module per concern. Every change
to a case's workflow state is one transaction: lock the case row, restore, step, save tasks/timers/
state, write the audit event — all or nothing (`state`, which the others go through).

  deploy      process versions from `bpmn/`                  (process_deploy)
  cases       start, adopted history and flags, cancel, an auditor's reads
  tasks       claim, unclaim, complete
  timers      fire due timers, one case or a batch            (the Celery workers, the sweep)
  documents   evidence uploaded to a case, and the check that a form cites only its own
  delegation  a holder's tasks handed to a colleague for a period
  state       the locked case row, its restored workflow, a step mirrored into rows and saved

The public services are importable from here (`from workflows.services import case_start`), as
before the split; the helpers in `state` are imported from `workflows.services.state`.
"""

from .cases import (
    IMPORT_KEYS,
    case_access_record,
    case_cancel,
    case_flag,
    case_history_import,
    case_move,
    case_start,
    case_start_in_scope,
    cases_history_import,
    cases_start_many,
)
from .delegation import delegation_create, delegation_revoke
from .deploy import process_deploy
from .documents import document_upload, documents_check
from .tasks import task_claim, task_complete, task_unclaim
from .timers import (
    due_case_ids,
    timer_batches,
    timer_fire_case,
    timer_fire_one,
    timers_fire_batch,
    timers_run,
)

__all__ = [
    "IMPORT_KEYS",
    "case_access_record",
    "case_cancel",
    "case_move",
    "case_flag",
    "case_history_import",
    "case_start",
    "cases_history_import",
    "cases_start_many",
    "case_start_in_scope",
    "delegation_create",
    "delegation_revoke",
    "document_upload",
    "documents_check",
    "due_case_ids",
    "process_deploy",
    "task_claim",
    "task_complete",
    "task_unclaim",
    "timer_batches",
    "timer_fire_case",
    "timer_fire_one",
    "timers_fire_batch",
    "timers_run",
]
