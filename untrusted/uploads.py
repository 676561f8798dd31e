"""The one reader of uploaded evidence files (a case's documents, a meeting's photos and sign-in
sheets): present, not empty, no larger than `PARTYFLOW["UPLOAD_MAX_BYTES"]`, and of a type that is
sniffed from the file's magic bytes (`filetype`), never taken from the client's name or
Content-Type. Each refusal is a 400 naming the field."""

from __future__ import annotations

from dataclasses import dataclass

import filetype
from django.conf import settings

from engine.errors import ValidationFailed
from engine.i18n import _

# A meeting's photos and sign-in sheets: images only (a scanned or photographed sheet).
IMAGE_TYPES = ("image/png", "image/jpeg")


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes
    content_type: str


def upload_read(
    file, *, accepted: tuple[str, ...] | list[str], accepted_text: str, field: str = "file"
) -> Upload:
    """`file` (a Django UploadedFile, or anything with .name, .size and .read()) read and checked:
    `file_required`, `file_too_large`, `file_empty`, or `file_type_not_allowed` (the sniffed type
    not in `accepted`; `accepted_text` says in words what is, e.g. "PNG、JPEG")."""
    if file is None:
        raise ValidationFailed(_("请选择文件。"), code="file_required", fields={field: [_("必填")]})
    limit = settings.PARTYFLOW["UPLOAD_MAX_BYTES"]
    if file.size > limit:
        raise ValidationFailed(
            _("文件超过大小上限 %(mb)s MB。") % {"mb": round(limit / 1048576, 1)},
            code="file_too_large",
            fields={field: [_("不得超过 %(n)s 字节") % {"n": limit}]},
        )
    content = file.read()
    if not content:
        raise ValidationFailed(_("文件为空。"), code="file_empty", fields={field: [_("文件为空")]})
    kind = filetype.guess(content)
    if kind is None or kind.mime not in accepted:
        raise ValidationFailed(
            _("不接受该文件类型（按文件内容识别为 %(t)s）；只接受 %(ok)s。")
            % {"t": kind.mime if kind else _("未知"), "ok": accepted_text},
            code="file_type_not_allowed",
            fields={field: [_("只接受 %(ok)s") % {"ok": accepted_text}]},
        )
    filename = (getattr(file, "name", "") or "file").replace("\\", "/").rsplit("/", 1)[-1][:255]
    return Upload(filename=filename, content=content, content_type=kind.mime)
