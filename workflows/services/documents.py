"""Documents (evidence): files uploaded to a case, and the check that a form refers only to its
case's documents."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from engine.errors import Forbidden, ValidationFailed
from engine.i18n import _
from organizations.selectors import organizations_manageable
from untrusted.uploads import upload_read

from .. import audit
from ..assignment import acting_for
from ..models import Case, Document, Task, TaskStatus
from . import state


def documents_check(*, case_id: int, ids, field: str = "document_ids") -> None:
    """Evidence a form refers to must be documents uploaded to this case (POST /api/cases/{id}/documents/);
    an unknown id, or another case's, is refused naming the field and the ids."""
    if not ids:
        return
    if not isinstance(ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ids
    ):
        raise ValidationFailed(
            _("附件编号须为整数列表。"), code="form_invalid", fields={field: [_("须为整数列表")]}
        )
    known = set(Document.objects.filter(case_id=case_id, pk__in=ids).values_list("pk", flat=True))
    unknown = {"ids": ", ".join(str(i) for i in ids if i not in known)}
    if unknown["ids"]:
        raise ValidationFailed(
            _("附件 %(ids)s 不是本流程上传的文件。") % unknown,
            code="document_not_in_case",
            fields={field: [_("未上传到本流程：%(ids)s") % unknown]},
        )


def document_upload(
    *,
    actor,
    case: Case,
    file,
    task: Task | None = None,
    description: str = "",
    provenance: dict | None = None,
) -> Document:
    """Attach a file to a case (optionally to one of its tasks) and record it in the case's audit chain.

    `file`: a Django UploadedFile (or anything with .name, .size and .read()). Refused with 400 naming
    the field when it is empty, larger than PARTYFLOW["UPLOAD_MAX_BYTES"], or its content (sniffed
    from the magic bytes, never the client's Content-Type) is not in PARTYFLOW["UPLOAD_CONTENT_TYPES"].
    Allowed to those who act on the case: a holder (or delegate) of one of its open tasks, or a role
    that may start procedures in its organization (not auditors, not ordinary members).
    `provenance`: how a generated file was made (e.g. the template and its sha256), hashed into the
    audit event with the file's own sha256."""
    import hashlib

    conf = settings.PARTYFLOW
    if task is not None and task.case_id != case.pk:
        raise ValidationFailed(
            _("任务不属于该流程。"), code="task_not_in_case", fields={"task": [_("不属于该流程")]}
        )
    acts = organizations_manageable(actor).filter(pk=case.organization_id).exists()
    if not acts:
        for open_task in case.tasks.filter(status=TaskStatus.OPEN):
            try:
                acting_for(actor, open_task)
                acts = True
                break
            except Forbidden:
                continue
    if not acts:
        raise Forbidden(_("只有办理该流程的人可以上传文件。"), code="document_upload_not_allowed")
    upload = upload_read(
        file,
        accepted=conf["UPLOAD_CONTENT_TYPES"],
        accepted_text=str(_("PDF、PNG、JPEG、Word（docx）、Excel（xlsx）")),
    )
    content, filename = upload.content, upload.filename
    with transaction.atomic():
        case = state.locked_case(case.pk).get()
        doc = Document.objects.create(
            case=case,
            task=task,
            filename=filename,
            content_type=upload.content_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            description=(description or "")[:500],
            content=content,
            uploaded_by=actor,
        )
        audit.append(
            action="document_uploaded",
            actor=actor,
            case=case,
            task=task,
            data={
                "document": doc.pk,
                "filename": filename,
                "content_type": upload.content_type,
                "size": doc.size,
                "sha256": doc.sha256,
                "description": doc.description,
                **({"provenance": provenance} if provenance else {}),
            },
        )
    return doc
