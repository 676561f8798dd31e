"""What the page tests share: a page's text, a case's open task, the election request submitted."""

import re

from workflows.models import Task, TaskStatus


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def open_task(case, element_id) -> Task:
    return case.tasks.get(element_id=element_id, status=TaskStatus.OPEN)


def submit_request(client, task, **extra):
    data = {"election_date": "", "seats": "5", "nomination_method": "committee_proposal", **extra}
    return client.post(f"/tasks/{task.pk}/", data)
