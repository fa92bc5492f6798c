"""Translations: Babel catalogues (`core/locale/<lang>/LC_MESSAGES/messages.po`), compiled in
memory at start-up, and the reader's language for the current request in a context variable.

Every user-facing string goes through `gettext` (`_`), in Python and in templates.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# The six official languages of the United Nations, each named in itself (the switch lists
# them so). A language is offered once its catalogue is merged and complete: until then it
# waits in PENDING_LANGUAGES (out of the switch, of negotiation, of `check` and of the tests).
# All six catalogues are complete today.
OFFICIAL_LANGUAGES = {
    "en": "English",
    "fr": "Français",
    "es": "Español",
    "ar": "العربية",
    "zh": "中文",
    "ru": "Русский",
}
PENDING_LANGUAGES: frozenset[str] = frozenset()
LANGUAGES = {code: name for code, name in OFFICIAL_LANGUAGES.items() if code not in PENDING_LANGUAGES}
DEFAULT_LANGUAGE = "en"
# The BCP 47 tag of `lang` attributes where it differs from the code (Simplified Chinese).
_LANGUAGE_TAGS = {"zh": "zh-Hans"}
_RIGHT_TO_LEFT = frozenset({"ar"})
LANGUAGE_COOKIE = "lang"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=DEFAULT_LANGUAGE)


@lru_cache(maxsize=None)
def translations(language: str) -> NullTranslations:
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT_LANGUAGE or not po.is_file():
        return NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def current_language() -> str:
    return _current.get()


def language_tag(language: str | None = None) -> str:
    """The value of an HTML `lang` attribute for `language` (the current one by default)."""
    code = language or _current.get()
    return _LANGUAGE_TAGS.get(code, code)


def text_direction(language: str | None = None) -> str:
    """`rtl` for a right-to-left language, `ltr` otherwise: the page's `dir` attribute."""
    return "rtl" if (language or _current.get()) in _RIGHT_TO_LEFT else "ltr"


def set_language(language: str) -> contextvars.Token:
    return _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


@contextlib.contextmanager
def in_language(language: str | None) -> Iterator[None]:
    """Within the block, messages are in `language` (the default one for an unknown or
    empty value): a mail is written in its reader's language, not in the sender's."""
    token = set_language(language or DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str, **variables) -> str:
    text = translations(_current.get()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables) -> str:
    text = translations(_current.get()).ngettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables


_ = gettext


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    """The cookie set by the language switch wins; then the browser's preference."""
    if cookie in LANGUAGES:
        return cookie
    best, best_q = DEFAULT_LANGUAGE, -1.0
    for part in (accept_language or "").split(","):
        piece = part.strip()
        if not piece:
            continue
        tag, _sep, params = piece.partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        # q=0 means "not acceptable" (RFC 9110 §12.4.2): never pick a language refused so.
        if primary in LANGUAGES and q > 0 and q > best_q:
            best, best_q = primary, q
    return best


def language_middleware_factory(app):
    """ASGI middleware: sets the request's language for `gettext` and templates."""
    from litestar.datastructures import Headers
    from http.cookies import SimpleCookie

    async def middleware(scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            await app(scope, receive, send)
            return
        headers = Headers.from_scope(scope)
        cookie_value = None
        raw_cookie = headers.get("cookie")
        if raw_cookie:
            jar = SimpleCookie()
            try:
                jar.load(raw_cookie)
            except Exception:  # a malformed cookie header is not our problem to fail on
                jar = SimpleCookie()
            if LANGUAGE_COOKIE in jar:
                cookie_value = jar[LANGUAGE_COOKIE].value
        language = negotiate(cookie_value, headers.get("accept-language"))
        scope.setdefault("state", {})["language"] = language
        token = set_language(language)
        try:
            await app(scope, receive, send)
        finally:
            _current.reset(token)

    return middleware


def N_(message: str) -> str:
    """Marks a string for translation where it is defined; translate it with `_` where shown."""
    return message
