"""Hostile workbooks (issue 26): a zip bomb, a million-row sheet, a lying zip directory and malformed
XML are refused by the one reader (`untrusted.workbook`) within a second, with bounded memory, as a
400 naming the file — through the onboarding import, the records import and the pages alike."""

import datetime as dt
import io
import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.reader.strings import read_string_table

from untrusted.workbook import Limits, WorkbookRefused, open_workbook, read_shared_strings

from .helpers import HEAD, MALFORMED, TAIL, _base, _with_sheet, million_rows, zip_bomb

ROOT = Path(__file__).resolve().parents[2]


def lying_directory() -> bytes:
    """A sheet of 50 MB whose zip directory and local header declare 1 KB unpacked."""
    data = bytearray(_with_sheet(HEAD + b" " * (50 << 20) + TAIL))
    name = b"xl/worksheets/sheet1.xml"
    # local file header: signature, ..., uncompressed size at offset 22 (4 bytes) before the name
    for sig, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = 0
        while (pos := data.find(sig, pos)) >= 0:
            name_at = pos + (30 if sig == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                data[pos + size_at : pos + size_at + 4] = struct.pack("<I", 1024)
            pos += 4
    return bytes(data)


def _refused(content: bytes, name="hostile.xlsx", **limits):
    with pytest.raises(WorkbookRefused) as err:
        wb = open_workbook(
            io.BytesIO(content), name=name, limits=Limits(**limits) if limits else Limits()
        )
        for ws in wb.worksheets:
            for _row in ws.iter_rows(values_only=True):
                pass
    assert name in str(err.value.message) and err.value.fields.get("file"), err.value.as_dict()
    return err.value


def test_a_zip_bomb_is_refused_from_the_declared_sizes():
    e = _refused(zip_bomb())
    assert "解压后" in str(e.message) and e.code == "workbook_refused"


def test_a_million_row_sheet_is_refused_at_the_row_limit():
    e = _refused(million_rows())
    assert "行超过 100000 个上限" in str(e.message), e.message


def test_a_zip_directory_that_lies_about_sizes_is_refused_while_reading():
    e = _refused(lying_directory(), unpacked_bytes=10 << 20)
    assert e.code in ("workbook_refused", "workbook_unreadable")


def test_malformed_xml_is_a_refusal_naming_the_file():
    e = _refused(MALFORMED, name="坏文件.xlsx")
    assert e.code == "workbook_unreadable" and "XML" in str(e.message)


def test_columns_and_cells_per_sheet_are_limited():
    row = b'<row r="1">' + b"".join(b"<c><v>1</v></c>" for _ in range(300)) + b"</row>"
    assert "列超过 200 个上限" in str(_refused(_with_sheet(HEAD + row + TAIL)).message)
    many = b"".join(b"<row><c><v>1</v></c><c><v>2</v></c></row>" for _ in range(60))
    assert "单元格超过 100 个上限" in str(
        _refused(_with_sheet(HEAD + many + TAIL), cells=100).message
    )


def test_an_ordinary_workbook_reads_as_before():
    wb = open_workbook(io.BytesIO(_base()), name="ok.xlsx")
    assert [list(r) for r in wb["党费"].iter_rows(values_only=True)] == [
        ["党员", "月份", "金额", "缴纳日期"]
    ]


SHARED_STRINGS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="7" uniqueCount="7">'
    "<si><t>党员</t></si>"
    '<si><t xml:space="preserve"> 张 三 </t></si>'
    "<si><t/></si>"
    '<si><r><rPr><b/></rPr><t>软件</t></r><r><t xml:space="preserve">工程 </t></r><r><t/></r></si>'
    '<si><t>前</t><r><t>后</t></r><rPh sb="0" eb="1"><t>ruan</t></rPh></si>'
    "<si><t>_x005F_x000D_ 与 x005F_</t></si>"
    "<si><t>2024年9月1日</t></si>"
    "</sst>"
).encode()


def test_shared_strings_read_as_openpyxl_reads_them():
    expected = read_string_table(io.BytesIO(SHARED_STRINGS))
    assert expected == ["党员", " 张 三 ", "", "软件工程 ", "前后", "_x000D_ 与 ", "2024年9月1日"]
    assert read_shared_strings(io.BytesIO(SHARED_STRINGS)) == expected


@pytest.mark.parametrize("write_only", [False, True])
def test_a_sheet_reads_as_openpyxl_reads_it_with_or_without_its_dimension(write_only):
    """Excel writes a sheet's `<dimension>`, openpyxl's write-only mode (our exports, the template)
    does not: the size is read from it when it is there and left unknown otherwise, as openpyxl
    does, without parsing the sheet twice; its cells, inline strings and rich text among them, read
    as openpyxl reads them."""
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("党员") if write_only else wb.active
    if not write_only:
        ws.title = "党员"
    rich = CellRichText(["软件", TextBlock(InlineFont(b=True), "工程"), " 系"])
    for row in (
        ["学工号", "姓名", "入党日期", "支部", "学时", "是否流动党员"],
        ["T1101", "张三", dt.date(2001, 7, 1), rich, 24, True],
        ["T1102", "李四", None, "", 2.5, False],
    ):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    theirs = load_workbook(io.BytesIO(buf.getvalue()), read_only=True, data_only=True)["党员"]
    ours = open_workbook(io.BytesIO(buf.getvalue()), name="w.xlsx")["党员"]
    assert ours.max_row == theirs.max_row == (None if write_only else 3)
    rows = [list(r) for r in ours.iter_rows(values_only=True)]
    assert rows == [list(r) for r in theirs.iter_rows(values_only=True)]
    assert rows[1] == ["T1101", "张三", dt.datetime(2001, 7, 1), "软件工程 系", 24, True]


# Peak RSS of the parse, in a fresh process: VmHWM (this process's high-water mark), since
# getrusage's ru_maxrss carries over the forking parent's (pytest's) peak across exec on Linux.
PROBE = r"""
import json, sys, time
from untrusted.workbook import WorkbookRefused, open_workbook

def peak_kb():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmHWM:"))

path = sys.argv[1]
before = peak_kb()
t0 = time.perf_counter()
try:
    wb = open_workbook(path, name="hostile.xlsx")
    for ws in wb.worksheets:
        for _ in ws.iter_rows(values_only=True):
            pass
    outcome = "read"
except WorkbookRefused as e:
    outcome = e.code
seconds = time.perf_counter() - t0
after = peak_kb()
print(json.dumps({"outcome": outcome, "seconds": seconds, "peak_kb": after, "grew_kb": after - before}))
"""


@pytest.mark.parametrize("make", [zip_bomb, million_rows, lying_directory])
def test_a_hostile_workbook_is_refused_within_a_second_in_bounded_memory(tmp_path, make):
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(make())
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    measured = json.loads(result.stdout)
    print(make.__name__, measured)
    assert measured["outcome"].startswith("workbook_"), measured
    assert measured["seconds"] < 1.0, measured
    assert measured["grew_kb"] < 50 * 1024, measured  # peak RSS grew by less than 50 MB
