"""三会一课记录: the minutes of a recorded meeting."""

from __future__ import annotations

import base64

from orglife.models import Meeting, MeetingFileKind

from .common import cn_date


def _lines(text: str) -> list[str]:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines or ["（未记录）"]


def meeting_minutes(meeting: Meeting) -> dict:
    """三会一课 minutes: time, place, chair, recorder, attendance, absentees with reasons, topic,
    content, resolutions (owip pm3Meeting fields); the uploaded sign-in sheets and photos."""
    rows = list(meeting.attendance.select_related("member").order_by("member_id"))
    present = [a.member.name for a in rows if a.present]
    absent = [{"name": a.member.name, "reason": a.absence_reason} for a in rows if not a.present]
    files = list(meeting.files.order_by("-kind", "id"))  # the sign-in sheets first
    counts = [
        f"{label}{n} 张"
        for kind, label in (
            (MeetingFileKind.SIGN_IN_SHEET, "签到表"),
            (MeetingFileKind.PHOTO, "会议照片"),
        )
        if (n := sum(1 for f in files if f.kind == kind))
    ]
    evidence = "；".join(
        part
        for part in (meeting.evidence.strip(), "、".join(counts) + "（已上传）" if counts else "")
        if part
    )
    images = [
        {
            "label": f"{'签到表' if f.kind == MeetingFileKind.SIGN_IN_SHEET else '会议照片'}（{f.filename}）",
            "data_uri": f"data:{f.content_type};base64,"
            + base64.b64encode(bytes(f.content)).decode("ascii"),
        }
        for f in files
    ]
    time = cn_date(meeting.held_on)
    if meeting.starts_at:
        time += f" {meeting.starts_at:%H:%M}"
        if meeting.ends_at:
            time += f"—{meeting.ends_at:%H:%M}"
    return {
        "branch": meeting.organization.name,
        "kind": meeting.get_kind_display(),
        "title": meeting.title or meeting.get_kind_display(),
        "time": time,
        "place": meeting.place or "—",
        "chair": meeting.chair.name if meeting.chair else "—",
        "recorder": meeting.recorder.name if meeting.recorder else "—",
        "due": len(rows),
        "present": len(present),
        "attendees": present,
        "absentees": absent,
        "nonvoting": meeting.nonvoting_attendees,
        "topic": meeting.title or "—",
        "content": _lines(meeting.content),
        "resolutions": _lines(meeting.resolutions),
        "evidence": evidence,
        # The uploaded sign-in sheets and photos, each on a page of its own after the minutes
        # (the PDF; the Word form lists them under 佐证资料).
        "images": images,
        "signed_on": "　　年　　月　　日",
    }
