"""Cells of an export that no spreadsheet reads as a formula (OWASP, "CSV Injection"): a value
starting with `=`, `+`, `-`, `@`, a tab or a carriage return is written as text. One helper for every
Excel and CSV export, so a member named "=HYPERLINK(…)" is printed as that name, never run.

- CSV has no types: such a value is prefixed with a single quote, as OWASP recommends (Excel and
  LibreOffice show the quote-prefixed text as it was typed).
- xlsx has types: the value is kept as it is (an export the import reads back must not change a
  name), stored as a string cell (openpyxl would otherwise store "=…" as a formula) and marked
  quote-prefixed, so editing the cell in Excel keeps it text.
"""

from __future__ import annotations

from collections.abc import Iterable

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_value(value: object) -> object:
    """A CSV field as written: a formula-like string prefixed with a single quote."""
    return "'" + value if formula_like(value) else value


def csv_row(values: Iterable) -> list:
    return [csv_value(v) for v in values]


def text_cell(cell):  # noqa: ANN201 - an openpyxl Cell or WriteOnlyCell, returned for chaining
    """An openpyxl cell whose string value is stored as text (never a formula or an error code)."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if formula_like(cell.value):
            cell.quotePrefix = True
    return cell


def text_cells(worksheet) -> None:
    """Every string cell of a worksheet (not write-only) as text: called once the sheet is filled."""
    for row in worksheet.iter_rows():
        for cell in row:
            text_cell(cell)
