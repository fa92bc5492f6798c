"""Pure rules about goal frameworks and categories as data of an edition (SPEC §11): the
SDGs by default, others an edition adds; what a code looks like; what a valid framework,
and a valid choice of goals on a nomination, are. No I/O."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from core.i18n import current_language
from core.i18n import gettext as _
from core.validation import clean_text

SDG = "SDG"
# A framework's code: an uppercase letter, then 1 to 9 uppercase letters or digits (SDG, GDC).
FRAMEWORK_CODE = re.compile(r"[A-Z][A-Z0-9]{1,9}")
# A category's code, as the WSIS action lines are numbered: C1 … C11, C7.1 … C7.8.
CATEGORY_CODE = re.compile(r"C[1-9][0-9]?(\.[1-9][0-9]?)?")
MAX_GOALS = 100
GOAL_NUMBER_MAX = 999
TITLE_MAX = 200
# The 17 SDGs and their titles in the six languages: the seed of every edition's SDG framework
# (new installation, migration, and a copied edition keeps its source's), then data.
SDG_TITLES_FILE = Path(__file__).with_name("sdg_titles.json")


def _in(titles: Mapping[str, str], english: str, language: str | None) -> str:
    return titles.get(language or current_language()) or titles.get("en") or english


@dataclass(frozen=True)
class Goal:
    number: int
    title: str
    titles: Mapping[str, str] = field(default_factory=dict)

    def title_in(self, language: str | None = None) -> str:
        return _in(self.titles, self.title, language)


@dataclass(frozen=True)
class GoalFramework:
    code: str
    title: str
    titles: Mapping[str, str] = field(default_factory=dict)
    goals: tuple[Goal, ...] = ()

    def title_in(self, language: str | None = None) -> str:
        return _in(self.titles, self.title, language)

    @property
    def numbers(self) -> frozenset[int]:
        return frozenset(g.number for g in self.goals)

    def goal(self, number: int) -> Goal | None:
        return next((g for g in self.goals if g.number == number), None)


@functools.cache
def _sdg_file() -> dict:
    return json.loads(SDG_TITLES_FILE.read_text(encoding="utf-8"))


def sdg_default() -> GoalFramework:
    data = _sdg_file()
    return GoalFramework(SDG, data["title"]["en"], dict(data["title"]), tuple(
        Goal(int(n), t["en"], dict(t)) for n, t in sorted(data["goals"].items(), key=lambda kv: int(kv[0]))))


def is_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_code(errors, code: object) -> str:
    text = code.strip() if isinstance(code, str) else ""
    if not FRAMEWORK_CODE.fullmatch(text):
        errors.add("code", _("A code is 2 to 10 uppercase letters or digits, starting with a letter (such as GDC)."))
    return text


def check_category_code(errors, code: object) -> str:
    text = code.strip() if isinstance(code, str) else ""
    if not CATEGORY_CODE.fullmatch(text):
        errors.add("code", _("A category code is C and a number, with a sub-number after a dot if any (such as C7.4)."))
    return text


def check_goals(errors, goals: object) -> list[tuple[int, str]]:
    """A framework's goals: 1 to MAX_GOALS of {number, title}, numbers distinct whole numbers
    from 1 to GOAL_NUMBER_MAX, titles non-empty text of at most TITLE_MAX characters."""
    if not isinstance(goals, list) or not goals:
        errors.add("goals", _("Give at least one goal, each with a number and a title."))
        return []
    if len(goals) > MAX_GOALS:
        errors.add("goals", _("At most %(num)d goals.", num=MAX_GOALS))
        return []
    cleaned: list[tuple[int, str]] = []
    seen: set[int] = set()
    for index, goal in enumerate(goals):
        number = goal.get("number") if isinstance(goal, Mapping) else None
        title = goal.get("title") if isinstance(goal, Mapping) else None
        if not is_number(number) or not 1 <= number <= GOAL_NUMBER_MAX:
            errors.add(f"goals.{index}.number", _("Must be a whole number between %(low)s and %(high)s.",
                                                  low=1, high=GOAL_NUMBER_MAX))
            continue
        if number in seen:
            errors.add(f"goals.{index}.number", _("Goal %(n)s is given twice.", n=number))
            continue
        seen.add(number)
        text = clean_text(errors, f"goals.{index}.title", title if isinstance(title, str) else "", max_length=TITLE_MAX)
        cleaned.append((number, text))
    return sorted(cleaned)


def check_choice(errors, frameworks: tuple[GoalFramework, ...], sdgs: object = None, goals: object = None,
                 *, check_sdgs: bool = False, check_goals: bool = False) -> tuple[list[int] | None, dict | None]:
    """A nomination's goals: `sdgs` numbers of the edition's SDG framework, each at most once;
    `goals` {framework code: [numbers]} of its other frameworks (empty lists dropped)."""
    by_code = {f.code: f for f in frameworks}
    clean_sdgs = clean_goals = None
    if check_sdgs:
        numbers = by_code[SDG].numbers if SDG in by_code else frozenset()
        values = sdgs or []
        if (not isinstance(values, list) or any(not is_number(g) or g not in numbers for g in values)
                or len(values) != len(set(values))):
            errors.add("sdgs", _("Choose goals of the edition's Sustainable Development Goals (%(numbers)s), each at most once.",
                                 numbers=_span(numbers)))
        else:
            clean_sdgs = sorted(values)
    if check_goals:
        values = goals or {}
        clean_goals = {}
        if not isinstance(values, Mapping):
            errors.add("goals", _("Give goals by framework code, such as {\"GDC\": [1, 3]}."))
        else:
            for code, numbers in values.items():
                framework = by_code.get(code) if code != SDG else None
                if framework is None:
                    errors.add("goals", _("Unknown goal framework %(code)s (the SDGs go in sdgs).", code=str(code)[:20]))
                    continue
                if (not isinstance(numbers, list) or any(not is_number(n) or n not in framework.numbers for n in numbers)
                        or len(numbers) != len(set(numbers))):
                    errors.add("goals", _("Choose goals of %(code)s (%(numbers)s), each at most once.", code=code,
                                          numbers=_span(framework.numbers)))
                    continue
                if numbers:
                    clean_goals[code] = sorted(numbers)
            clean_goals = dict(sorted(clean_goals.items()))
    return clean_sdgs, clean_goals


def _span(numbers) -> str:
    ordered = sorted(numbers)
    if ordered and ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 2:
        return f"{ordered[0]}–{ordered[-1]}"
    return ", ".join(str(n) for n in ordered)


GOAL_TAG = re.compile(r"[A-Z][A-Z0-9]{1,9}-[1-9][0-9]{0,2}")


def goal_tag(code: str, number: int) -> str:
    return f"{code}-{number}"


def chosen_goals(frameworks: tuple[GoalFramework, ...], sdgs, goals) -> list[tuple[GoalFramework, list[tuple[int, str]]]]:
    """A project's goals, framework by framework (the SDGs first), each goal as (number, title
    in the reader's language); frameworks it chose nothing of are left out."""
    picked = {SDG: list(sdgs or []), **{k: v for k, v in (goals or {}).items() if k != SDG}}
    out = []
    for framework in frameworks:
        numbers = picked.get(framework.code) or []
        if numbers:
            out.append((framework, [(n, g.title_in() if (g := framework.goal(n)) else "") for n in sorted(numbers)]))
    return out
