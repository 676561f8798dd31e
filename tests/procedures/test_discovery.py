"""Procedures are discovered: a new module under procedures/ registers itself, no list to edit."""

import sys

import procedures
from workflows import registry


def test_every_procedure_module_and_package_is_discovered():
    found = procedures.discover()
    assert found == [
        "procedures.branch_election.procedure",
        "procedures.democratic_review",
        "procedures.dues_relief",
        "procedures.member_away",
        "procedures.member_development.procedure",
        "procedures.model_branch_evaluation",
        "procedures.orglife_reminder",
        "procedures.self_lapse",
        "procedures.transfer.procedure",
        "procedures.unqualified_member",
        "procedures.weak_branch_remediation.procedure",
    ]
    assert registry.check_for("weak_branch_remediation", "__start__") is not None
    assert registry.effect_for("development_status") is not None


def test_a_new_procedure_module_registers_itself_when_dropped_in(tmp_path, monkeypatch):
    (tmp_path / "toy_procedure.py").write_text(
        "from workflows.registry import form_check\n\n"
        "@form_check('toy_procedure', '__start__')\n"
        "def check_start(*, organization, data, rules, subject_member=None):\n"
        "    return {'checked': True}\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(procedures, "__path__", [*procedures.__path__, str(tmp_path)])
    monkeypatch.setattr(registry, "_CHECKS", dict(registry._CHECKS))  # the toy leaves no trace
    monkeypatch.delitem(sys.modules, "procedures.toy_procedure", raising=False)
    assert "procedures.toy_procedure" in procedures.discover()
    check = registry.check_for("toy_procedure", "__start__")
    assert check(organization=None, data={}, rules=None) == {"checked": True}
