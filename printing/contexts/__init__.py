"""What each document says: a template context built from case and record data, never typed again.

One module per document (`member_record`, `publication_notice`, `election_request`,
`election_reply`, `election_report`, `meeting_minutes`, `review_summary`, `compliance_report`,
`transfer_letter`, `evaluation_result`),
each with a builder of the same name (the audit report's is `case_history.audit_report`, the case
history the API's HTML report prints too); what they share (Chinese dates, names beside
ids, the step a document waits for, the basics of an election) is in `common`.

The documents are Chinese office documents, filed as such whatever the reader's interface language:
their wording is plain Chinese here, not catalog messages (`printing.selectors` renders them under
zh-hans). Labels and errors of the API around them are translated as usual.

Each builder takes objects the caller has already scoped (see `printing.selectors`) and returns the
dict the template is filled with. Names, labels and dates are given as people read them (Chinese
dates, display names beside ids); nothing here writes.
"""
