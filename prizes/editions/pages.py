"""Editions: the public home and edition pages, and the staff edition page."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template

from accounts.guards import current_user, requires_staff
from core import audit
from core.clock import utcnow
from core.errors import DomainError, FieldError, InvalidInput
from core.i18n import OFFICIAL_LANGUAGES, language_tag
from core.i18n import gettext as _
from core.templating import page_context
from core.schemas import Year
from prizes.editions import categories, queries, services, titles
from prizes.editions.categories import before_submissions
from prizes.editions.labels import PHASE_LABELS, describe_setup, rules_in_words, update_parts
from prizes.editions.rules import FROZEN_SETTINGS, PHASES, SETTINGS_SPEC, enters_vote
from prizes.editions.services import PhaseDates

FormBody = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _timeline(edition, now: datetime) -> list[dict]:
    current = edition.phase_at(now)
    index = PHASES.index(current)
    return [
        {
            "name": w.name,
            "label": _(PHASE_LABELS[w.name]),
            "opens_at": w.opens_at,
            "closes_at": w.closes_at,
            "state": "current" if w.name == current else ("done" if PHASES.index(w.name) < index else "upcoming"),
        }
        for w in edition.windows
    ]


async def _edition_page(request: Request, year: int | None) -> Template:
    now = utcnow()
    edition = await (queries.get_current_edition(now) if year is None else queries.get_edition(year))
    current_year = await queries.current_year(now)
    context = page_context(
        request,
        edition=edition,
        phase=edition.phase_at(now),
        phase_label=_(PHASE_LABELS[edition.phase_at(now)]),
        timeline=_timeline(edition, now),
        years=await queries.list_years(),
        is_current=edition.year == current_year,
        rules=rules_in_words(edition),
    )
    return Template("prizes/home.html", context=context)


class EditionPagesController(Controller):
    include_in_schema = False

    @get("/")
    async def home(self, request: Request) -> Template:
        return await _edition_page(request, None)

    @get("/editions/{year:int}")
    async def edition(self, request: Request, year: Year) -> Template:
        return await _edition_page(request, year)


def frozen_names(edition, now: datetime) -> tuple[str, ...]:
    """The settings locked by the frozen counting rules (from the vote's opening on)."""
    return FROZEN_SETTINGS if edition.rules_json or enters_vote(edition.phase_at(now)) else ()


def _settings_from_form(form: dict[str, str], skip: tuple[str, ...] = ()) -> tuple[dict[str, object], list[FieldError]]:
    """The settings form; `skip`: locked fields (a disabled field is not sent)."""
    values: dict[str, object] = {}
    errors = []
    for name, (_default, kind, _low, _high) in SETTINGS_SPEC.items():
        if name in skip:
            continue
        raw = form.get(name)
        if kind is bool:
            values[name] = raw in ("on", "true", "1")
            continue
        if raw is None:
            continue
        try:
            values[name] = kind(raw.strip())
        except ValueError:
            errors.append(FieldError(f"settings.{name}", _("Enter a number.")))
    return values, errors


def _parse_local(raw: str | None, key: str, errors: list[FieldError]) -> datetime | None:
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        errors.append(FieldError(key, _("Enter a date and time.")))
        return None


def describe_change(entry: dict) -> str:
    """One audit entry of an edition, said in words for the staff page."""
    details = entry.get("details") or {}
    action = entry["action"]
    if action == "edition.phase":
        text = _(
            "Phase moved from %(from)s to %(to)s",
            **{"from": _(PHASE_LABELS.get(details.get("from"), details.get("from") or "?")),
               "to": _(PHASE_LABELS.get(details.get("to"), details.get("to") or "?"))},
        )
        return text + (" " + _("(automatically, at the closing instant)") if details.get("automatic") else "")
    if action == "edition.update":
        parts = update_parts(details, {"phases": _("dates"), "settings": _("settings: %(names)s"),
                                       "categories": _("category titles: %(codes)s"), "time_zone": _("time zone")})
        return _("Changed %(what)s", what="; ".join(parts))
    if action == "edition.category_titles":
        return _("Titles of category %(code)s corrected: %(languages)s", code=details.get("code", "?"),
                 languages=", ".join(sorted(details.get("titles") or {})))
    if action == "edition.create":
        return _("Edition created")
    if action == "edition.rules_frozen":
        return _("Counting rules frozen (fingerprint %(fingerprint)s)", fingerprint=details.get("fingerprint", "?"))
    return describe_setup(action, details) or action


async def render_staff_edition(request: Request, year: int, status: int = 200, errors=(), form=None, notice=None,
                               failed: str | None = None) -> Template:
    """The staff edition page; `failed`: which set-up form the errors belong to."""
    now = utcnow()
    edition = await queries.get_edition(year)
    context = page_context(
        request,
        edition=edition,
        phase=edition.phase_at(now),
        phase_label=_(PHASE_LABELS[edition.phase_at(now)]),
        phases=[(p, _(PHASE_LABELS[p])) for p in PHASES],
        timeline=_timeline(edition, now),
        settings_spec=SETTINGS_SPEC,
        frozen_names=frozen_names(edition, now),
        settings={name: edition.settings.get(name, spec[0]) for name, spec in SETTINGS_SPEC.items()},
        errors={e.key: e.message for e in errors},
        form=form or {},
        failed=failed,
        notice=notice,
        years=await queries.list_years(),
        categories_open=before_submissions(edition, now),
        submission_opens=edition.window("submission").opens_at,
        history=[
            {**entry, "description": describe_change(entry)}
            for entry in await audit.entries(subject=f"edition:{year}", limit=20)
        ],
        audit_head=await audit.head(),
    )
    return Template("prizes/staff_edition.html", context=context, status_code=status)


def _for_form(errors, goals_lines: bool = True) -> list[FieldError]:
    """Goal errors (`goals.3.title`) said on the goals textarea, with the line."""
    said = []
    for error in errors:
        parts = error.key.split(".")
        if goals_lines and parts[0] == "goals" and len(parts) == 3 and parts[1].isdigit():
            said.append(FieldError("goals", _("Line %(n)d: %(problem)s", n=int(parts[1]) + 1, problem=error.message)))
        else:
            said.append(error)
    return said


async def setup_act(request: Request, year: int, form: dict, action, failed: str, saved: str) -> Response:
    """A set-up form's action (prizes/editions/setup_pages.py): done, back to the page's section;
    refused, the page again with the errors of that form."""
    try:
        await action()
    except InvalidInput as error:
        return await render_staff_edition(request, year, 422, _for_form(error.fields), form, failed=failed)
    except DomainError as error:
        fields = error.fields or [FieldError("form", error.detail)]
        return await render_staff_edition(request, year, error.status_code,
                                          [FieldError("form", error.detail)] + _for_form(fields), form, failed=failed)
    anchor = {"framework": "frameworks-heading", "category": "categories-heading"}[saved]
    return Redirect(f"/staff/editions/{year}?saved={saved}#{anchor}", status_code=303)


class StaffEditionPagesController(Controller):
    path = "/staff"
    include_in_schema = False
    guards = [requires_staff]

    async def _render(self, request: Request, year: int, status: int = 200, errors=(), form=None, notice=None):
        return await render_staff_edition(request, year, status, errors, form, notice)

    @get("/editions/{year:int}")
    async def show(self, request: Request, year: Year, saved: FromQuery[str | None] = None) -> Template:
        notice = {"phase": _("The phase was moved."), "dates": _("The dates were saved."),
                  "settings": _("The settings were saved."), "created": _("The edition was created."),
                  "framework": _("The goal frameworks were saved."), "category": _("The categories were saved.")}.get(saved or "")
        return await self._render(request, year, notice=notice)

    async def _act(self, request: Request, year: int, form: dict, action, saved: str) -> Response:
        try:
            await action()
        except InvalidInput as error:
            return await self._render(request, year, 422, error.fields, form)
        except DomainError as error:
            return await self._render(request, year, error.status_code, [FieldError("form", error.detail)], form)
        return Redirect(f"/staff/editions/{year}?saved={saved}", status_code=303)

    @post("/editions/{year:int}/phase", status_code=303)
    async def move_phase(self, request: Request, year: Year, data: FormBody) -> Response:
        actor = current_user(request).as_actor()
        return await self._act(
            request, year, data,
            lambda: services.move_phase(year, data.get("phase", ""), data.get("reason"), actor, utcnow()),
            "phase",
        )

    @post("/editions/{year:int}/dates", status_code=303)
    async def save_dates(self, request: Request, year: Year, data: FormBody) -> Response:
        errors: list[FieldError] = []
        dates = [
            PhaseDates(
                name,
                _parse_local(data.get(f"{name}_opens_at"), f"phases.{name}.opens_at", errors),
                _parse_local(data.get(f"{name}_closes_at"), f"phases.{name}.closes_at", errors),
            )
            for name in PHASES
        ]
        if errors:
            return await self._render(request, year, 422, errors, data)
        actor = current_user(request).as_actor()
        return await self._act(
            request, year, data,
            lambda: services.update_edition(year, actor, phases=dates, reason=data.get("reason")),
            "dates",
        )

    @post("/editions/{year:int}/settings", status_code=303)
    async def save_settings(self, request: Request, year: Year, data: FormBody) -> Response:
        values, errors = _settings_from_form(data, frozen_names(await queries.get_edition(year), utcnow()))
        if errors:
            return await self._render(request, year, 422, errors, data)
        actor = current_user(request).as_actor()
        return await self._act(
            request, year, data,
            lambda: services.update_edition(year, actor, settings=values, reason=data.get("reason")),
            "settings",
        )

    @post("/editions", status_code=303)
    async def create(self, request: Request, data: FormBody) -> Response:
        latest = (await queries.list_years())[0]
        try:
            year = int((data.get("year") or "").strip())
        except ValueError:
            return await self._render(request, latest, 422, [FieldError("year", _("Enter a year."))], data)
        actor = current_user(request).as_actor()
        try:
            await services.create_edition(year, actor, utcnow(), data.get("reason") or "")
        except DomainError as error:
            fields = error.fields or [FieldError("year", error.detail)]
            return await self._render(request, latest, error.status_code, fields, data)
        return Redirect(f"/staff/editions/{year}?saved=created", status_code=303)

    async def _titles_page(self, request: Request, year: int, status: int = 200, errors=(), code=None, form=None,
                           saved=None) -> Template:
        edition = await queries.get_edition(year)
        context = page_context(
            request, edition=edition,
            languages=[(lang, name, language_tag(lang)) for lang, name in OFFICIAL_LANGUAGES.items()],
            errors={e.key: e.message for e in errors}, failed=code, form=form or {},
            notice=_("The titles of %(code)s were saved.", code=saved) if saved else None,
        )
        return Template("prizes/staff_category_titles.html", context=context, status_code=status)

    @get("/editions/{year:int}/categories")
    async def category_titles(self, request: Request, year: Year,
                              saved: FromQuery[str | None] = None) -> Template:
        edition = await queries.get_edition(year)
        return await self._titles_page(request, year, saved=saved if saved in dict(edition.categories) else None)

    @post("/editions/{year:int}/categories/{code:str}", status_code=303)
    async def save_category_titles(self, request: Request, year: Year, code: FromPath[str],
                                   data: FormBody) -> Response:
        given = {lang: data.get(f"title_{lang}", "") for lang in OFFICIAL_LANGUAGES}
        try:
            await titles.update_category_titles(year, code, given, current_user(request).as_actor(), data.get("reason"))
        except InvalidInput as error:
            return await self._titles_page(request, year, 422, error.fields, code, data)
        return Redirect(f"/staff/editions/{year}/categories?saved={code}", status_code=303)

    @post("/editions/{year:int}/categories", status_code=303)
    async def add_category(self, request: Request, year: Year, data: FormBody) -> Response:
        actor = current_user(request).as_actor()
        return await setup_act(request, year, data, lambda: categories.add_category(
            year, data.get("code", ""), data.get("title", ""), actor, utcnow(), reason=data.get("reason")),
            "category-new", "category")
