"""The one reader of uploaded workbooks (.xlsx): the onboarding import, the records import (dues,
attendance and the other record sheets) read every file through `open_workbook`.

An .xlsx is a zip of XML files, so a few kilobytes can unpack to gigabytes (a zip bomb) and a small
file can declare a million rows. Limits are checked before anything is unpacked and again while
reading, so a hostile file is refused in well under a second with bounded memory:

1. before unpacking, from the zip's directory: the number of entries, the total of the declared
   unpacked sizes, and each entry's compression ratio;
2. before parsing, one streaming pass over each worksheet and the shared strings counts rows, cells
   and strings from the raw bytes (no tree is built), refusing as soon as a count is over;
3. while reading, every byte unpacked is counted against the total (a zip whose directory lies is
   caught here), and every row yielded against the rows, columns and cells of its sheet.

Malformed XML, a broken zip or a file that is not a workbook at all is a 400 naming the file
(`workbook_unreadable`), never a 500. openpyxl reads in read-only (streaming) mode.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from openpyxl.cell.read_only import EMPTY_CELL
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import INLINE_STRING, WorkSheetParser
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from engine.errors import ValidationFailed
from engine.i18n import _

CHUNK = 1 << 20


@dataclass(frozen=True)
class Limits:
    """What one uploaded workbook may hold. The largest real file (bench/onboarding: 30,000
    members, 1,500 organizations, 2,000 ledger rows) unpacks to about 20 MB."""

    entries: int = 2_000
    unpacked_bytes: int = 200 * 1024 * 1024
    # Unpacked / packed for one entry: worksheet XML compresses 5–20×, a zip bomb 1,000× and more.
    ratio: int = 200
    rows: int = 100_000
    columns: int = 200
    cells: int = 2_000_000
    shared_strings: int = 1_000_000


LIMITS = Limits()
# Worst-case packed size of entries too small to judge by ratio.
RATIO_FROM_BYTES = 1024 * 1024


class WorkbookRefused(ValidationFailed):
    code = "workbook_refused"


def _refused(name: str, why: str, code: str = "workbook_refused") -> WorkbookRefused:
    return WorkbookRefused(
        _("工作簿“%(file)s”被拒绝：%(why)s") % {"file": name, "why": why},
        code=code,
        fields={"file": [why]},
        file=name,
    )


def _unreadable(name: str, why: str) -> WorkbookRefused:
    return _refused(name, why, code="workbook_unreadable")


class _Budget:
    """Unpacked bytes left for the whole workbook, shared by every entry opened."""

    def __init__(self, name: str, limit: int):
        self.name, self.left, self.limit = name, limit, limit

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise _refused(
                self.name,
                str(_("解压后超过 %(mb)s MB") % {"mb": self.limit // (1024 * 1024)}),
            )


class _CountingEntry:
    """A zip entry opened for reading: each byte unpacked is spent from the budget."""

    def __init__(self, raw, budget: _Budget):
        self._raw, self._budget = raw, budget

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            parts = []
            while chunk := self.read(CHUNK):
                parts.append(chunk)
            return b"".join(parts)
        data = self._raw.read(min(n, CHUNK))
        self._budget.spend(len(data))
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._raw.close()

    def __enter__(self):  # noqa: ANN204
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _CountingZip(zipfile.ZipFile):
    budget: _Budget

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):  # noqa: ANN201
        raw = super().open(name, mode, pwd, force_zip64=force_zip64)
        return _CountingEntry(raw, self.budget) if mode == "r" else raw


def _check_directory(archive: zipfile.ZipFile, name: str, limits: Limits) -> None:
    infos = archive.infolist()
    if len(infos) > limits.entries:
        raise _refused(name, str(_("压缩包内文件过多（%(n)s 个）") % {"n": len(infos)}))
    total = sum(i.file_size for i in infos)
    if total > limits.unpacked_bytes:
        raise _refused(
            name,
            str(
                _("解压后 %(mb)s MB，超过 %(limit)s MB 的上限")
                % {"mb": total // (1024 * 1024), "limit": limits.unpacked_bytes // (1024 * 1024)}
            ),
        )
    for i in infos:
        if i.file_size > RATIO_FROM_BYTES and i.file_size > limits.ratio * max(i.compress_size, 1):
            raise _refused(
                name,
                str(
                    _("压缩比异常（%(entry)s：%(ratio)s 倍），疑为压缩炸弹")
                    % {"entry": i.filename, "ratio": i.file_size // max(i.compress_size, 1)}
                ),
            )


def _prescan(archive: _CountingZip, name: str, limits: Limits) -> None:
    """Count rows and cells of every worksheet, and the shared strings, from the raw XML bytes."""
    for entry in archive.namelist():
        if entry.startswith("xl/worksheets/") and entry.endswith(".xml"):
            counts = {b"<row": limits.rows, b"<c": limits.cells}
        elif entry == "xl/sharedStrings.xml":
            counts = {b"<si": limits.shared_strings}
        else:
            continue
        seen = dict.fromkeys(counts, 0)
        tail = b""
        with archive.open(entry) as src:
            while chunk := src.read(CHUNK):
                data = tail + chunk
                for tag, limit in counts.items():
                    # "<row" / "<c" / "<si" followed by a space or ">" (not "<cols", "<sheetData").
                    seen[tag] += data.count(tag + b" ") + data.count(tag + b">")
                    if seen[tag] > limit:
                        raise _refused(name, _over(entry, tag, limit))
                # A tag cut by the chunk boundary is counted in the next round: keep its start.
                cut = data.rfind(b"<", max(len(data) - 8, 0))
                tail = data[cut:] if cut >= 0 else b""
                # Do not count the kept bytes twice.
                for tag in counts:
                    seen[tag] -= tail.count(tag + b" ") + tail.count(tag + b">")


def _over(entry: str, tag: bytes, limit: int) -> str:
    what = {b"<row": _("行"), b"<c": _("单元格"), b"<si": _("共享字符串")}[tag]
    where = entry.rsplit("/", 1)[-1]
    return str(
        _("%(where)s 的%(what)s超过 %(n)s 个上限") % {"where": where, "what": what, "n": limit}
    )


class LimitedSheet:
    """A read-only worksheet whose rows are counted as they are read."""

    def __init__(self, ws, name: str, limits: Limits):
        self._ws, self._name, self._limits = ws, name, limits
        self.title = ws.title

    @property
    def max_row(self) -> int | None:
        return self._ws.max_row

    def iter_rows(self, *args, **kwargs):  # noqa: ANN201 - a generator of rows (cells or values)
        limits, rows, cells = self._limits, 0, 0
        try:
            for row in self._ws.iter_rows(*args, **kwargs):
                rows += 1
                cells += len(row)
                if rows > limits.rows:
                    raise _refused(self._name, _sheet_over(self.title, _("行"), limits.rows))
                if len(row) > limits.columns:
                    raise _refused(self._name, _sheet_over(self.title, _("列"), limits.columns))
                if cells > limits.cells:
                    raise _refused(self._name, _sheet_over(self.title, _("单元格"), limits.cells))
                yield row
        except _READ_ERRORS as exc:
            raise _unreadable(self._name, _xml_problem(exc)) from None


def _sheet_over(title: str, what: str, limit: int) -> str:
    return str(
        _("工作表“%(sheet)s”的%(what)s超过 %(n)s 个上限")
        % {"sheet": title, "what": what, "n": limit}
    )


class LimitedWorkbook:
    def __init__(self, wb, name: str, limits: Limits):
        self._wb = wb
        self.worksheets = [LimitedSheet(ws, name, limits) for ws in wb.worksheets]
        self.sheetnames = [ws.title for ws in self.worksheets]

    def __getitem__(self, title: str) -> LimitedSheet:
        return next(ws for ws in self.worksheets if ws.title == title)

    def close(self) -> None:
        self._wb.close()


_READ_ERRORS = (
    ParseError,
    SyntaxError,  # lxml's XMLSyntaxError derives from it
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    InvalidFileException,
    OSError,
)


def _xml_problem(exc: BaseException) -> str:
    if isinstance(exc, (ParseError, SyntaxError)):
        return str(_("内容格式错误（XML 无法解析）"))
    return str(_("不是有效的 Excel（.xlsx）工作簿"))


_SI, _T, _R, _DIMENSION, _SHEET_DATA = (
    f"{{{SHEET_MAIN_NS}}}{tag}" for tag in ("si", "t", "r", "dimension", "sheetData")
)


def read_shared_strings(src) -> list[str]:
    """The shared strings as openpyxl's `read_string_table` reads them (an item's text, then its
    runs' texts, phonetic hints left out, `_x005F_` unescaped the same way), without building its
    `Text` object per item: that was ≈ 0.1 ms a string, ≈ 7 s of CPU for the 66,000 strings of a
    30,000-member workbook. Same parser as openpyxl's (defusedxml's when installed)."""
    strings = []
    for _event, node in iterparse(src):
        if node.tag == _SI:
            strings.append(_text(node).replace("x005F_", ""))
            node.clear()
    return strings


def _text(node) -> str:
    """A string item's text as openpyxl's `Text(...).content`: its `<t>`, then its runs' `<t>`."""
    t = node.find(_T)
    parts = [t.text] if t is not None and t.text is not None else []
    parts += [rt.text for rt in node.iterfind(f"{_R}/{_T}") if rt.text is not None]
    return "".join(parts)


class _SheetParser(WorkSheetParser):
    def parse_cell(self, element) -> dict:
        """openpyxl's, but an inline string (how openpyxl's write-only mode writes every string:
        our exports, the template) read by `_text` instead of an openpyxl `Text` object per cell:
        reading a 30,000-member sheet took ≈ 40 % less CPU."""
        if element.get("t") == "inlineStr" and self.data_only and not self.rich_text:
            inline = element.find(INLINE_STRING)
            if inline is not None:
                element.remove(inline)  # openpyxl reads the rest: coordinate, style
                cell = super().parse_cell(element)
                cell["value"], cell["data_type"] = _text(inline), "s"
                return cell
        return super().parse_cell(element)


class _ReadOnlySheet(ReadOnlyWorksheet):
    def _get_size(self) -> None:
        """The sheet's size from its `<dimension>` (Excel writes it before the rows), as openpyxl
        reads it, but without parsing the whole sheet when there is none: openpyxl waits for the
        end of `<sheetData>`, a whole extra parse of each sheet written without a dimension (by
        openpyxl's write-only mode: our template, exports and the bench's workbooks)."""
        with self._get_source() as src:
            for _event, element in iterparse(src, events=("start",)):
                if element.tag == _DIMENSION and element.get("ref"):
                    bounds = range_boundaries(element.get("ref"))
                    self._min_column, self._min_row, self._max_column, self._max_row = bounds
                    return
                if element.tag == _SHEET_DATA:
                    return

    def _cells_by_row(self, min_col, min_row, max_col, max_row, values_only=False):
        """openpyxl 3.1's `ReadOnlyWorksheet._cells_by_row`, reading with `_SheetParser`."""
        filler = None if values_only else EMPTY_CELL
        max_col = max_col or self.max_column
        max_row = max_row or self.max_row
        empty_row = []
        if max_col is not None:
            empty_row = (filler,) * (max_col + 1 - min_col)
        counter = min_row
        idx = 1
        with self._get_source() as src:
            parser = _SheetParser(
                src,
                self._shared_strings,
                data_only=self.parent.data_only,
                epoch=self.parent.epoch,
                date_formats=self.parent._date_formats,
                timedelta_formats=self.parent._timedelta_formats,
            )
            for idx, row in parser.parse():
                if max_row is not None and idx > max_row:
                    break
                for _ in range(counter, idx):  # some rows are missing
                    counter += 1
                    yield empty_row
                if counter <= idx:
                    counter += 1
                    yield self._get_row(row, min_col, max_col, values_only)
        if max_row is not None and max_row < idx:
            for _ in range(counter, max_row + 1):
                yield empty_row


class _Reader(ExcelReader):
    def read_strings(self) -> None:
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            with self.archive.open(part.PartName[1:]) as src:
                self.shared_strings = read_shared_strings(src)

    def read_worksheets(self) -> None:
        """openpyxl's read-only branch (chart sheets have no rows to read), with `_ReadOnlySheet`."""
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                continue
            ws = _ReadOnlySheet(self.wb, sheet.name, rel.target, self.shared_strings)
            ws.sheet_state = sheet.state
            self.wb._sheets.append(ws)


def open_workbook(file, *, name: str = "", limits: Limits = LIMITS) -> LimitedWorkbook:
    """Open an uploaded workbook (a path or a binary file object) for streaming reads, or raise
    WorkbookRefused (a ValidationFailed: 400 naming `file`) when it is over a limit, broken or
    not a workbook. Rows are counted while read (`LimitedSheet.iter_rows`)."""
    name = name or os.path.basename(str(getattr(file, "name", "") or file))
    if hasattr(file, "seek"):
        file.seek(0)
    try:
        archive = _CountingZip(file)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
        raise _unreadable(name, _xml_problem(ValueError())) from None
    archive.budget = _Budget(name, limits.unpacked_bytes)
    try:
        _check_directory(archive, name, limits)
        _prescan(archive, name, limits)
        archive.budget = _Budget(name, limits.unpacked_bytes)  # the real read spends afresh
        reader = _Reader(file, read_only=True, data_only=True, keep_links=False)
        reader.archive.close()
        reader.archive, reader.valid_files = archive, archive.namelist()
        reader.read()
    except WorkbookRefused:
        archive.close()
        raise
    except _READ_ERRORS as exc:
        archive.close()
        raise _unreadable(name, _xml_problem(exc)) from None
    return LimitedWorkbook(reader.wb, name, limits)
