"""What the document tests share: a .docx's and a PDF's text, no template tag left, a document fetched."""

import io
import subprocess

from docx import Document as Docx


def docx_text(content: bytes) -> str:
    """Every paragraph of the body and of every table cell, in order."""
    doc = Docx(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def assert_no_tags(text: str):
    assert "{{" not in text and "{%" not in text and "%}" not in text and "}}" not in text


def pdf_text(content: bytes, tmp_path, *, raw: bool = False) -> str:
    """The PDF's text without whitespace; `raw`: in the order it was drawn (a table's cells one
    after another along the row, not interleaved line by line as laid out)."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    out = subprocess.run(
        ["pdftotext", *(["-raw"] if raw else []), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return "".join(
        out.split()
    )  # table cells wrap inside narrow columns: compare without whitespace


def get_doc(client, url, status=200):
    r = client.get(url)
    assert r.status_code == status, (r.status_code, r.content[:300])
    return r


def general_meeting(u, *, content: str, resolutions: str) -> dict:
    """The body of `POST /api/meetings/` for branch A's general meeting of 2026-07-10 with every
    field the minutes print: 14:30–16:00 at 信息楼305, 甲0 chairing, 甲1 recording, a guest of
    the college, 8 of the 9 full members present and the ninth away on business (出差)."""
    return {
        "organization": u.branch_a.pk,
        "kind": "general_meeting",
        "held_on": "2026-07-10",
        "title": "第三季度支部党员大会",
        "starts_at": "14:30",
        "ends_at": "16:00",
        "place": "信息楼305",
        "chair": u.full_a[0].pk,
        "recorder": u.full_a[1].pk,
        "nonvoting_attendees": "学院党委组织员",
        "content": content,
        "resolutions": resolutions,
        "attendees": [m.pk for m in u.full_a[:8]],
        "absentees": [{"member": u.full_a[8].pk, "reason": "出差"}],
    }
