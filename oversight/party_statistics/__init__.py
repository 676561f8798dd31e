"""党内统计 (annual Party statistics): the tables a university files, computed from the records for
any cut-off date (`tables`), the consistency checks run on every computation (`checks`), each
cell's people, the Excel and PDF export (`export`) and the filed, frozen tables (`services`).
Rules: ../shared/domain/statistics-and-dues.md, Part A (S1–S9, C1–C5). Tables are keyed by name,
never by the edition's number (numbering changes between editions); the DT-2017 number is a label.

Named `party_statistics`, not `statistics`: the standard library owns that name."""
