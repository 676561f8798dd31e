"""Writes: storing a generated document as a case document (evidence), its sha256 in the case's
audit chain together with the template that made it."""

from __future__ import annotations

from django.core.files.base import ContentFile

from workflows.models import Case, Document
from workflows.services import document_upload

from .render import Generated


def generated_document_store(*, actor, case: Case, generated: Generated) -> Document:
    """Attach `generated` to `case` through `workflows.services.document_upload` (same permission:
    those who act on the case; same size and type checks; one audit event). The event records the
    document kind, the template's name, source (shipped/override) and sha256."""
    file = ContentFile(generated.content, name=generated.filename)
    provenance = {
        "kind": generated.kind,
        "template": generated.template.name,
        "template_source": generated.template.source,
        "template_sha256": generated.template.sha256,
    }
    description = f"{generated.label}（模板 {generated.template.name} sha256:{generated.template.sha256[:12]}）"
    return document_upload(
        actor=actor, case=case, file=file, description=description, provenance=provenance
    )
