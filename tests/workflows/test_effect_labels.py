"""What people read for an operation the system ran (a BPMN service task) has one home: the name
the service task carries in the diagram. The registry derives its labels from it, each audit event
names its own task, and a service task without a readable name is refused at deployment."""

import re

import pytest
from django.conf import settings

from engine.errors import BpmnError
from workflows import registry
from workflows.labels import service_task_names
from workflows.services.deploy import process_deploy

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_every_service_task_has_a_chinese_name_and_a_registered_operation():
    tasks = service_task_names(settings.PARTYFLOW["BPMN_DIR"])
    assert len(tasks) >= 20  # every procedure's effects, not an empty scan
    unnamed = [
        (op, el) for op, names in tasks.items() for el, n in names.items() if not CHINESE.search(n)
    ]
    assert not unnamed
    assert set(tasks) <= set(registry.effect_names())


def test_an_operation_reads_as_its_service_task_is_named():
    labels = registry.effect_labels()
    # one task runs it: its name, as the diagram shows it
    assert str(labels["notify_term_expiry"]) == "换届提醒支部和上级党委"
    assert str(labels["record_election_result"]) == "公布结果并记录新一届任期"
    # two processes run it under one name: that name once
    assert str(labels["strike_off_member"]) == "予以除名"
    # P1 records each stage under the stage's own name: all of them, each event naming its own
    assert str(labels["development_status"]).startswith("登记为入党申请人／登记为入党积极分子／")


@pytest.mark.django_db
def test_a_service_task_without_a_name_is_refused_at_deployment(tmp_path):
    source = settings.PARTYFLOW["BPMN_DIR"] / "self_lapse.bpmn"
    text = source.read_text(encoding="utf-8")
    assert 'id="record_strike_off" name="予以除名"' in text
    (tmp_path / "self_lapse.bpmn").write_text(
        text.replace('id="record_strike_off" name="予以除名"', 'id="record_strike_off"'),
        encoding="utf-8",
    )
    with pytest.raises(BpmnError) as refused:
        process_deploy(directory=tmp_path)
    assert refused.value.code == "service_task_unnamed"
    assert refused.value.element_id == "record_strike_off"
