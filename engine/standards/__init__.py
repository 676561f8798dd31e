"""Standard sets for branches as versioned data (P6, "Evidence" in procedures.md).

A standard set is a JSON file: categories → standards → content items. Every item names its source
document and article/section, the kind of evidence that proves it (成果形式 / 佐证资料) and,
where it is measurable, an indicator: a code from `INDICATORS` (computed from records by
`oversight.standards`), the period it is counted per (month, quarter, semester, year) and its
threshold. Items without an indicator are judgement-only: people review their evidence.

The built-in sets live next to this module (`*.json`); a university adds its own files (the setting
`PARTYFLOW["STANDARD_SETS"]` lists extra files or directories). Every file is validated when loaded
and on deploy: an unknown indicator, a period the indicator is not counted per, a missing threshold
or a missing evidence kind is refused naming the item. No Django here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import DomainError
from ..i18n import _

BUILTIN_DIR = Path(__file__).resolve().parent
PERIOD_KINDS = ("month", "quarter", "semester", "year")


@dataclass(frozen=True)
class IndicatorKind:
    """An indicator partyflow computes: the periods it may be counted per, its threshold keys."""

    code: str
    title: str
    periods: tuple[str, ...]
    params: tuple[str, ...] = ()


# The registry of known indicators (what `oversight.standards` computes, and from which records).
INDICATORS: dict[str, IndicatorKind] = {
    k.code: k
    for k in (
        IndicatorKind("term_on_time", _("按期换届"), ("year",)),
        IndicatorKind("committee_complete", _("支部委员会健全"), ("year",)),
        IndicatorKind(
            "org_life_sessions",
            _("组织生活次数和参与率"),
            ("year",),
            ("min_sessions", "min_attendance"),
        ),
        IndicatorKind(
            "meetings_held",
            _("按期开展的组织生活"),
            ("month", "quarter", "semester", "year"),
            ("kinds", "min"),
        ),
        IndicatorKind("secretary_training", _("支部书记参加培训"), ("semester", "year"), ("min",)),
        IndicatorKind("secretary_party_lesson", _("支部书记讲党课"), ("year",), ("min",)),
        IndicatorKind(
            "committee_pairing", _("班子成员结对联系师生"), ("year",), ("min_per_member",)
        ),
        IndicatorKind(
            "volunteer_service",
            _("党员参加志愿服务"),
            ("quarter", "semester", "year"),
            ("min_per_member",),
        ),
        IndicatorKind("study_hours", _("党员学习学时"), ("year",), ("hours", "hours_officers")),
        IndicatorKind("dues_paid", _("按月交纳党费"), ("year",)),
        IndicatorKind("democratic_review_held", _("开展民主评议党员"), ("year",)),
        IndicatorKind("satisfaction", _("党员和师生满意度"), ("year",), ("min_rate",)),
    )
}


class StandardSetInvalid(DomainError):
    code = "standard_set_invalid"


@dataclass(frozen=True)
class Indicator:
    code: str
    period: str
    threshold: dict

    def param(self, name: str) -> object:
        value = self.threshold[name]
        return Fraction(value) if name in ("min_attendance", "min_rate") else value


@dataclass(frozen=True)
class Item:
    code: str
    text: str
    source: str
    article: str
    evidence: str
    indicator: Indicator | None = None


@dataclass(frozen=True)
class Standard:
    code: str
    title: str
    evidence_kinds: tuple[str, ...]
    items: tuple[Item, ...]

    @property
    def measurable(self) -> list[Item]:
        return [i for i in self.items if i.indicator is not None]


@dataclass(frozen=True)
class Category:
    code: str
    title: str
    goal: str
    standards: tuple[Standard, ...]


@dataclass(frozen=True)
class StandardSet:
    code: str
    title: str
    source: str
    file: str
    categories: tuple[Category, ...] = field(default_factory=tuple)

    @property
    def standards(self) -> list[Standard]:
        return [s for c in self.categories for s in c.standards]

    @property
    def items(self) -> list[Item]:
        return [i for s in self.standards for i in s.items]

    def standard(self, code: str) -> Standard | None:
        return next((s for s in self.standards if s.code == code), None)

    def item(self, code: str) -> Item | None:
        return next((i for i in self.items if i.code == code), None)

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "title": self.title,
            "source": self.source,
            "categories": [
                {
                    "code": c.code,
                    "title": c.title,
                    "goal": c.goal,
                    "standards": [
                        {
                            "code": s.code,
                            "title": s.title,
                            "evidence_kinds": list(s.evidence_kinds),
                            "items": [
                                {
                                    "code": i.code,
                                    "text": i.text,
                                    "source": i.source,
                                    "article": i.article,
                                    "evidence": i.evidence,
                                    "indicator": None
                                    if i.indicator is None
                                    else {
                                        "code": i.indicator.code,
                                        "title": str(INDICATORS[i.indicator.code].title),
                                        "period": i.indicator.period,
                                        "threshold": i.indicator.threshold,
                                    },
                                }
                                for i in s.items
                            ],
                        }
                        for s in c.standards
                    ],
                }
                for c in self.categories
            ],
        }


def _refuse(path: str, where: str, message: str) -> StandardSetInvalid:
    return StandardSetInvalid(
        _("标准文件 %(file)s 的 %(where)s：%(message)s")
        % {"file": path, "where": where, "message": message},
        fields={where: [message]},
        file=path,
        item=where,
    )


def _indicator(raw, path: str, where: str) -> Indicator | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _refuse(path, where, _("indicator 须为对象"))
    kind = INDICATORS.get(raw.get("code"))
    if kind is None:
        raise _refuse(
            path,
            where,
            _("未知的指标 %(code)s（已知指标：%(known)s）")
            % {"code": raw.get("code"), "known": ", ".join(sorted(INDICATORS))},
        )
    period = raw.get("period")
    if period not in kind.periods:
        raise _refuse(
            path,
            where,
            _("指标 %(code)s 不能按 %(period)s 计算（可用：%(periods)s）")
            % {"code": kind.code, "period": period, "periods": ", ".join(kind.periods)},
        )
    threshold = raw.get("threshold") or {}
    missing = [p for p in kind.params if p not in threshold]
    unknown = [p for p in threshold if p not in kind.params]
    if missing or unknown:
        raise _refuse(
            path,
            where,
            _("指标 %(code)s 的阈值须为 %(params)s")
            % {"code": kind.code, "params": ", ".join(kind.params) or "-"},
        )
    for name in ("min_attendance", "min_rate"):
        if name in threshold:
            try:
                value = Fraction(str(threshold[name]))
            except (ValueError, ZeroDivisionError):
                value = None
            if value is None or not 0 < value <= 1:
                raise _refuse(
                    path,
                    where,
                    _('阈值 %(name)s 须为 0 到 1 之间的分数，如 "9/10"') % {"name": name},
                )
    return Indicator(code=kind.code, period=period, threshold=dict(threshold))


def parse(raw: dict, path: str = "<data>") -> StandardSet:
    """A validated standard set from its JSON data; raises StandardSetInvalid naming the item."""
    if not isinstance(raw, dict) or not raw.get("code") or not raw.get("title"):
        raise _refuse(path, "code", _("标准集须有 code 和 title"))
    seen: set[str] = set()

    def code_of(node, where):
        code = node.get("code") if isinstance(node, dict) else None
        if not code:
            raise _refuse(path, where, _("缺少 code"))
        if code in seen:
            raise _refuse(path, code, _("code 重复"))
        seen.add(code)
        return code

    categories = []
    for ci, c in enumerate(raw.get("categories") or []):
        ccode = code_of(c, f"categories.{ci}")
        standards = []
        for si, s in enumerate(c.get("standards") or []):
            scode = code_of(s, f"{ccode}.standards.{si}")
            items = []
            for ii, i in enumerate(s.get("items") or []):
                icode = code_of(i, f"{scode}.items.{ii}")
                for key in ("text", "source", "article"):
                    if not str(i.get(key) or "").strip():
                        raise _refuse(path, icode, _("缺少 %(key)s") % {"key": key})
                if not str(i.get("evidence") or "").strip():
                    raise _refuse(path, icode, _("缺少成果形式（佐证资料，evidence）"))
                items.append(
                    Item(
                        code=icode,
                        text=i["text"],
                        source=i["source"],
                        article=str(i["article"]),
                        evidence=i["evidence"],
                        indicator=_indicator(i.get("indicator"), path, icode),
                    )
                )
            if not items:
                raise _refuse(path, scode, _("标准下至少要有一条具体内容"))
            standards.append(
                Standard(
                    code=scode,
                    title=s.get("title") or scode,
                    items=tuple(items),
                    evidence_kinds=tuple(dict.fromkeys(i.evidence for i in items)),
                )
            )
        categories.append(
            Category(
                code=ccode,
                title=c.get("title") or ccode,
                goal=c.get("goal", ""),
                standards=tuple(standards),
            )
        )
    if not categories:
        raise _refuse(path, "categories", _("标准集至少要有一个类别"))
    return StandardSet(
        code=raw["code"],
        title=raw["title"],
        source=raw.get("source", ""),
        file=path,
        categories=tuple(categories),
    )


def load_file(path: str | Path) -> StandardSet:
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _refuse(str(path), "file", _("无法读取 JSON：%(e)s") % {"e": exc}) from None
    return parse(raw, str(path))


def _files(paths: Iterable[str | Path]) -> list[Path]:
    out = []
    for p in map(Path, paths):
        out.extend(sorted(p.glob("*.json")) if p.is_dir() else [p])
    return out


def load_all(extra: Iterable[str | Path] = ()) -> dict[str, StandardSet]:
    """The built-in sets and the extra files/directories, each validated; two sets with one
    code are refused."""
    sets: dict[str, StandardSet] = {}
    for path in _files([BUILTIN_DIR, *extra]):
        s = load_file(path)
        if s.code in sets:
            raise _refuse(
                str(path), s.code, _("标准集代码与 %(other)s 重复") % {"other": sets[s.code].file}
            )
        sets[s.code] = s
    return sets


def indicator_catalogue() -> list[dict[str, Any]]:
    return [
        {
            "code": k.code,
            "title": str(k.title),
            "periods": list(k.periods),
            "params": list(k.params),
        }
        for k in INDICATORS.values()
    ]
