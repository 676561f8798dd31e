"""The regulation articles a step's BPMN documentation cites: one pattern, read by the task's guide
(`api`: "DEV-2014 第5—6条") and by the task page (`web`: "《中国共产党发展党员工作细则》第5—6条").

A citation is a source code ("DEV-2014", "BRANCH-2018", "CONST", "XYTC"), optionally followed by a
unit ("Art.", "Ch.", "§") and its numbers ("5", "5-6", "3, 5", "4-8/4-9", "11 and 12")."""

import re
from collections.abc import Iterator

CITATION = re.compile(
    r"\b(?P<source>[A-Z]+(?:-\d{4})?)\b"
    r"(?:\s*(?P<unit>Art\.|Ch\.|§)\s*"
    r"(?P<numbers>(?P<first>\d+(?: *- *\d+)?)[\d\-/, ]*(?:and \d+)?))?"
)


def citations(documentation: str | None) -> Iterator[re.Match]:
    """Each citation in order, as a match: `source`, and when an article is named `unit`,
    `numbers` (all of them as written) and `first` (the first number or range)."""
    return CITATION.finditer(documentation or "")
