"""Staff add, edit and remove the goal frameworks of an edition (SPEC §11). Each action is
one transaction with its audit entry (`edition.framework_add`, `edition.framework_update`,
`edition.framework_remove`); nothing is written unless every field is valid. The SDG framework
is built in: it can be neither removed nor edited here."""

from __future__ import annotations

import json

from core import audit
from core.audit import Actor
from core.db import is_foreign_key_violation, transaction
from core.errors import Conflict, FieldError, FieldErrors, NotFound
from core.i18n import gettext as _
from core.validation import clean_text
from prizes.editions import queries
from prizes.editions.additions import append_to_edition
from prizes.editions.framework_rules import SDG, Goal, GoalFramework, check_code, check_goals
from prizes.editions.rules import EditionState, check_titles
from prizes.editions.tables import Framework, FrameworkGoal
from prizes.nominations.tables import NominationGoal


async def insert_frameworks(edition_id: int, frameworks) -> None:
    """Write `frameworks` (GoalFramework values) for a new edition, in the caller's transaction."""
    for position, framework in enumerate(frameworks):
        row = Framework(edition=edition_id, code=framework.code, title=framework.title, position=position,
                        titles=json.dumps({**dict(framework.titles), "en": framework.title}, ensure_ascii=False))
        await Framework.insert(row)
        await FrameworkGoal.insert(*[
            FrameworkGoal(framework=row.id, number=g.number, title=g.title,
                          titles=json.dumps({**dict(g.titles), "en": g.title}, ensure_ascii=False))
            for g in framework.goals])


def _check(errors: FieldErrors, title: object, titles: object, goals: object) -> tuple[str, dict, list]:
    text = clean_text(errors, "title", title if isinstance(title, str) else "", max_length=300)
    given = check_titles(errors, titles) if titles else {}
    return text, given, check_goals(errors, goals)


def _framework_row(edition: EditionState, code: str) -> GoalFramework:
    found = edition.framework(code)
    if found is None:
        raise NotFound(_("Unknown goal framework %(code)s.", code=code[:20]))
    if code == SDG:
        raise Conflict(_("The Sustainable Development Goals are built into every edition; they cannot be changed here."),
                       [FieldError("code", _("The SDG framework is built in."))])
    return found


def _uses(edition_id: int, code: str, number: int | None = None):
    """Choices (`nomination_goal` rows) of a goal of `code` of the edition (goal `number` if
    given). The friendly check: the foreign key (restrict) refuses the removal anyway."""
    where = (NominationGoal.goal.framework.edition == edition_id) & (NominationGoal.goal.framework.code == code)
    return where & (NominationGoal.goal.number == number) if number is not None else where


def _goal_in_use(code: str, numbers) -> Conflict:
    said = ", ".join(str(n) for n in numbers)
    return Conflict(_("Goal %(n)s of %(code)s is chosen by projects; it cannot be removed.", n=said, code=code),
                    [FieldError("goals", _("Goal %(n)s is in use.", n=said))])


def _framework_in_use(code: str, count: int) -> Conflict:
    return Conflict(_("Projects chose goals of %(code)s (%(count)d in all); the framework cannot be removed.",
                      count=count, code=code), [FieldError("code", _("in use by projects"))])


async def add_framework(year: int, code: object, title: object, goals: object, actor: Actor, *,
                        titles: object = None, reason: str | None = None) -> EditionState:
    edition = await queries.get_edition(year)
    errors = FieldErrors()
    code = check_code(errors, code)
    text, given, cleaned = _check(errors, title, titles, goals)
    reason = clean_text(errors, "reason", reason, max_length=2000, required=False, multiline=True)
    errors.raise_if_any()
    if edition.framework(code) is not None:
        raise _clash(code)
    framework = GoalFramework(code, text, {**given, "en": text}, tuple(Goal(n, t, {"en": t}) for n, t in cleaned))

    async def insert(edition_id: int, position: int) -> None:
        await insert_frameworks(edition_id, [framework])
        await Framework.update({Framework.position: position}).where(
            (Framework.edition == edition_id) & (Framework.code == code))

    return await append_to_edition(year, Framework, insert, actor=actor, action="edition.framework_add", reason=reason,
                                   details={"code": code, "title": text, "goals": [n for n, _t in cleaned]},
                                   clash=_clash(code))


def _clash(code: str) -> Conflict:
    return Conflict(_("The edition already has a goal framework %(code)s.", code=code),
                    [FieldError("code", _("already exists"))])


async def update_framework(year: int, code: str, title: object, goals: object, actor: Actor, *,
                           titles: object = None, reason: str | None = None) -> EditionState:
    """Replace the title and the goals of a framework; a goal a nomination chose cannot go."""
    edition = await queries.get_edition(year)
    current = _framework_row(edition, code)
    errors = FieldErrors()
    text, given, cleaned = _check(errors, title, titles, goals)
    reason = clean_text(errors, "reason", reason, max_length=2000, required=False, multiline=True)
    errors.raise_if_any()
    row = await queries.edition_row(year)
    after = dict(cleaned)
    removed = sorted(current.numbers - set(after))
    try:
        async with transaction(public=True):
            for number in removed:
                if await NominationGoal.exists().where(_uses(row["id"], code, number)):
                    raise _goal_in_use(code, [number])
            stored = await Framework.select(Framework.id).where(
                (Framework.edition == row["id"]) & (Framework.code == code)).first()
            titles_after = {**dict(current.titles), **given, "en": text}
            await Framework.update({Framework.title: text, Framework.titles: json.dumps(titles_after, ensure_ascii=False)}
                                   ).where(Framework.id == stored["id"])
            # goals kept are updated in place (projects' choices point at them); the foreign key
            # refuses the deletion of one a project chose since the check above
            if removed:
                await FrameworkGoal.delete().where(
                    (FrameworkGoal.framework == stored["id"]) & FrameworkGoal.number.is_in(removed))
            for n, t in cleaned:
                titles = json.dumps({**dict(g.titles if (g := current.goal(n)) and g.title == t else {}), "en": t},
                                    ensure_ascii=False)
                if current.goal(n) is None:
                    await FrameworkGoal.insert(FrameworkGoal(framework=stored["id"], number=n, title=t, titles=titles))
                else:
                    await FrameworkGoal.update({FrameworkGoal.title: t, FrameworkGoal.titles: titles}).where(
                        (FrameworkGoal.framework == stored["id"]) & (FrameworkGoal.number == n))
            before = {g.number: g.title for g in current.goals}
            changes = {
                "title": {"from": current.title, "to": text} if current.title != text else None,
                "added": sorted(set(after) - set(before)), "removed": removed,
                "retitled": sorted(n for n in set(after) & set(before) if after[n] != before[n]),
            }
            await audit.record(actor, "edition.framework_update", f"edition:{year}", reason or "",
                               {"code": code, **{k: v for k, v in changes.items() if v}})
    except Exception as error:
        if is_foreign_key_violation(error):
            raise _goal_in_use(code, removed) from None
        raise
    queries.forget()
    return await queries.get_edition(year)


async def remove_framework(year: int, code: str, actor: Actor, reason: str | None = None) -> EditionState:
    """Remove a framework (and its goals) that no nomination of the edition uses."""
    edition = await queries.get_edition(year)
    current = _framework_row(edition, code)
    errors = FieldErrors()
    reason = clean_text(errors, "reason", reason, max_length=2000, required=False, multiline=True)
    errors.raise_if_any()
    row = await queries.edition_row(year)
    try:
        async with transaction(public=True):
            used = len(await NominationGoal.select(NominationGoal.nomination).where(_uses(row["id"], code)).distinct())
            if used:
                raise _framework_in_use(code, used)
            # its goals go with it (cascade), unless a project chose one: the foreign key refuses
            await Framework.delete().where((Framework.edition == row["id"]) & (Framework.code == code))
            await audit.record(actor, "edition.framework_remove", f"edition:{year}", reason or "",
                               {"code": code, "title": current.title, "goals": sorted(current.numbers)})
    except Exception as error:
        if is_foreign_key_violation(error):
            used = len(await NominationGoal.select(NominationGoal.nomination).where(_uses(row["id"], code)).distinct())
            raise _framework_in_use(code, max(1, used)) from None
        raise
    queries.forget()
    return await queries.get_edition(year)
