"""Adopting partyflow: import of an office's workbook (organization tree, roster, committees and
terms, development ledger with the cases in flight), export in the same format, and the 党内统计
figures as Excel. Report level: reads and writes through the services of the layers below."""
