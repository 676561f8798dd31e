"""English through Django's i18n: API messages follow Accept-Language; BPMN and form labels are in the catalog."""

import gettext as gettext_module
import json
import re
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from forms.validation import load_schema
from partyflow.labels_catalog import LABELS
from workflows.labels import catalog_source, file_labels, label, localize_schema

from ..helpers import cst, only_task
from ..procedures.election_helpers import start_election

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
EN_PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
EN_MO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.mo"


@pytest.fixture(autouse=True)
def _default_language_after():
    """A request leaves its language active in the thread; later tests expect the default (Chinese)."""
    yield
    translation.deactivate()


# --- labels that live in BPMN and JSON Schema files -----------------------------------------------


def all_labels() -> list[str]:
    found = file_labels(settings.PARTYFLOW["BPMN_DIR"], settings.PARTYFLOW["FORMS_DIR"])
    assert len(found) > 40
    return list(dict.fromkeys(t for texts in found.values() for t in texts))


def test_the_label_catalog_source_is_generated_from_the_current_bpmn_and_forms():
    out = StringIO()
    call_command("extract_labels", check=True, stdout=out)
    assert "up to date" in out.getvalue()
    assert set(all_labels()) == set(LABELS) and "提交换届请示" in LABELS and "换届请示" in LABELS


def test_a_new_bpmn_name_or_form_label_lands_in_the_catalog_source(tmp_path):
    (tmp_path / "bpmn").mkdir()
    (tmp_path / "forms" / "p").mkdir(parents=True)
    (tmp_path / "bpmn" / "p.bpmn").write_text(
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process id="p" name="新流程">'
        '<bpmn:laneSet><bpmn:lane id="l" name="branch_secretary"/></bpmn:laneSet>'
        '<bpmn:userTask id="t" name="新任务"/></bpmn:process></bpmn:definitions>',
        encoding="utf-8",
    )
    (tmp_path / "forms" / "p" / "t.json").write_text(
        json.dumps(
            {
                "title": "新表单",
                "properties": {"m": {"description": "说明", "x-labels": {"a": "甲"}}},
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    source = catalog_source(file_labels(tmp_path / "bpmn", tmp_path / "forms"), root=tmp_path)
    assert "# bpmn/p.bpmn" in source and "# forms/p/t.json" in source
    assert [
        line.strip()
        for line in source.splitlines()
        if "gettext_noop(" in line and "import" not in line
    ] == [
        'gettext_noop("新流程"),',
        'gettext_noop("新任务"),',
        'gettext_noop("新表单"),',
        'gettext_noop("说明"),',
        'gettext_noop("甲"),',
    ]
    assert "branch_secretary" not in source


def test_every_label_has_an_english_translation():
    with translation.override("en"):
        untranslated = [t for t in all_labels() if label(t) == t]
    assert not untranslated, (
        f"no English in partyflow/locale/en/LC_MESSAGES/django.po for: {untranslated}"
    )


def test_label_follows_the_active_language():
    with translation.override("en"):
        assert label("提交换届请示") == "Submit the election request"
        assert label("换届请示") == "Election request"
        assert label("") == ""
        assert label("没有登记的文字") == "没有登记的文字"
    with translation.override("zh-hans"):
        assert label("提交换届请示") == "提交换届请示"


def test_localize_schema_translates_titles_descriptions_and_x_labels_only():
    schema = load_schema("branch_election/submit_request.json")
    with translation.override("en"):
        en = localize_schema(schema)
    assert en["title"] == "Election request"
    seats = en["properties"]["seats"]
    assert seats["title"] == "Number of committee seats" and seats["description"].startswith(
        "With a branch committee"
    )
    assert en["properties"]["nomination_method"]["x-labels"]["committee_proposal"].startswith(
        "Proposed by the branch committee"
    )
    assert en["required"] == schema["required"] and en["properties"]["seats"]["maximum"] == 7
    assert schema["title"] == "换届请示"  # the cached schema is not modified


# --- the catalog itself ---------------------------------------------------------------------------


def _po_entries(path: Path) -> list[tuple[str, str, list[str]]]:
    def unquote(lines):
        return re.sub(
            r"\\(.)",
            lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)),
            "".join(re.match(r'^"(.*)"$', line.strip()).group(1) for line in lines),
        )

    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        lines = block.split("\n")
        flags = [f.strip() for line in lines if line.startswith("#,") for f in line[2:].split(",")]
        body = [line for line in lines if not line.startswith("#")]
        if not body:
            continue
        sections: dict[str, list[str]] = {}
        for line in body:
            keyword = re.match(r"^(msgid_plural|msgid|msgstr(?:\[\d+\])?) ", line)
            if keyword:
                key = keyword.group(1)
                line = line[keyword.end() :]
            sections.setdefault(key, []).append(line)
        text = {k: unquote(v) for k, v in sections.items()}
        if not text["msgid"]:
            continue
        if "msgid_plural" in text:  # one entry per form: (singular, plural, form index)
            forms = sorted(k for k in text if k.startswith("msgstr["))
            entries += [
                ((text["msgid"], text["msgid_plural"], n), text[k], flags)
                for n, k in enumerate(forms)
            ]
        else:
            entries.append((text["msgid"], text["msgstr"], flags))
    return entries


def _source(msgid) -> str:
    return msgid if isinstance(msgid, str) else msgid[min(msgid[2], 1)]


def _compiled(catalog, msgid) -> str:
    return (
        catalog.gettext(msgid)
        if isinstance(msgid, str)
        else catalog.ngettext(*msgid[:2], 1 if msgid[2] == 0 else 2)
    )


def test_english_catalog_is_complete_and_compiled():
    entries = _po_entries(EN_PO)
    assert len(entries) > 200
    assert [m for m, s, flags in entries if not s or "fuzzy" in flags] == []
    for msgid, msgstr, _flags in entries:
        placeholders = sorted(re.findall(r"%\(\w+\)s|%%", _source(msgid)))
        assert sorted(re.findall(r"%\(\w+\)s|%%", msgstr)) == placeholders, msgid
    with EN_MO.open("rb") as f:
        compiled = gettext_module.GNUTranslations(f)
    stale = [m for m, s, _flags in entries if _compiled(compiled, m) != s]
    assert not stale, (
        f"django.mo is older than django.po: run `partyflow compilemessages --ignore=.venv` ({stale[:3]})"
    )


# --- API messages follow Accept-Language ----------------------------------------------------------


@pytest.fixture
def at_request(api, university):
    """Branch A's election with the request task open in its inbox."""
    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        return start_election(api(university.users.sec_a), university.branch_a)


@pytest.mark.django_db
def test_not_found_is_english_with_accept_language_en_and_chinese_without(api, university):
    client = api(university.users.sec_a)
    r = client.get("/api/cases/999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 404 and r["Content-Language"] == "en"
    assert r.json()["message"] == "The case does not exist."
    r = client.get("/api/no-such-endpoint/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 404
    r = client.get("/api/cases/999999/")
    assert r.status_code == 404 and r["Content-Language"] == "zh-hans"
    assert r.json()["message"] == "流程不存在。"


@pytest.mark.django_db
def test_form_errors_are_english_with_accept_language_en_and_chinese_without(
    api, university, at_request
):
    sec = api(university.users.sec_a)
    task = only_task(sec, "submit_request")
    url = f"/api/tasks/{task['id']}/complete/"
    incomplete = {"data": {"seats": 0}}

    r = sec.post(url, incomplete, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "form_invalid"
    assert body["message"] == "The form has errors; please check the marked fields."
    assert body["fields"]["election_date"] == ["Required"]
    assert body["fields"]["nomination_method"] == ["Required"]
    assert body["fields"]["seats"][0].endswith("Must not be less than 1")

    r = sec.post(url, incomplete, format="json")
    assert r.status_code == 400
    body = r.json()
    assert body["message"] == "表单填写有误，请检查标出的字段。"
    assert body["fields"]["election_date"] == ["必填"]
    assert body["fields"]["nomination_method"] == ["必填"]
    assert body["fields"]["seats"] == ["应选委员名额：不能小于 1"]


@pytest.mark.django_db
def test_a_rule_violation_is_english_with_accept_language_en(api, university, at_request):
    sec = api(university.users.sec_a)
    task = only_task(sec, "submit_request")
    data = {"election_date": "2026-12-20", "seats": 4, "nomination_method": "committee_proposal"}
    r = sec.post(
        f"/api/tasks/{task['id']}/complete/",
        {"data": data},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 400, r.json()
    assert r.json()["fields"]["seats"] == ["Must be an odd number"]
    assert r.json()["message"] == "The number of branch committee seats must be odd."


@pytest.mark.django_db
def test_task_name_stage_and_form_are_english_with_accept_language_en(api, university, at_request):
    sec = api(university.users.sec_a)
    task = only_task(sec, "submit_request")
    assert (task["name"], task["stage"]) == ("提交换届请示", "换届请示")
    en = sec.get("/api/tasks/", HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    assert (en["name"], en["stage"]) == ("Submit the election request", "Election request")
    detail = sec.get(f"/api/tasks/{task['id']}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert detail["name"] == "Submit the election request"
    schema = detail["form"]["schema"]
    assert (
        schema["title"] == "Election request"
        and schema["properties"]["seats"]["title"] == "Number of committee seats"
    )
    assert sec.get(f"/api/tasks/{task['id']}/").json()["form"]["schema"]["title"] == "换届请示"
