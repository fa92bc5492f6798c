"""Staff correct the categories' titles in the six languages (a service: one transaction,
audited as `edition.category_titles`)."""

from __future__ import annotations

import json

from core import audit
from core.audit import Actor
from core.db import transaction
from core.errors import FieldErrors, NotFound
from core.i18n import gettext as _
from core.validation import clean_text
from prizes.editions import queries
from prizes.editions.rules import EditionState, check_titles, titles_of
from prizes.editions.tables import Category


async def update_category_titles(year: int, code: str, titles: object, actor: Actor,
                                 reason: str | None = None) -> EditionState:
    """Replace the given languages' titles of one category (the others are kept); the English
    one is also the category's `title`. Nothing is written unless every field is valid."""
    current = await queries.get_edition(year)
    if code not in dict(current.categories):
        raise NotFound(_("Unknown category %(code)s.", code=code))
    errors = FieldErrors()
    given = check_titles(errors, titles)
    reason = clean_text(errors, "reason", reason, max_length=2000, required=False, multiline=True)
    errors.raise_if_any()
    row = await queries.edition_row(year)
    async with transaction(public=True):
        stored = await Category.select(Category.id, Category.title, Category.titles).where(
            (Category.edition == row["id"]) & (Category.code == code)).first()
        before = {**titles_of(stored["titles"]), "en": stored["title"]}
        after = {**before, **given}
        changes = {lang: {"from": before.get(lang), "to": title} for lang, title in given.items()
                   if before.get(lang) != title}
        if changes:
            await Category.update({Category.titles: json.dumps(after, ensure_ascii=False),
                                   Category.title: after["en"]}).where(Category.id == stored["id"])
            await audit.record(actor, "edition.category_titles", f"edition:{year}", reason or "",
                               {"code": code, "titles": changes})
    queries.forget()
    return await queries.get_edition(year)
