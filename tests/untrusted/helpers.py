"""Workbooks the hostile-upload tests share: a zip bomb, a million-row sheet, malformed XML."""

import io
import zipfile

from openpyxl import Workbook


def _base(title: str = "党费") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(["党员", "月份", "金额", "缴纳日期"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _with_sheet(
    sheet: bytes | None = None, *, stream=None, declared=None, title: str = "党费"
) -> bytes:
    """The base workbook with its first sheet's XML replaced by `sheet` (or the chunks of
    `stream`, compressed as they come)."""
    src = zipfile.ZipFile(io.BytesIO(_base(title)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info, data)
            elif stream is None:
                dst.writestr(info.filename, sheet)
            else:
                with dst.open(info.filename, "w", force_zip64=True) as f:
                    for chunk in stream:
                        f.write(chunk)
    return out.getvalue()


HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
    b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)


TAIL = b"</sheetData></worksheet>"


def zip_bomb(gigabytes: float = 1.0) -> bytes:
    """A sheet of 1 GB of spaces (packs to about 1 MB)."""
    block = b" " * (1 << 24)

    def chunks():
        yield HEAD
        for _ in range(int(gigabytes * 64)):
            yield block
        yield TAIL

    return _with_sheet(stream=chunks())


def million_rows() -> bytes:
    def chunks():
        yield HEAD
        for start in range(1, 1_000_001, 10_000):
            yield b"".join(
                b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i)
                for i in range(start, start + 10_000)
            )
        yield TAIL

    return _with_sheet(stream=chunks())


def malformed(title: str = "党费") -> bytes:
    """A workbook whose sheet `title` breaks off inside its first row."""
    return _with_sheet(
        HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c', title=title
    )


MALFORMED = malformed()
