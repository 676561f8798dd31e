"""What a user reads on a task: the procedure's sentence (what to do, under which article) and the
due date, for the API's task detail and the task page alike."""

from __future__ import annotations

from django.utils.translation import gettext

from engine.calendar import last_day_before
from engine.i18n import _

from . import registry
from .citations import citations
from .labels import label
from .models import TaskStatus


def article_refs(documentation: str) -> str:
    """The articles a BPMN documentation cites ("DEV-2014 Art. 5-6"), as people cite them
    ("DEV-2014 第5—6条"), in the active language."""
    refs = []
    for cited in citations(documentation):
        if cited["unit"] not in ("Art.", "Ch."):
            continue
        number = cited["first"].replace(" ", "").replace("-", "—")
        unit = gettext("第%(n)s条") if cited["unit"] == "Art." else gettext("第%(n)s章")
        ref = f"{cited['source']} " + unit % {"n": number}
        if ref not in refs:
            refs.append(ref)
    return str(_("、")).join(refs) if refs else ""


def task_guide(task) -> str:
    """What the user reads on a task: the procedure's sentence (what to do, under which article) and
    the due date; the BPMN documentation stays the developers' note. A step without its own
    sentence reads "请办理“<task>”" with the articles its documentation cites."""
    guide = registry.guide_for(task.process_id, task.element_id)
    if guide:
        text = str(guide(task.case) if callable(guide) else guide)
    else:
        refs = article_refs(task.documentation)
        text = (
            gettext("请办理“%(task)s”（%(ref)s）。") % {"task": label(task.name), "ref": refs}
            if refs
            else gettext("请办理“%(task)s”。") % {"task": label(task.name)}
        )
    if task.due_at and task.status == TaskStatus.OPEN:
        # A deadline falls at 24:00 of its last day (00:00 of the next): the user reads that last day.
        due = last_day_before(task.due_at).isoformat()
        return gettext("%(what)s请于 %(due)s 前办理。") % {"what": text, "due": due}
    return text
