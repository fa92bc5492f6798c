"""Jinja2 pages rendered on the server: one environment with autoescaping and gettext."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_skeleton
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from core import i18n

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = TEMPLATE_DIR / "static"


def format_instant(value: datetime | None, time_zone: str, with_zone: bool = True) -> str:
    """An instant stored in UTC, shown in the edition's time zone (never the reader's) and
    written the reader's way (Babel's CLDR data): `Mar 31, 2027, 23:00 CEST` in English,
    `31 mars 2027, 23:00 CEST` in French, `2027年3月31日 23:00 CEST` in Chinese. The
    24-hour clock everywhere: the zone's abbreviation follows it, an AM/PM marker would not."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(time_zone))
    language = i18n.current_language()
    date = format_skeleton("yMMMd", local, locale=language)
    time = format_skeleton("Hm", local, locale=language)
    text = Locale.parse(language).datetime_formats["medium"].format(time, date)
    return f"{text} {local.tzname()}" if with_zone else text


def format_number(value: int | float | None) -> str:
    """A count or a figure written the reader's way (`12,345`, `12 345`, `12.345`)."""
    if value is None:
        return ""
    return format_decimal(value, locale=i18n.current_language())


def local_input_value(value: datetime | None, time_zone: str) -> str:
    """The value of an `<input type="datetime-local">` in the edition's time zone."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(time_zone)).strftime("%Y-%m-%dT%H:%M")


def isolate(value) -> Markup:
    """Text typed by people (a title, a name, a description), isolated in `<bdi>` so that it
    keeps its own direction: an Arabic entity name in an English page, an English title in an
    Arabic one. Escaped like any other value; empty text gives nothing."""
    if value is None or value == "":
        return Markup("")
    return Markup("<bdi>%s</bdi>") % escape(value)


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
    env.filters["number"] = format_number
    env.filters["bdi"] = isolate
    env.globals["LANGUAGES"] = i18n.LANGUAGES
    env.globals["current_language"] = i18n.current_language
    env.globals["language_tag"] = i18n.language_tag
    env.globals["text_direction"] = i18n.text_direction
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
