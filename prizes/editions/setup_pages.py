"""The staff edition page's set-up forms (no JavaScript): goal frameworks added, edited and
removed; categories added and removed before submissions open. Each posts, then comes back
to `/staff/editions/{year}` (with the errors of the form that failed, nothing written)."""

from __future__ import annotations

import re
from typing import Annotated

from litestar import Controller, Request, Response, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect

from accounts.guards import current_user, requires_staff
from core.clock import utcnow
from core.errors import FieldError
from core.i18n import gettext as _
from core.schemas import Year
from prizes.editions import categories, frameworks
from prizes.editions.pages import render_staff_edition, setup_act

FormBody = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
GOAL_LINE = re.compile(r"\s*(\d{1,6})\s*[.):\-–]?\s+(.*)")
MAX_LINES = 200


def parse_goals(text: str) -> tuple[list[dict], list[FieldError]]:
    """The goals textarea: one goal a line, its number then its title ("1 Close all digital
    divides…"; "1." or "1)" also do); blank lines are skipped."""
    goals, errors = [], []
    lines = [line for line in (text or "").splitlines() if line.strip()]
    for index, line in enumerate(lines[:MAX_LINES + 1]):
        found = GOAL_LINE.fullmatch(line)
        if not found:
            errors.append(FieldError("goals", _("Line %(n)d: start with the goal's number, then its title.", n=index + 1)))
            continue
        goals.append({"number": int(found.group(1)), "title": found.group(2)})
    return goals, errors


class StaffEditionSetupPagesController(Controller):
    path = "/staff"
    include_in_schema = False
    guards = [requires_staff]

    @post("/editions/{year:int}/frameworks", status_code=303)
    async def add_framework(self, request: Request, year: Year, data: FormBody) -> Response:
        goals, errors = parse_goals(data.get("goals", ""))
        if errors:
            return await render_staff_edition(request, year, 422, errors, data, failed="framework-new")
        actor = current_user(request).as_actor()
        return await setup_act(request, year, data, lambda: frameworks.add_framework(
            year, data.get("code", ""), data.get("title", ""), goals, actor, reason=data.get("reason")),
            "framework-new", "framework")

    @post("/editions/{year:int}/frameworks/{code:str}", status_code=303)
    async def update_framework(self, request: Request, year: Year, code: FromPath[str], data: FormBody) -> Response:
        goals, errors = parse_goals(data.get("goals", ""))
        if errors:
            return await render_staff_edition(request, year, 422, errors, data, failed=f"framework-{code}")
        actor = current_user(request).as_actor()
        return await setup_act(request, year, data, lambda: frameworks.update_framework(
            year, code, data.get("title", ""), goals, actor, reason=data.get("reason")),
            f"framework-{code}", "framework")

    @post("/editions/{year:int}/frameworks/{code:str}/delete", status_code=303)
    async def remove_framework(self, request: Request, year: Year, code: FromPath[str], data: FormBody) -> Response:
        actor = current_user(request).as_actor()
        return await setup_act(request, year, data, lambda: frameworks.remove_framework(
            year, code, actor, data.get("reason")), f"framework-{code}", "framework")

    @post("/editions/{year:int}/categories/{code:str}/delete", status_code=303)
    async def remove_category(self, request: Request, year: Year, code: FromPath[str], data: FormBody) -> Response:
        actor = current_user(request).as_actor()
        return await setup_act(request, year, data, lambda: categories.remove_category(
            year, code, actor, utcnow(), data.get("reason")), f"category-{code}", "category")
