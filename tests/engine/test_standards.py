"""Standard sets as versioned data: the two shipped sets, and a university's own file refused on
deploy naming the item when its indicator is unknown or its evidence kind is missing."""

import copy
import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings

from engine.standards import INDICATORS, StandardSetInvalid, load_all, parse

SETS = load_all()


def test_both_sets_ship_with_source_article_and_evidence_for_every_item():
    assert set(SETS) == {"jsnu-2020", "xytc-2020"}
    jsnu = SETS["jsnu-2020"]
    assert [c.title for c in jsnu.categories] == [
        "班子建设好",
        "服务队伍好",
        "服务机制好",
        "服务阵地好",
        "服务载体好",
        "服务业绩好",
    ]
    for s in SETS.values():
        for item in s.items:
            assert item.source in ("JSNU", "XYTC") and item.article and item.evidence, item.code
    # The measurable rules are all indicators of the JSNU set, each with its threshold.
    measured = {
        i.code: (i.indicator.code, i.indicator.period, i.indicator.threshold)
        for i in jsnu.items
        if i.indicator
    }
    assert measured["jsnu.team.management.4"] == (
        "org_life_sessions",
        "year",
        {"min_sessions": 8, "min_attendance": "9/10"},
    )
    assert measured["jsnu.carrier.activities.3"] == (
        "meetings_held",
        "semester",
        {"kinds": ["themed_party_day"], "min": 1},
    )
    assert measured["jsnu.results.satisfaction.2"] == ("satisfaction", "year", {"min_rate": "9/10"})
    used = {i.indicator.code for s in SETS.values() for i in s.items if i.indicator}
    assert used == set(INDICATORS)


def _own_set(change):
    raw = json.loads(
        (settings.BASE_DIR / "engine" / "standards" / "jsnu-2020.json").read_text(encoding="utf-8")
    )
    raw = copy.deepcopy(raw)
    raw["code"] = "our-university-2026"
    change(raw["categories"][1]["standards"][0]["items"][2])
    return raw


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda item: item["indicator"].update(code="secretary_charisma"),
            "未知的指标 secretary_charisma",
        ),
        (lambda item: item.pop("evidence"), "缺少成果形式"),
        (lambda item: item["indicator"].update(period="decade"), "不能按 decade 计算"),
        (lambda item: item["indicator"].update(threshold={}), "阈值须为 min"),
    ],
)
def test_a_universitys_set_is_refused_on_deploy_naming_the_item(tmp_path, db, change, message):
    path = tmp_path / "ours.json"
    path.write_text(json.dumps(_own_set(change), ensure_ascii=False), encoding="utf-8")
    with override_settings(PARTYFLOW={**settings.PARTYFLOW, "STANDARD_SETS": [str(tmp_path)]}):
        with pytest.raises(CommandError) as refused:
            call_command("deploy_bpmn")
    assert "jsnu.team.secretary.3" in str(refused.value) and message in str(refused.value)
    with pytest.raises(StandardSetInvalid) as exc:
        parse(json.loads(path.read_text(encoding="utf-8")), "ours.json")
    assert exc.value.fields == {
        "jsnu.team.secretary.3": [exc.value.fields["jsnu.team.secretary.3"][0]]
    }


def test_a_valid_own_set_is_deployed_beside_the_built_in_ones(tmp_path, db, capsys):
    (tmp_path / "ours.json").write_text(
        json.dumps(_own_set(lambda item: None), ensure_ascii=False), encoding="utf-8"
    )
    with override_settings(PARTYFLOW={**settings.PARTYFLOW, "STANDARD_SETS": [str(tmp_path)]}):
        call_command("deploy_bpmn")
    assert "standard our-university-2026" in capsys.readouterr().out
