"""Jinja2 pages rendered on the server: one environment with autoescaping and gettext."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from core import i18n

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = TEMPLATE_DIR / "static"


def format_instant(value: datetime | None, time_zone: str, with_zone: bool = True) -> str:
    """An instant stored in UTC, shown in the edition's time zone (e.g. `31 Mar 2027, 23:00 CEST`)."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(time_zone))
    text = format_datetime(local, "d MMM y, HH:mm", locale=i18n.current_language())
    return f"{text} {local.tzname()}" if with_zone else text


def local_input_value(value: datetime | None, time_zone: str) -> str:
    """The value of an `<input type="datetime-local">` in the edition's time zone."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(time_zone)).strftime("%Y-%m-%dT%H:%M")


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=False),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
    env.filters["instant"] = format_instant
    env.filters["local_input"] = local_input_value
    env.globals["LANGUAGES"] = i18n.LANGUAGES
    env.globals["current_language"] = i18n.current_language
    return env


def template_config() -> TemplateConfig:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(make_environment()))


def page_context(request: Request, **context) -> dict:
    """What every page needs besides its own data: the signed-in user and the language."""
    return {
        "user": request.scope.get("user"),
        "lang": i18n.current_language(),
        "current_path": request.url.path,
        **context,
    }


_TEXT_ENVIRONMENT: Environment | None = None


def render_text(template_name: str, **context) -> str:
    """A plain-text template (mails) in the current language; not HTML-escaped."""
    global _TEXT_ENVIRONMENT
    if _TEXT_ENVIRONMENT is None:
        _TEXT_ENVIRONMENT = make_environment()
    return _TEXT_ENVIRONMENT.get_template(template_name).render(**context)
