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
