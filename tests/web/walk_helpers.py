"""Walking the pages as a person reads them: the text a page shows (text nodes and the attributes
read aloud or shown on hover, never scripts, styles or the data an element carries for scripts), the
links it offers, and what a zh-hans reader must never find in that text."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

# Attributes whose value a person reads (shown on hover, read by a screen reader, shown in a field).
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
HIDDEN = ("script", "style", "template", "noscript")


class PageText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in HIDDEN:
            self._hidden += 1
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        for name in READ_ATTRIBUTES:
            if a.get(name):
                self.parts.append(a[name])

    def handle_endtag(self, tag):
        if tag in HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def read(html: str) -> tuple[str, list[str]]:
    """(the text a person reads, the links' hrefs)."""
    p = PageText()
    p.feed(html)
    return "\n".join(p.parts), p.links


# Latin words a zh-hans page may show, each for a reason:
# - file formats and the programs people open them with, named as they are on the files and in
#   the offices (PDF, Word, Excel, CSV, JSON; the extensions and formats an upload accepts, PNG and
#   JPEG as the upload hints write them, and MB, the unit of its size limit);
# - "English", the language switch naming the other language in itself; "partyflow", the
#   product's own name in the title bar and the footer;
# - "Ctrl", "Tab", "Enter", "Esc": keys as they are printed on the keyboard;
# - "bpmn", "io": the diagram library's watermark link (bpmn.io), which its licence keeps visible.
ALLOWED_LATIN = frozenset(
    {
        "PDF",
        "Word",
        "Excel",
        "CSV",
        "JSON",
        "pdf",
        "png",
        "jpg",
        "jpeg",
        "PNG",
        "JPEG",
        "MB",
        "docx",
        "xlsx",
        "English",
        "partyflow",
        "Ctrl",
        "Tab",
        "Enter",
        "Esc",
        "bpmn",
        "io",
    }
)

PROBLEMS = {
    # A number after # telling people (or rows) apart instead of a name.
    "id": re.compile(r"#\s?\d+"),
    "None": re.compile(r"\bNone\b"),
    # Rule-set codes (cpc-2014) and the regulations' short codes (ELEC-2020, DEV-2014 …).
    "code": re.compile(r"\b[A-Za-z]{2,}-\d{4}\b"),
    "snake_case": re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"),
    # A period by its code (2026-Q1, 2026-H1, 2026-05) where people read 2026年第一季度, 2026年5月;
    # a date (2026-05-01) or a number such as 档2028-017 is not one.
    "period": re.compile(r"(?<![\d-])\d{4}-(?:Q\d|H\d|\d{2})(?![\d-])"),
}
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def problems(text: str) -> list[tuple[str, str]]:
    """[(kind, the text around it)] of everything a zh-hans reader should not meet."""
    found = []

    def around(m) -> str:
        return m.group() + " ‹" + text[max(0, m.start() - 25) : m.end() + 25].replace("\n", " ⏎ ")

    spans = []
    for kind, pattern in PROBLEMS.items():
        for m in pattern.finditer(text):
            found.append((kind, around(m)))
            spans.append((m.start(), m.end()))
    for m in LATIN_WORD.finditer(text):
        inside = any(a <= m.start() and m.end() <= b for a, b in spans)
        if m.group() not in ALLOWED_LATIN and not inside:
            found.append(("latin", around(m)))
    return found


def page_key(url: str) -> str:
    """What makes two URLs the same kind of page: the path with its numbers as N, and the names of
    its query parameters."""
    parts = urlsplit(url)
    keys = sorted({k for k, _v in parse_qsl(parts.query, keep_blank_values=True)})
    return re.sub(r"\d+", "N", parts.path) + "?" + ",".join(keys)


def internal(base: str, href: str) -> str | None:
    """The link as a path with its query (None: off the site, a fragment, a script)."""
    if href.startswith(("#", "mailto:", "javascript:", "tel:")):
        return None
    url = urljoin(base, href)
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != "testserver":
        return None
    query = urlencode(parse_qsl(parts.query, keep_blank_values=True))
    return parts.path + (f"?{query}" if query else "")
