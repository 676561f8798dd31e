"""Reading what people and their files send, before any of it reaches a service or the database:
the characters text may hold (`text`), the values a page's parameters may take (`params`), the
workbooks an office uploads (`workbook`), and the cells an export writes (`cells`). No Django
models here: every layer above, API and pages alike, imports the same rules."""
