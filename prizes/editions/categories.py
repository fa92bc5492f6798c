"""Staff add or remove a category of an edition while it is being prepared: before its
submission phase opens (the phase is still `submission` and its opening instant is ahead;
an edition staff moved on is past it). Audited as `edition.category_add` and
`edition.category_remove`; a category with projects cannot go (the nominations' foreign key
restricts it too)."""

from __future__ import annotations

import json
from datetime import datetime

from core import audit
from core.audit import Actor
from core.db import transaction
from core.errors import Conflict, FieldError, FieldErrors, Forbidden, NotFound
from core.i18n import gettext as _
from core.templating import format_instant
from core.validation import clean_text
from prizes.editions import queries
from prizes.editions.additions import append_to_edition
from prizes.editions.framework_rules import check_category_code
from prizes.editions.rules import EditionState, check_titles, default_titles
from prizes.editions.tables import Category
from prizes.nominations.tables import Nomination


class SubmissionsOpen(Forbidden):
    """Categories are fixed once the submission phase has opened."""


def before_submissions(edition: EditionState, now: datetime) -> bool:
    """Still being prepared: the submission phase is the effective one and has not opened."""
    return edition.phase_at(now) == "submission" and now < edition.window("submission").opens_at


def require_preparation(edition: EditionState, now: datetime) -> None:
    if not before_submissions(edition, now):
        opens = edition.window("submission").opens_at
        raise SubmissionsOpen(
            _("Categories can be added or removed only before submissions open (for the %(year)s edition: %(date)s); "
              "this is only possible during the preparation of an edition.",
              year=edition.year, date=format_instant(opens, edition.time_zone)),
            [FieldError("code", _("Submissions have opened: the categories are fixed."))])


async def add_category(year: int, code: object, title: object, actor: Actor, now: datetime, *,
                       titles: object = None, reason: str | None = None) -> EditionState:
    edition = await queries.get_edition(year)
    errors = FieldErrors()
    code = check_category_code(errors, code)
    text = clean_text(errors, "title", title if isinstance(title, str) else "", max_length=300)
    given = check_titles(errors, titles) if titles else {}
    reason = clean_text(errors, "reason", reason, max_length=2000, required=False, multiline=True)
    errors.raise_if_any()
    require_preparation(edition, now)
    if code in dict(edition.categories):
        raise _clash(code)
    titles = json.dumps({**default_titles(code, text), **given, "en": text}, ensure_ascii=False)

    async def insert(edition_id: int, position: int) -> None:
        await Category.insert(Category(edition=edition_id, code=code, title=text, position=position, titles=titles))

    return await append_to_edition(year, Category, insert, actor=actor, action="edition.category_add", reason=reason,
                                   details={"code": code, "title": text}, clash=_clash(code))


def _clash(code: str) -> Conflict:
    return Conflict(_("The edition already has a category %(code)s.", code=code), [FieldError("code", _("already exists"))])


async def remove_category(year: int, code: str, actor: Actor, now: datetime, reason: str | None = None) -> EditionState:
    edition = await queries.get_edition(year)
    if code not in dict(edition.categories):
        raise NotFound(_("Unknown category %(code)s.", code=code[:20]))
    errors = FieldErrors()
    reason = clean_text(errors, "reason", reason, max_length=2000, required=False, multiline=True)
    errors.raise_if_any()
    require_preparation(edition, now)
    row = await queries.edition_row(year)
    async with transaction(public=True):
        stored = await Category.select(Category.id).where(
            (Category.edition == row["id"]) & (Category.code == code)).first()
        if await Nomination.exists().where(Nomination.category == stored["id"]):
            raise Conflict(_("Projects were entered in category %(code)s; it cannot be removed.", code=code),
                           [FieldError("code", _("in use by projects"))])
        await Category.delete().where(Category.id == stored["id"])
        await audit.record(actor, "edition.category_remove", f"edition:{year}", reason or "",
                           {"code": code, "title": dict(edition.categories)[code]})
    queries.forget()
    return await queries.get_edition(year)
