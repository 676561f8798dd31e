"""How large a request body may be, for the API and the pages alike."""

from __future__ import annotations

from django.conf import settings


def body_limit(request) -> int:
    """Uploads (multipart) may carry a file up to the upload limit (`PARTYFLOW["MAX_BODY_BYTES"]`);
    any other body is held in memory and parsed whole, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE
    applies."""
    if request.content_type == "multipart/form-data":
        return settings.PARTYFLOW["MAX_BODY_BYTES"]
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE
