"""Pure rules about nominations: a project's statuses and who may move it between them, when
a project is public, counting words as a person does, folding entity names, near-duplicate
detection, and the field checks made at submission. No I/O."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Mapping
from urllib.parse import urlsplit

from babel import Locale

from accounts.rules import is_valid_email
from core.errors import FieldError
from core.i18n import gettext as _

# --- statuses -------------------------------------------------------------------------------

STATUSES = ("draft", "submitted", "eligible", "ineligible", "nominated", "finalist", "winner", "champion")
# A project that reached the public list keeps counting as nominated whatever it became.
NOMINATED_STATUSES = ("nominated", "finalist", "winner", "champion")
# A finalist, decided (winner, champion) or not yet.
FINALIST_STATUSES = ("finalist", "winner", "champion")
LAUREATE_STATUSES = ("winner", "champion")
# The phases in which the nominated projects are public (the list is confirmed in the
# nomination phase and opens with the vote).
PUBLIC_PHASES = ("voting", "selection", "announcement")

# Every allowed move of a project's status, and who makes it (the service that writes it):
#   owner      draft → submitted (submit), submitted → draft (withdraw)
#   screening  submitted/eligible/ineligible → eligible/ineligible (judge or staff)
#   staff      eligible → nominated (the confirmed list)
#   voting     nominated ↔ finalist (the finalists, computed again on demand)
#   results    finalist/winner/champion → winner/champion (the winners of a category)
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"submitted"}),
    "submitted": frozenset({"draft", "eligible", "ineligible"}),
    "eligible": frozenset({"eligible", "ineligible", "nominated"}),
    "ineligible": frozenset({"eligible", "ineligible"}),
    "nominated": frozenset({"finalist"}),
    "finalist": frozenset({"nominated", "winner", "champion"}),
    "winner": frozenset({"winner", "champion"}),
    "champion": frozenset({"winner", "champion"}),
}


def can_move(current: str, target: str) -> bool:
    """Whether a project in `current` may be moved to `target` (see TRANSITIONS)."""
    return target in TRANSITIONS.get(current, frozenset())


def sources_of(target: str) -> tuple[str, ...]:
    """The statuses a project may be moved to `target` from, in STATUSES order."""
    return tuple(s for s in STATUSES if can_move(s, target))


def is_public(status: str, phase: str, published: bool) -> bool:
    """The one visibility rule: a project is public once it is on the confirmed nominated
    list and the vote has opened (and stays public after, whatever it became); published
    results keep their laureates public whatever the phase."""
    if status not in NOMINATED_STATUSES:
        return False
    return phase in PUBLIC_PHASES or (published and status in LAUREATE_STATUSES)


def public_status(status: str) -> str:
    """The status the public sees: one word, nominated, for every project on the public
    list (finalists, winners and champions are told by the results once published)."""
    return "nominated" if status in NOMINATED_STATUSES else status


BOOK_PHASES = ("selection", "announcement")  # prizes/results/rules.py RESULTS_PHASES


def photo_change_refusal(status: str, phase: str, published: bool, deadline: datetime | None, now: datetime,
                         staff: bool) -> str | None:
    """Why a photo of a project may not be added or removed now (None: it may). Owners
    change photos while the project can be edited; then a finalist's owner changes the
    book's photos under the extended text's rule (until publication and the extended
    deadline); after that only staff change what the book shows."""
    if phase == "submission" and status in ("draft", "submitted") and not staff:
        return None
    if phase in BOOK_PHASES and status in FINALIST_STATUSES:
        if staff:
            return None
        if published:
            return "published"
        if deadline is not None and now >= deadline:
            return "deadline"
        return None
    return "phase"


def photo_is_public(uploaded_at: datetime, nominated_at: datetime | None, published: bool) -> bool:
    """For a viewer who sees the project only because it is public: the photos given with the
    submission (before the project was nominated), and the book's photos (added later, by
    finalists only) once published — a photo added during selection would tell who the
    finalists are."""
    return published or (nominated_at is not None and uploaded_at <= nominated_at)


def shown_status(status: str, published: bool, staff: bool) -> str:
    """The status a viewer sees: until the results are published a winner or a champion is
    shown as `finalist` to everyone but staff, its owner and its judges included."""
    if status in LAUREATE_STATUSES and not published and not staff:
        return "finalist"
    return status


# --- content ---------------------------------------------------------------------------------

STAKEHOLDER_TYPES = ("government", "private_sector", "civil_society", "international_organization", "academia", "other")
REGIONS = ("africa", "americas", "arab_states", "asia_pacific", "cis", "europe", "international")
PROJECT_STATUSES = ("completed", "major_phase_completed")
DECLARATIONS = ("english", "accurate", "consent")
LONG_TEXTS = ("sdg_linkages", "impact", "partnerships", "challenges")

# ISO 3166-1 alpha-2: Babel's two-letter territories less the codes that are not countries
# (exceptional reservations, groupings, private use).
_NOT_COUNTRIES = {"AC", "CP", "CQ", "DG", "EA", "IC", "TA", "EU", "EZ", "QO", "UN", "XA", "XB", "XK", "ZZ"}
COUNTRIES = frozenset(code for code in Locale("en").territories if len(code) == 2 and code.isalpha()) - _NOT_COUNTRIES

# A word: letters or digits; hyphens and apostrophes inside it, and a comma or point between
# digits (2,000 or 3.5), do not split it. Punctuation alone (— or &) is no word.
_WORD = re.compile(r"[^\W_]+(?:(?:[-\u2010\u2011'\u2019]|(?<=\d)[.,](?=\d))[^\W_]+)*")

MAX_LENGTHS = {
    "title": 300,
    "entity_name": 300,
    "contact_name": 200,
    "contact_email": 320,
    "website": 500,
    "short_description": 4000,
    "sdg_linkages": 20000,
    "impact": 20000,
    "partnerships": 20000,
    "challenges": 20000,
}
MULTILINE = {"short_description", "sdg_linkages", "impact", "partnerships", "challenges"}


def words(text: str) -> list[str]:
    return _WORD.findall(text or "")


def count_words(text: str) -> int:
    return len(words(text))


def fold(text: str) -> str:
    """Case, accents, spacing and punctuation folded away: `Ministry of ICT, Kenya` and
    `ministry of  I.C.T. kenya` fold alike."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(w.lower() for w in re.findall(r"[^\W_]+", bare.replace(".", "")))


def similarity(a: str, b: str) -> float:
    """How much of the longer text the shorter keeps, word for word (a multiset overlap,
    order aside): 1.0 for the same words, 0.9 when nine words in ten are kept."""
    wa, wb = Counter(w.lower() for w in words(a)), Counter(w.lower() for w in words(b))
    if not wa or not wb:
        return 0.0
    shared = sum((wa & wb).values())
    return shared / max(sum(wa.values()), sum(wb.values()))


@dataclass(frozen=True)
class Candidate:
    """Another project a submission is compared with."""

    id: str
    title: str
    short_description: str
    year: int
    category: str


def near_duplicate(title: str, description: str, others: list[Candidate], threshold: float) -> tuple[Candidate, float] | None:
    """The closest other project that is the same project, with its similarity, or None.

    Same project: the titles fold alike and the descriptions are at least `threshold`
    similar; or, whatever the titles, the descriptions are nearly identical (at least the
    higher of `threshold` and 0.95). Two projects on one subject share a topic, not their
    words, and stay well below both."""
    folded = fold(title)
    best: tuple[Candidate, float] | None = None
    for other in others:
        score = similarity(description, other.short_description)
        same_title = folded and fold(other.title) == folded
        if (same_title and score >= threshold) or score >= max(threshold, 0.95):
            if best is None or score > best[1]:
                best = (other, score)
    return best


def is_valid_website(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc) and "." in parts.netloc and " " not in url


def submission_errors(fields: Mapping[str, object], settings: Mapping[str, object], categories: set[str]) -> list[FieldError]:
    """Every content rule checked at submission (drafts may be incomplete)."""
    errors: list[FieldError] = []

    def need(key: str) -> bool:
        if not str(fields.get(key) or "").strip():
            errors.append(FieldError(key, _("This field is required.")))
            return False
        return True

    if need("category") and fields["category"] not in categories:
        errors.append(FieldError("category", _("Choose one of the edition's categories.")))
    need("title")
    need("entity_name")
    need("contact_name")
    if need("stakeholder_type") and fields["stakeholder_type"] not in STAKEHOLDER_TYPES:
        errors.append(FieldError("stakeholder_type", _("Choose one of: %(values)s.", values=", ".join(STAKEHOLDER_TYPES))))
    if need("country") and fields["country"] not in COUNTRIES:
        errors.append(FieldError("country", _("Use an ISO 3166-1 two-letter country code, such as KE.")))
    if need("region") and fields["region"] not in REGIONS:
        errors.append(FieldError("region", _("Choose one of: %(values)s.", values=", ".join(REGIONS))))
    if need("contact_email") and not is_valid_email(str(fields["contact_email"])):
        errors.append(FieldError("contact_email", _("Enter a valid e-mail address, such as name@example.org.")))
    if need("website") and not is_valid_website(str(fields["website"])):
        errors.append(FieldError("website", _("Enter the address of a web site, starting with https:// or http://.")))
    if need("project_status") and fields["project_status"] not in PROJECT_STATUSES:
        errors.append(FieldError("project_status", _("Choose one of: %(values)s.", values=", ".join(PROJECT_STATUSES))))
    started = fields.get("started_on")
    if not started:
        errors.append(FieldError("started_on", _("This field is required.")))
    elif isinstance(started, date) and started > date.today():
        errors.append(FieldError("started_on", _("The project must have started already.")))

    low = int(settings.get("short_description_min_words", 150))  # type: ignore[arg-type]
    high = int(settings.get("short_description_max_words", 200))  # type: ignore[arg-type]
    n = count_words(str(fields.get("short_description") or ""))
    if n < low or n > high:
        errors.append(FieldError(
            "short_description", _("Write %(low)d to %(high)d words (now %(count)d).", low=low, high=high, count=n)
        ))
    minimum = int(settings.get("min_words", 50))  # type: ignore[arg-type]
    for key in LONG_TEXTS:
        n = count_words(str(fields.get(key) or ""))
        if n < minimum:
            errors.append(FieldError(key, _("Write at least %(low)d words (now %(count)d).", low=minimum, count=n)))

    sdgs = fields.get("sdgs") or []
    if not sdgs:
        errors.append(FieldError("sdgs", _("Choose at least one of the 17 Sustainable Development Goals.")))
    # which numbers are goals is the edition's data, checked with every save (services)

    declarations = fields.get("declarations") or {}
    for name in DECLARATIONS:
        if declarations.get(name) is not True:  # type: ignore[union-attr]
            errors.append(FieldError(f"declarations.{name}", _("This declaration is required to submit.")))
    return errors


# --- eligibility appeals -------------------------------------------------------------------------

APPEAL_MIN_WORDS = 50
APPEAL_MAX_WORDS = 500
APPEAL_MAX_CHARS = 6000  # 500 long words; beyond is not an appeal text


def appeal_text_errors(text: str) -> list[FieldError]:
    """The appeal's text: 50 to 500 words, counted as a person counts (`count_words`)."""
    n = count_words(text)
    if n < APPEAL_MIN_WORDS or n > APPEAL_MAX_WORDS:
        return [FieldError("text", _("Write %(low)d to %(high)d words (now %(count)d).",
                                     low=APPEAL_MIN_WORDS, high=APPEAL_MAX_WORDS, count=n))]
    return []


def appeal_closes_at(mailed_at: datetime, days: int) -> datetime:
    """The end of the appeal window: `days` after the ineligibility decision was mailed."""
    return mailed_at + timedelta(days=days)


def appeal_refusal(status: str, mailed_at: datetime | None, vote_open: bool, now: datetime, days: int) -> str | None:
    """Why an owner may not appeal now (a 403 reason), or None when they may: only an
    ineligible project whose decision was mailed, within `days` of the mail (strict to the
    second), and before the vote opens. The one-appeal rule is the table's (409)."""
    if status != "ineligible":
        return _("Only a project found ineligible can be appealed.")
    if mailed_at is None:
        return _("The decision has not been sent to you yet: you can appeal once it is.")
    if vote_open:
        return _("Appeals close when voting opens.")
    if now >= appeal_closes_at(mailed_at, days):
        return _("The appeal window closed %(days)d days after the decision was sent.", days=days)
    return None


def may_decide_appeal(actor_id: object, declared_by: object) -> bool:
    """Four eyes: whoever declared the project ineligible does not decide its appeal."""
    return declared_by is None or str(actor_id) != str(declared_by)


def upheld_status(list_confirmed: bool) -> str:
    """Where an upheld appeal moves the project: back to eligible, and on to nominated when
    the nominated list was already confirmed (both moves are in TRANSITIONS)."""
    return "nominated" if list_confirmed else "eligible"
