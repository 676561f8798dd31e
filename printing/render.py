"""Rendering: a `.docx` template (docxtpl) or an HTML template (WeasyPrint → PDF) filled with a
context, the template looked up first in the university's override directory.

Override: `PARTYFLOW["DOCUMENT_TEMPLATES_DIR"]` (env `PARTYFLOW_DOCUMENT_TEMPLATES_DIR`); a file there
with the shipped template's name (`member_record.docx`, `publication_notice.html` …) is used
instead of the shipped one. Every generated document carries its template's name, where it came
from and the sha256 of the template file, so a stored document says which template made it.

PDF: WeasyPrint with the Noto CJK fonts (Debian `fonts-noto-cjk`, installed by `.ci/run`), named
in the templates' CSS; WeasyPrint embeds the subset of each font that the document uses.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import jinja2
from django.conf import settings
from django.template import engines
from docxtpl import DocxTemplate

from engine.errors import DomainError
from engine.i18n import _

SHIPPED_DIR = Path(__file__).resolve().parent / "templates"
HTML_DIR = SHIPPED_DIR / "printing"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"


class TemplateInvalid(DomainError):
    """A (shipped or overriding) template cannot be filled: it names a field the document does not
    have, or is not a valid .docx/HTML. The office's template is at fault, not the request."""

    code = "document_template_invalid"
    status = 409


@dataclass(frozen=True)
class Template:
    name: str
    path: Path
    source: str  # "shipped" or "override"
    sha256: str


@dataclass(frozen=True)
class Generated:
    """A generated document: its bytes and the template version that made it."""

    kind: str
    label: str
    filename: str
    content: bytes
    content_type: str
    template: Template

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def format(self) -> str:
        return "pdf" if self.content_type == PDF else "docx"


def override_dir() -> Path | None:
    value = settings.PARTYFLOW.get("DOCUMENT_TEMPLATES_DIR")
    return Path(value) if value else None


def _sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def find_template(name: str) -> Template:
    """The override directory's file of that name when present, else the shipped one."""
    custom = override_dir()
    if custom is not None and (custom / name).is_file():
        path = custom / name
        return Template(name=name, path=path, source="override", sha256=_sha256_of(path))
    path = (HTML_DIR if name.endswith(".html") else SHIPPED_DIR) / name
    return Template(name=name, path=path, source="shipped", sha256=_sha256_of(path))


_JINJA = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)


def render_docx(name: str, context: dict) -> tuple[bytes, Template]:
    """Fill a docxtpl template. Undefined fields refuse (StrictUndefined) instead of printing blanks."""
    template = find_template(name)
    try:
        doc = DocxTemplate(str(template.path))
        doc.render(context, jinja_env=_JINJA)
        out = io.BytesIO()
        doc.save(out)
    except (jinja2.TemplateError, KeyError, ValueError) as exc:
        raise TemplateInvalid(
            _("模板 %(t)s（%(s)s）无法填写：%(e)s") % {"t": name, "s": template.source, "e": exc},
            template=name,
            source=template.source,
        ) from exc
    return out.getvalue(), template


def render_html(name: str, context: dict) -> tuple[str, Template]:
    template = find_template(name)
    try:
        html = (
            engines["django"].from_string(template.path.read_text(encoding="utf-8")).render(context)
        )
    except (
        Exception
    ) as exc:  # django.template raises several unrelated types; all are the template's fault
        raise TemplateInvalid(
            _("模板 %(t)s（%(s)s）无法填写：%(e)s") % {"t": name, "s": template.source, "e": exc},
            template=name,
            source=template.source,
        ) from exc
    return html, template


def render_pdf(name: str, context: dict) -> tuple[bytes, Template]:
    """HTML template → PDF with WeasyPrint (fonts named in the template's CSS, subset-embedded)."""
    # WeasyPrint pulls in pango through cffi at import (~0.3 s): imported when a PDF is first asked for,
    # so commands and API workers that never print one do not pay for it.
    from weasyprint import HTML

    html, template = render_html(name, context)
    return HTML(string=html, base_url=str(HTML_DIR)).write_pdf(), template
