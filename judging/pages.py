"""Judging: the judge's pages (queue, score sheet) and the staff pages."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from accounts.guards import current_user, requires_judge, requires_staff
from core.clock import utcnow
from core.errors import DomainError, FieldError, InvalidInput
from core.i18n import gettext as _
from core.i18n import ngettext
from core.templating import page_context
from core.schemas import Count, Year
from judging import access, conflicts, queries, services
from judging.conflict_pages import conflict_reasons, status_labels
from judging.rules import (
    OUTLIER_FACTOR,
    OUTLIER_FLOOR,
    ROUNDS,
    shown_text,
)
from judging.schemas import (
    criteria_from_form,
    outlier_out,
    round_label,
    scores_from_form,
    to_form_key,
)
from prizes.editions.framework_rules import chosen_goals
from prizes.editions.labels import PHASE_LABELS
from prizes.nominations import services as nominations
from prizes.nominations.labels import (
    PROJECT_STATUS_LABELS,
    REGION_LABELS,
    STAKEHOLDER_LABELS,
)

RoundQuery = Annotated[str | None, QueryParameter(name="round", required=False)]


def _settings(request: Request):
    return request.app.state["settings"]


async def _year_and_round(year: int | None, round_: str | None) -> tuple[int, str]:
    return await queries.year_and_round(year, round_, utcnow())


def shown_criteria(config: queries.RoundConfig) -> list[dict[str, Any]]:
    """The criteria as a page shows them (default texts in the reader's language)."""
    return [{**c.as_dict(), "title": shown_text(c.title), "guidance": shown_text(c.guidance)} for c in config.criteria]


def _errors(error: DomainError) -> dict[str, str]:
    return {f.key: f.message for f in error.fields} or {"form": error.detail}


class JudgePagesController(Controller):
    path = "/judging"
    include_in_schema = False
    guards = [requires_judge]

    @get("/")
    async def queue(self, request: Request, saved: FromQuery[str | None] = None) -> Template:
        now = utcnow()
        user = current_user(request)
        round_, items = await queries.queue(user, now)
        edition = await queries.edition_year(None, now)
        submitted = sum(1 for i in items if i["sheet"] == "submitted")
        first = queries.next_unscored(items, "")
        notice = {"done": _("Every project of your queue has a sheet saved."),
                  "withdrawn": _("Your conflict of interest was withdrawn: the project is back in your queue."),
                  "conflict": _("Your conflict of interest was recorded."),
                  "conflict_request": _("Your score sheet on this project is already submitted, so the secretariat "
                                        "decides on this conflict; your sheet counts until then.")}.get(saved or "")
        return Template("judging/queue.html", context=page_context(
            request, edition=edition, round=round_, round_label=round_label(round_) if round_ else None,
            phase_label=_(PHASE_LABELS[edition.phase_at(now)]), items=items, submitted=submitted, next_id=first,
            notice=notice, my_conflicts=await conflicts.mine(user),
        ))

    async def _sheet_page(self, request: Request, project: queries.JudgeProject, status: int = 200,
                          errors: dict[str, str] | None = None, form: dict | None = None,
                          notice: str | None = None) -> Template:
        user = current_user(request)
        row = project.row
        sheet = queries.sheet_out(row["id"], project.round,
                                  await queries.sheet_row(row["id"], user.id, project.round), project.config.criteria)
        _round, items = await queries.queue(user, utcnow())
        ids = [i["nomination_id"] for i in items]
        position = ids.index(str(row["id"])) + 1 if str(row["id"]) in ids else None
        values = form or {
            "scores": {c.key: sheet["scores"].get(c.key, "") for c in project.config.criteria},
            "comment": sheet["comment"],
        }
        view = access.judge_view(row, project.blind)
        edition = await queries.edition_year(view["year"], utcnow())
        for name, labels in (("stakeholder_type", STAKEHOLDER_LABELS), ("region", REGION_LABELS),
                             ("project_status", PROJECT_STATUS_LABELS)):
            view[name] = _(labels[view[name]]) if view[name] in labels else view[name]
        return Template("judging/sheet.html", status_code=status, context=page_context(
            request, project=view, blind=project.blind, round=project.round,
            round_label=round_label(project.round), criteria=shown_criteria(project.config),
            rubric_guidance=shown_text(project.config.guidance), sheet=sheet, values=values,
            errors=errors or {}, notice=notice, position=position, count=len(items),
            next_id=queries.next_unscored(items, str(row["id"])), panel=await queries.panel_view(project, user),
            eligibility={"status": row["status"], "reason": row["eligibility_reason"]},
            goal_lines=chosen_goals(edition.frameworks, view.get("sdgs"), view.get("goals")),
        ))

    @get("/projects/{nomination_id:str}")
    async def sheet(self, request: Request, nomination_id: FromPath[str], saved: FromQuery[str | None] = None) -> Template:
        project = await queries.judge_project(current_user(request), nomination_id, utcnow())
        notice = {"draft": _("Your draft was saved."), "submitted": _("Your score sheet was submitted."),
                  "eligibility": _("Your screening decision was recorded.")}.get(saved or "")
        return await self._sheet_page(request, project, notice=notice)

    @post("/projects/{nomination_id:str}", status_code=303)
    async def save(self, request: Request, nomination_id: FromPath[str]) -> Response:
        user = current_user(request)
        now = utcnow()
        project = await queries.judge_project(user, nomination_id, now)
        form = await request.form()
        action = form.get("action", "draft")
        scores, problems = scores_from_form(form, project.config.criteria)
        values = {"scores": {c.key: form.get(f"score-{c.key}", "") for c in project.config.criteria},
                  "comment": form.get("comment", "")}
        if problems:
            return await self._sheet_page(request, project, 422, {f.key: f.message for f in problems}, values)
        try:
            await services.save_sheet(user, nomination_id, scores, form.get("comment", ""), action == "submit", now)
        except DomainError as error:
            return await self._sheet_page(request, project, error.status_code, _errors(error), values)
        nid = str(project.row["id"])
        if action == "next":
            _round, items = await queries.queue(user, now)
            following = queries.next_unscored(items, nid)
            if following is None:
                return Redirect("/judging?saved=done", status_code=303)
            return Redirect(f"/judging/projects/{following}", status_code=303)
        return Redirect(f"/judging/projects/{nid}?saved={'submitted' if action == 'submit' else 'draft'}",
                        status_code=303)

    @post("/projects/{nomination_id:str}/conflict", status_code=303)
    async def conflict(self, request: Request, nomination_id: FromPath[str]) -> Response:
        user = current_user(request)
        now = utcnow()
        project = await queries.judge_project(user, nomination_id, now)
        form = await request.form()
        try:
            declared = await services.declare_conflict(user, nomination_id, form.get("reason", ""), now)
        except DomainError as error:
            errors = {("conflict_reason" if k == "reason" else k): v for k, v in _errors(error).items()}
            return await self._sheet_page(request, project, error.status_code, errors)
        saved = "conflict_request" if declared["status"] == "pending" else "conflict"
        return Redirect(f"/judging?saved={saved}", status_code=303)

    @post("/projects/{nomination_id:str}/eligibility", status_code=303)
    async def eligibility(self, request: Request, nomination_id: FromPath[str]) -> Response:
        user = current_user(request)
        now = utcnow()
        project = await queries.judge_project(user, nomination_id, now)
        form = await request.form()
        choice = form.get("eligible", "")
        try:
            if choice not in ("yes", "no"):
                raise InvalidInput([FieldError("eligible", _("Choose whether the project is eligible."))])
            await nominations.decide_eligibility(user, nomination_id, choice == "yes", form.get("reason", ""), now,
                                                 request.app.state["nomination_access"])
        except DomainError as error:
            errors = {("eligibility_reason" if k == "reason" else k): v for k, v in _errors(error).items()}
            return await self._sheet_page(request, project, error.status_code, errors)
        return Redirect(f"/judging/projects/{project.row['id']}?saved=eligibility", status_code=303)


# --- staff pages -------------------------------------------------------------------------------




def _round_choices() -> list[tuple[str, str]]:
    return [(r, round_label(r)) for r in ROUNDS]


class StaffJudgingPagesController(Controller):
    path = "/staff/judging"
    include_in_schema = False
    guards = [requires_staff]

    @get("/")
    async def index(self) -> Redirect:
        edition = await queries.edition_year(None, utcnow())
        return Redirect(f"/staff/judging/{edition.year}", status_code=303)

    async def _panels_page(self, request: Request, year: int, status: int = 200, errors: dict | None = None,
                           form: dict | None = None, notice: str | None = None) -> Template:
        now = utcnow()
        edition = await queries.edition_year(year, now)
        panels = {code: [] for code, _title in edition.categories}
        for a in await queries.assignments(year):
            panels[a["category"]].append(a)
        rounds = [await queries.round_config(year, r) for r in ROUNDS]
        form = form or {}
        rows = {}
        for config in rounds:
            if form.get("round") == config.round and "criteria-0-key" in form:
                count = sum(1 for k in form if k.startswith("criteria-") and k.endswith("-key"))
                rows[config.round] = [{name: form.get(f"criteria-{i}-{name}", "") for name in
                                       ("key", "title", "weight", "min", "max", "guidance")} for i in range(count)]
            else:
                rows[config.round] = [c.as_dict() for c in config.criteria] + [
                    {"key": "", "title": "", "weight": "", "min": "", "max": "", "guidance": ""}] * 2
        return Template("judging/staff_panels.html", status_code=status, context=page_context(
            request, edition=edition, panels=panels, rounds=rounds, round_labels=dict(_round_choices()),
            rubric_rows=rows, criteria_shown={c.round: shown_criteria(c) for c in rounds},
            guidance_shown={c.round: shown_text(c.guidance) for c in rounds},
            conflicts=await conflicts.listing(year), conflict_reasons=conflict_reasons(), status_labels=status_labels(),
            errors=errors or {}, form=form, notice=notice, section="panels",
            blind_edition=bool(edition.settings.get("blind_judging")),
        ))

    @get("/{year:int}")
    async def panels(self, request: Request, year: Year, saved: FromQuery[str | None] = None) -> Template:
        notice = {"assigned": _("The judge was assigned."), "removed": _("The judge was taken off the panel."),
                  "rubric": _("The rubric was saved."), "round": _("The round's settings were saved.")}.get(saved or "")
        return await self._panels_page(request, year, notice=notice)

    async def _act(self, request: Request, year: int, form: dict, action, saved: str, anchor: str = "") -> Response:
        try:
            await action()
        except DomainError as error:
            return await self._panels_page(request, year, error.status_code, _errors(error), form)
        return Redirect(f"/staff/judging/{year}?saved={saved}{anchor}", status_code=303)

    @post("/{year:int}/assignments", status_code=303)
    async def assign(self, request: Request, year: Year) -> Response:
        form = dict(await request.form())
        actor = current_user(request).as_actor()
        return await self._act(request, year, form, lambda: services.assign_judge(
            form.get("email", ""), form.get("category", ""), year, actor, utcnow()), "assigned")

    @post("/{year:int}/assignments/remove", status_code=303)
    async def unassign(self, request: Request, year: Year) -> Response:
        form = dict(await request.form())
        actor = current_user(request).as_actor()
        return await self._act(request, year, {}, lambda: services.unassign_judge(
            form.get("email", ""), form.get("category", ""), year, actor, utcnow()), "removed")

    @post("/{year:int}/rubric", status_code=303)
    async def rubric(self, request: Request, year: Year) -> Response:
        form = dict(await request.form())
        round_ = form.get("round", "")
        criteria, problems, rows = criteria_from_form(form)
        if problems:
            errors = {f"{round_}.{f.key}": f.message for f in problems}
            return await self._panels_page(request, year, 422, errors, form)
        actor = current_user(request).as_actor()
        try:
            await services.save_rubric(year, round_, criteria, form.get("guidance", ""), form.get("reason", ""), actor,
                                       utcnow())
        except DomainError as error:
            errors = {f"{round_}.{to_form_key(k, rows)}": v for k, v in _errors(error).items()}
            return await self._panels_page(request, year, error.status_code, errors, form)
        return Redirect(f"/staff/judging/{year}?saved=rubric", status_code=303)

    @post("/{year:int}/rounds", status_code=303)
    async def round_settings(self, request: Request, year: Year) -> Response:
        form = dict(await request.form())
        actor = current_user(request).as_actor()
        return await self._act(request, year, form, lambda: services.save_round_settings(
            year, form.get("round", ""), form.get("blind") == "on", form.get("share_scores") == "on",
            form.get("reason", ""), actor, utcnow()), "round")

    # progress

    async def _progress_page(self, request: Request, year: int, round_: str | None, status: int = 200,
                             errors: dict | None = None, form: dict | None = None, notice: str | None = None):
        year, round_ = await _year_and_round(year, round_)
        edition = await queries.edition_year(year, utcnow())
        progress = await queries.progress(year, round_)
        judges = progress["judges"]
        return Template("judging/staff_progress.html", status_code=status, context=page_context(
            request, edition=edition, round=round_, round_label=round_label(round_), rounds=_round_choices(),
            progress=progress, waiting=[j for j in judges if j["remaining"] > 0],
            totals={k: sum(j[k] for j in judges) for k in ("assigned", "submitted", "drafts", "remaining")},
            errors=errors or {}, form=form or {}, notice=notice, section="progress",
        ))

    @get("/{year:int}/progress")
    async def progress(self, request: Request, year: Year, round_: RoundQuery = None,
                       sent: Count = None, reopened: FromQuery[str | None] = None) -> Template:
        notice = None
        if sent is not None:
            notice = ngettext("A reminder was queued for %(num)d judge.", "Reminders were queued for %(num)d judges.", sent)
        elif reopened:
            notice = _("The score sheet was reopened; its judge can change and submit it again.")
        return await self._progress_page(request, year, round_, notice=notice)

    @post("/{year:int}/reminders", status_code=303)
    async def reminders(self, request: Request, year: Year) -> Response:
        form = dict(await request.form())
        round_ = form.get("round") if form.get("round") in ROUNDS else None
        try:
            sent = await services.send_reminders(year, round_, current_user(request).as_actor(),
                                                 _settings(request).base_url, utcnow())
        except DomainError as error:
            return await self._progress_page(request, year, None, error.status_code, _errors(error), form)
        return Redirect(f"/staff/judging/{year}/progress?round={round_ or ''}&sent={len(sent)}", status_code=303)

    @post("/{year:int}/reopen", status_code=303)
    async def reopen(self, request: Request, year: Year) -> Response:
        form = dict(await request.form())
        round_ = form.get("round") if form.get("round") in ROUNDS else None
        try:
            await services.reopen_sheet(form.get("nomination_id", ""), form.get("email", ""), round_,
                                        form.get("reason", ""), current_user(request).as_actor(), utcnow())
        except DomainError as error:
            return await self._progress_page(request, year, round_, error.status_code, _errors(error), form)
        return Redirect(f"/staff/judging/{year}/progress?round={round_ or ''}&reopened=1", status_code=303)

    # rankings

    @get("/{year:int}/rankings")
    async def rankings(self, request: Request, year: Year, category: FromQuery[str | None] = None,
                       round_: RoundQuery = None) -> Template:
        year, round_ = await _year_and_round(year, round_)
        edition = await queries.edition_year(year, utcnow())
        category = category or edition.categories[0][0]
        result = await queries.ranking(year, category, round_)
        titles = dict(edition.categories_in())
        return Template("judging/staff_rankings.html", context=page_context(
            request, edition=edition, round=round_, round_label=round_label(round_), rounds=_round_choices(),
            category=result.category, category_title=titles.get(result.category, ""), result=result,
            ranking=result.ranking, judges=[(j, outlier_out(j, result.judge_emails)) for j in result.ranking.judges],
            outlier_factor=OUTLIER_FACTOR, outlier_floor=OUTLIER_FLOOR, section="rankings",
            changed=sum(1 for p in result.ranking.items if p.rank is not None and p.rank != p.normalised_rank),
            robustness=result.robustness, shares=result.robustness.first_share if result.robustness else {},
        ))

