"""An edition's statistics (issue 12 item 4): submissions and nominated projects by region,
stakeholder type, category, SDG (and goal of each other framework of the edition) and country; raw and valid votes by category and per day;
judges' scores per round and category. Each is a table (`columns`, `rows`) drawn as the
book's bar chart (`reports.builder.bar_chart_svg`, imported, not copied). Reads only.

Counted in Python from one narrow select per source (a few thousand projects, votes read
as (category, valid, day) only), so both engines give the same figures."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

from babel import Locale

from core.i18n import N_, current_language
from core.i18n import gettext as _
from judging.tables import ScoreSheet
from prizes.editions import queries as editions
from prizes.nominations.queries import goals_by_nomination
from prizes.nominations.labels import REGION_LABELS, STAKEHOLDER_LABELS
from prizes.nominations.rules import NOMINATED_STATUSES
from prizes.nominations.tables import Nomination
from reports.builder import bar_chart_svg
from voting.tables import Vote

TITLES = {
    "region": N_("Projects by region"),
    "stakeholder": N_("Projects by stakeholder type"),
    "category": N_("Projects by category"),
    "sdg": N_("Projects by Sustainable Development Goal"),
    "country": N_("Projects by country"),
    "votes_category": N_("Votes by category"),
    "votes_day": N_("Votes per day"),
    "scores": N_("Judges' scores per round and category"),
}
COLUMNS = {
    "label": N_("Label"), "submitted": N_("Submitted"), "nominated": N_("Nominated"), "raw": N_("Raw votes"),
    "valid": N_("Valid votes"), "sheets": N_("Sheets submitted"), "mean": N_("Mean score"),
}
ROUND_NAMES = {"nomination": N_("nomination round"), "selection": N_("selection round")}
KEYS = tuple(TITLES)


def _goals(raw) -> list[int]:
    try:
        values = json.loads(raw) if isinstance(raw, str) else raw
        return [int(v) for v in values or []]
    except (TypeError, ValueError):
        return []


def _project_table(rows: list[dict], key, label, order=None) -> list[dict]:
    submitted, nominated = Counter(), Counter()
    for r in rows:
        for k in key(r):
            submitted[k] += 1
            if r["status"] in NOMINATED_STATUSES:
                nominated[k] += 1
    keys = order if order is not None else sorted(submitted, key=lambda k: (-submitted[k], str(k)))
    return [{"key": str(k), "label": label(k), "submitted": submitted.get(k, 0), "nominated": nominated.get(k, 0)}
            for k in keys]


async def _projects(edition_id: int, categories, frameworks=()) -> dict[str, list[dict]]:
    rows = await Nomination.select(
        Nomination.id, Nomination.status, Nomination.region, Nomination.stakeholder_type, Nomination.country,
        Nomination.sdgs, Nomination.category.code.as_alias("code"),
    ).where((Nomination.edition == edition_id) & (Nomination.status != "draft"))
    chosen = await goals_by_nomination([r["id"] for r in rows]) if rows else {}
    countries = Locale.parse(current_language()).territories
    sdg = next((f for f in frameworks if f.code == "SDG"), None)
    goal_tables = {
        f"goal:{f.code}": _project_table(rows, lambda r, code=f.code: chosen.get(str(r["id"]), {}).get(code, []),
                                         lambda k, code=f.code: f"{code} {k}", sorted(f.numbers))
        for f in frameworks if f.code != "SDG"}
    return goal_tables | {
        "region": _project_table(rows, lambda r: [r["region"]] if r["region"] else [],
                                 lambda k: _(REGION_LABELS[k]) if k in REGION_LABELS else k),
        "stakeholder": _project_table(rows, lambda r: [r["stakeholder_type"]] if r["stakeholder_type"] else [],
                                      lambda k: _(STAKEHOLDER_LABELS[k]) if k in STAKEHOLDER_LABELS else k),
        "category": _project_table(rows, lambda r: [r["code"]], lambda k: k, [code for code, _t in categories]),
        "sdg": _project_table(rows, lambda r: sorted(set(_goals(r["sdgs"]))), lambda k: _("SDG %(num)d", num=k),
                              sorted(sdg.numbers) if sdg else None),
        "country": _project_table(rows, lambda r: [r["country"]] if r["country"] else [],
                                  lambda k: countries.get(k, k)),
    }


async def _votes(edition_id: int, categories) -> dict[str, list[dict]]:
    rows = await Vote.select(Vote.category.code.as_alias("code"), Vote.valid, Vote.cast_at).where(
        Vote.edition == edition_id)
    raw, valid, raw_day, valid_day = Counter(), Counter(), Counter(), Counter()
    for r in rows:
        day = r["cast_at"].date().isoformat()
        raw[r["code"]] += 1
        raw_day[day] += 1
        if r["valid"]:
            valid[r["code"]] += 1
            valid_day[day] += 1
    return {
        "votes_category": [{"key": code, "label": code, "raw": raw.get(code, 0), "valid": valid.get(code, 0)}
                           for code, _t in categories],
        "votes_day": [{"key": day, "label": day, "raw": raw_day[day], "valid": valid_day.get(day, 0)}
                      for day in sorted(raw_day)],
    }


async def _scores(edition_id: int, categories) -> list[dict]:
    rows = await ScoreSheet.select(ScoreSheet.round, ScoreSheet.scores,
                                   ScoreSheet.nomination.category.code.as_alias("code")).where(
        (ScoreSheet.nomination.edition == edition_id) & (ScoreSheet.status == "submitted"))
    totals: dict[tuple[str, str], list[float]] = defaultdict(list)
    for r in rows:
        scores = json.loads(r["scores"]) if isinstance(r["scores"], str) else (r["scores"] or {})
        values = [v for v in scores.values() if isinstance(v, (int, float))] if isinstance(scores, dict) else []
        totals[(r["round"], r["code"])].append(float(sum(values)))
    out = []
    for round_ in ("nomination", "selection"):
        for code, _t in categories:
            sheets = totals.get((round_, code), [])
            if sheets:
                out.append({"key": f"{round_}:{code}", "label": f"{code} — {_(ROUND_NAMES[round_])}",
                            "sheets": len(sheets), "mean": round(sum(sheets) / len(sheets), 2)})
    return out


def _table(key: str, rows: list[dict]) -> dict:
    columns = ["label"] + [c for c in ("submitted", "nominated", "raw", "valid", "sheets", "mean")
                           if rows and c in rows[0]]
    if not rows:
        columns += {"votes_category": ["raw", "valid"], "votes_day": ["raw", "valid"],
                    "scores": ["sheets", "mean"]}.get(key, ["submitted", "nominated"])
    measure = "valid" if "valid" in columns else ("mean" if "mean" in columns else "submitted")
    title = _(TITLES[key]) if key in TITLES else _("Projects by goal: %(framework)s", framework=key.partition(":")[2])
    chart = bar_chart_svg([(r["label"], r[measure]) for r in rows], title=title) if rows else ""
    return {"key": key, "title": title, "columns": columns, "headings": [_(COLUMNS[c]) for c in columns],
            "rows": rows, "chart": chart}


async def statistics(year: int) -> dict:
    """Every table of the edition `year` (a NotFound from `editions` when there is none)."""
    edition = await editions.get_edition(year)
    row = await editions.edition_row(year)
    data = await _projects(row["id"], edition.categories, edition.frameworks)
    data.update(await _votes(row["id"], edition.categories))
    data["scores"] = await _scores(row["id"], edition.categories)
    # each other goal framework's table follows the SDGs' (`goal:GDC`)
    keys = [k for key in KEYS for k in ([key] + sorted(k for k in data if k.startswith("goal:")) if key == "sdg" else [key])]
    return {"year": year, "tables": [_table(key, data[key]) for key in keys],
            "by_sdg": {r["key"]: r["submitted"] for r in data["sdg"]},
            "by_goal": {k.partition(":")[2]: {r["key"]: r["submitted"] for r in data[k]}
                        for k in data if k.startswith("goal:")}}
