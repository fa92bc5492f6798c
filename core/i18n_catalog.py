"""Extraction of the translatable messages, and the catalogues (fr, es, ar, zh, ru) kept up to date with them.

Every user-facing string is written in English and wrapped for translation: `_()`, `gettext()`,
`ngettext()` or `N_()` in Python, `{{ _("...") }}` in the Jinja templates. Babel finds them
here; the translations live in `core/locale/<lang>/LC_MESSAGES/messages.po` (read and
compiled in memory by `core.i18n` at start-up, so there is no `.mo` file to build).

Refresh the catalogue after adding, changing or removing a message:

    .venv/bin/python -m core.i18n_catalog update            # every offered language, and every
                                                            # pending one that has a catalogue
    .venv/bin/python -m core.i18n_catalog update fr         # one language
    .venv/bin/python -m core.i18n_catalog update --drop-obsolete   # forget vanished messages
    .venv/bin/python -m core.i18n_catalog check             # exit 1 if a message is untranslated,
                                                            # fuzzy or not yet in the catalogue

`update` keeps every existing translation, adds each new message with an empty translation
(or, when an old message is close to it, with that old translation marked `#, fuzzy`, which
is *not* used until someone reviews it and removes the flag), and keeps the messages that
are gone from the code at the end of the file as obsolete `#~` entries (or drops them with
`--drop-obsolete`). Then translate the empty and fuzzy entries and run the tests
(`tests/core/test_i18n.py` fails while any message lacks a reviewed translation).

A message must be a literal string for Babel to find it: `_("Hello %(name)s", name=n)`,
never `_(f"Hello {n}")` or `_("Hello " + n)`. Where the text is chosen at run time, mark each
literal with `N_()` where it is defined and translate with `_(variable)` where it is shown
(see `PHASE_LABELS` in `prizes/services.py`). `unextractable_calls()` lists the calls Babel
cannot read; `check` prints them.
"""

from __future__ import annotations

import argparse
import ast
import io
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po, write_po

from core.i18n import DEFAULT_LANGUAGE, LANGUAGES, LOCALE_DIR, OFFICIAL_LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
PYTHON_PACKAGES = ("core", "accounts", "prizes", "judging", "voting", "reports")
TEMPLATE_DIR = ROOT / "templates"

# The gettext functions of `core.i18n`, with Babel's own argument specs for them
# (`ngettext` takes the singular and the plural, the others one message).
KEYWORDS = {name: DEFAULT_KEYWORDS[name] for name in ("_", "gettext", "ngettext", "N_")}
COMMENT_TAGS = ("Translators:",)
PYTHON_METHOD = "python"
JINJA_METHOD = "jinja2.ext:babel_extract"
# Matches the app's environment (`core.templating.make_environment`). `silent=false`: a
# template Babel cannot parse is an error, not a template silently left out.
JINJA_OPTIONS = {
    "extensions": "jinja2.ext.i18n",
    "newstyle_gettext": "true",
    "trim_blocks": "true",
    "lstrip_blocks": "true",
    "silent": "false",
}

PROJECT = "WSIS Prizes"
COPYRIGHT_HOLDER = "WSIS Prizes platform"


def source_files() -> list[tuple[Path, str, dict[str, str]]]:
    """(file, extraction method, options) for every file that may hold messages, in a fixed order."""
    found: list[tuple[Path, str, dict[str, str]]] = []
    for package in PYTHON_PACKAGES:
        base = ROOT / package
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.py")):
            if "__pycache__" not in path.parts:
                found.append((path, PYTHON_METHOD, {}))
    if TEMPLATE_DIR.is_dir():
        for pattern in ("*.html", "*.txt", "*.svg"):  # pages, mails, images with text
            for path in sorted(TEMPLATE_DIR.rglob(pattern)):
                found.append((path, JINJA_METHOD, dict(JINJA_OPTIONS)))
    return found


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.as_posix()


def extract_messages() -> Catalog:
    """Every translatable message of the project, as a Babel template catalogue (a `.pot`
    in memory: msgids, their source locations, no translations)."""
    template = Catalog(
        project=PROJECT,
        version=_version(),
        copyright_holder=COPYRIGHT_HOLDER,
        charset="utf-8",
        fuzzy=False,
    )
    for path, method, options in source_files():
        results = extract_from_file(
            method,
            path,
            keywords=KEYWORDS,
            comment_tags=COMMENT_TAGS,
            options=options,
            strip_comment_tags=True,
        )
        for lineno, message, comments, context in results:
            template.add(
                message,
                None,
                [(_relative(path), lineno)],
                auto_comments=comments,
                context=context,
            )
    return template


def msgids(catalog: Catalog) -> list[str | tuple[str, ...]]:
    """The ids of a catalogue's messages, header left out."""
    return [message.id for message in catalog if message.id]


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"


def read_catalog(language: str) -> Catalog | None:
    path = catalog_path(language)
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def _version() -> str:
    try:
        import tomllib

        with (ROOT / "pyproject.toml").open("rb") as handle:
            return tomllib.load(handle)["project"]["version"]
    except Exception:  # the version is decoration in the header; never fail on it
        return "1.0"


def _new_catalog(language: str) -> Catalog:
    return Catalog(
        locale=language,
        domain="messages",
        project=PROJECT,
        version=_version(),
        copyright_holder=COPYRIGHT_HOLDER,
        msgid_bugs_address="",
        language_team=OFFICIAL_LANGUAGES.get(language, language),
        last_translator="",
        charset="utf-8",
        fuzzy=False,
    )


def render(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, include_lineno=True)
    return buffer.getvalue()


def _without_dates(po: bytes) -> bytes:
    """The file minus the header lines that change on every run."""
    return b"\n".join(
        line for line in po.splitlines() if not line.startswith((b'"POT-Creation-Date:', b'"PO-Revision-Date:'))
    )


@dataclass
class UpdateResult:
    language: str
    path: Path
    added: list[str]
    obsolete: list[str]
    untranslated: list[str]
    fuzzy: list[str]
    written: bool


def update_catalog(
    language: str,
    template: Catalog | None = None,
    *,
    drop_obsolete: bool = False,
    fuzzy_matching: bool = True,
    write: bool = True,
) -> UpdateResult:
    """Merge the extracted messages into `language`'s catalogue (created if missing).

    Translations of messages still in the code are kept; new messages come in with an empty
    translation (or a fuzzy guess); messages gone from the code become obsolete entries, or
    are dropped with `drop_obsolete`. The file is only rewritten when something other than
    its dates changed, so running `update` twice changes nothing."""
    template = template if template is not None else extract_messages()
    path = catalog_path(language)
    existing = read_catalog(language)
    catalog = existing if existing is not None else _new_catalog(language)
    before = set(msgids(catalog))
    previous_obsolete = set(catalog.obsolete)

    catalog.update(template, no_fuzzy_matching=not fuzzy_matching, update_creation_date=True)
    if drop_obsolete:
        catalog.obsolete.clear()

    added = [str(m) for m in msgids(catalog) if m not in before]
    obsolete = [str(m) for m in catalog.obsolete if m not in previous_obsolete]
    untranslated = [str(m.id) for m in catalog if m.id and not _translated(m)]
    fuzzy = [str(m.id) for m in catalog if m.id and m.fuzzy]

    new_text = render(catalog)
    old_text = path.read_bytes() if path.is_file() else b""
    written = False
    if write and _without_dates(new_text) != _without_dates(old_text):
        if existing is not None:
            catalog.revision_date = datetime.now(timezone.utc)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render(catalog))
        written = True
    return UpdateResult(language, path, added, obsolete, untranslated, fuzzy, written)


def _translated(message) -> bool:
    if isinstance(message.string, (list, tuple)):
        return all(message.string)
    return bool(message.string)


# --- calls Babel cannot read ----------------------------------------------------------------


@dataclass(frozen=True)
class Unextractable:
    location: str  # "path:line"
    call: str  # the call's source, shortened
    reason: str


def _python_unextractable(path: Path) -> list[Unextractable]:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name) or node.func.id not in KEYWORDS:
            continue
        wanted = 2 if node.func.id == "ngettext" else 1
        for argument in node.args[:wanted] or [None]:
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                continue
            if argument is None:
                reason = "no message argument"
            elif isinstance(argument, ast.JoinedStr):
                reason = "f-string: the text changes at run time, Babel cannot extract it"
            elif isinstance(argument, ast.BinOp):
                reason = "string built with an operator (+ or %): Babel cannot extract it"
            else:
                reason = "message chosen at run time: each candidate must be marked with N_() where defined"
            text = ast.get_source_segment(source, node) or node.func.id + "(...)"
            text = " ".join(text.split())
            found.append(Unextractable(f"{_relative(path)}:{node.lineno}", text[:120], reason))
            break
    return found


def _template_unextractable(path: Path) -> list[Unextractable]:
    from jinja2 import Environment, nodes

    env = Environment(extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    tree = env.parse(path.read_text(encoding="utf-8"))
    found = []
    for call in tree.find_all(nodes.Call):
        if not isinstance(call.node, nodes.Name) or call.node.name not in KEYWORDS:
            continue
        wanted = 2 if call.node.name == "ngettext" else 1
        arguments = call.args[:wanted]
        if len(arguments) == wanted and all(isinstance(a, nodes.Const) and isinstance(a.value, str) for a in arguments):
            continue
        found.append(
            Unextractable(
                f"{_relative(path)}:{call.lineno}",
                f"{call.node.name}(...)",
                "message is not a literal string: Babel cannot extract it",
            )
        )
    return found


def unextractable_calls() -> list[Unextractable]:
    """Calls of the gettext functions whose message is not a literal string."""
    found: list[Unextractable] = []
    for path, method, _options in source_files():
        found.extend(_python_unextractable(path) if method == PYTHON_METHOD else _template_unextractable(path))
    return found


# --- command line ---------------------------------------------------------------------------


def offered_languages() -> list[str]:
    """The translated languages the site offers (`core.i18n.LANGUAGES`): each must have a
    complete catalogue (`check`, `tests/core/test_i18n.py`)."""
    return [code for code in LANGUAGES if code != DEFAULT_LANGUAGE]


def catalogued_languages() -> list[str]:
    """Every official language that has a catalogue file, offered or still pending."""
    return [code for code in OFFICIAL_LANGUAGES if code != DEFAULT_LANGUAGE and catalog_path(code).is_file()]


def _languages(requested: list[str], default: list[str]) -> list[str]:
    translatable = [code for code in OFFICIAL_LANGUAGES if code != DEFAULT_LANGUAGE]
    unknown = [code for code in requested if code not in translatable]
    if unknown:
        raise SystemExit(f"unknown language(s) {', '.join(unknown)}; translated languages: {', '.join(translatable)}")
    return requested or default


def _cmd_update(args) -> int:
    template = extract_messages()
    print(f"{len(msgids(template))} messages extracted", file=sys.stderr)
    # By default every offered language (its catalogue created if missing) and every pending
    # one that already has a catalogue; `update es` creates a pending language's catalogue.
    default = list(dict.fromkeys(offered_languages() + catalogued_languages()))
    for language in _languages(args.languages, default):
        result = update_catalog(
            language, template, drop_obsolete=args.drop_obsolete, fuzzy_matching=not args.no_fuzzy_matching
        )
        print(
            f"{_relative(result.path)}: {'updated' if result.written else 'unchanged'}; "
            f"{len(result.added)} new, {len(result.obsolete)} newly obsolete, "
            f"{len(result.untranslated)} untranslated, {len(result.fuzzy)} fuzzy",
            file=sys.stderr,
        )
        for label, items in (("new", result.added), ("to translate", result.untranslated), ("fuzzy", result.fuzzy)):
            for item in items:
                print(f"  {label}: {item!r}", file=sys.stderr)
    return 0


def _cmd_check(args) -> int:
    template = extract_messages()
    problems = 0
    # By default the offered languages: a language passes only if its catalogue exists and
    # every message has a reviewed translation. `check es` checks a pending language too.
    for language in _languages(args.languages, offered_languages()):
        if not catalog_path(language).is_file():
            problems += 1
            print(f"{language}: no catalogue at {_relative(catalog_path(language))} (run `update {language}`)")
            continue
        result = update_catalog(language, template, drop_obsolete=False, fuzzy_matching=False, write=False)
        for label, items in (
            ("not in the catalogue (run `update`)", result.added),
            ("untranslated", result.untranslated),
            ("fuzzy (review, then remove the flag)", result.fuzzy),
        ):
            for item in items:
                problems += 1
                print(f"{language}: {label}: {item!r}")
    for item in unextractable_calls():
        print(f"note: {item.location}: {item.call}: {item.reason}")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.i18n_catalog", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    update = commands.add_parser("update", help="merge the extracted messages into the .po catalogues")
    update.add_argument("languages", nargs="*", help="language codes (default: every translated language)")
    update.add_argument("--drop-obsolete", action="store_true", help="drop messages gone from the code")
    update.add_argument("--no-fuzzy-matching", action="store_true", help="never guess a translation for a new message")
    update.set_defaults(run=_cmd_update)
    check = commands.add_parser("check", help="exit 1 if a catalogue lacks or has unreviewed translations")
    check.add_argument("languages", nargs="*", help="language codes (default: every translated language)")
    check.set_defaults(run=_cmd_check)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
