"""The documents offices print, sign and file, filled from case and record data (issue 19).

A report-level package: it reads procedures' case data, `orglife` records and `oversight` reports
and renders them into Word (`.docx`, docxtpl templates in `printing/templates/`, which a university
may override) or PDF (WeasyPrint, HTML templates in `printing/templates/printing/`). It may import
procedures, oversight and workflows, never `api`.
"""
