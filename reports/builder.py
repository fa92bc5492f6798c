"""The Success Stories book as plain data: a pure function from what the queries read
(`BookSource`) to what the exporters lay out (`Book`). No I/O, no HTML: every text stays
text (the template escapes it); the only markup made here is the charts' SVG, whose every
text is escaped here.

The book: cover; contents; the foreword (when staff wrote one); the edition in figures (key
numbers and bar charts by region, stakeholder type and category); a note that the content
comes from the stakeholders; then one chapter per category, its winner(s) first, then its
champions; a chapter without laureates says so.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from html import escape

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

from core.i18n import N_, current_language
from core.i18n import gettext as _
from prizes.editions.framework_rules import SDG, GoalFramework, chosen_goals
from prizes.nominations.labels import REGION_LABELS, STAKEHOLDER_LABELS

# --- what the queries hand over ----------------------------------------------------------------


@dataclass(frozen=True)
class PhotoIn:
    id: str
    content_type: str
    credit: str
    caption: str
    path: str  # the file on this machine (exporters turn it into a URL)


@dataclass(frozen=True)
class LaureateIn:
    id: str
    status: str  # winner or champion
    category: str
    title: str
    entity_name: str
    stakeholder_type: str
    country: str
    region: str
    website: str
    short_description: str
    extended_description: str
    sdgs: tuple[int, ...]
    impact: str
    partnerships: str
    photos: tuple[PhotoIn, ...] = ()
    # The goals of the edition's other frameworks ({code: [numbers]}), and the edition's goal
    # frameworks (prizes/editions/framework_rules.py), whose titles the book shows.
    goals: dict[str, list[int]] = field(default_factory=dict)
    frameworks: tuple[GoalFramework, ...] = ()


@dataclass(frozen=True)
class FiguresIn:
    submitted: int
    nominated: int
    countries: int
    by_region: dict[str, int]
    by_stakeholder: dict[str, int]
    submitted_by_category: dict[str, int]
    # None when the voting record cannot be read (no voting domain installed).
    valid_votes: int | None = None
    voters: int | None = None
    votes_by_category: dict[str, int] = field(default_factory=dict)
    # The integrity report's totals and the frozen rules' fingerprint (voting's ledger).
    raw_votes: int | None = None
    voided_votes: int | None = None
    rules_fingerprint: str | None = None


@dataclass(frozen=True)
class BookSource:
    year: int
    published_at: datetime | None
    foreword: str
    categories: tuple[tuple[str, str], ...]
    laureates: tuple[LaureateIn, ...]
    figures: FiguresIn


# --- what the exporters lay out -----------------------------------------------------------------


@dataclass(frozen=True)
class Goal:
    number: int
    name: str
    colour: str


@dataclass(frozen=True)
class Photo:
    id: str
    content_type: str
    path: str
    credit: str
    caption: str


@dataclass(frozen=True)
class Entry:
    anchor: str
    id: str
    kind: str  # winner or champion
    kind_label: str
    title: str
    entity: str
    country: str
    region: str
    stakeholder: str
    website: str
    website_href: str  # "" unless the address is http(s): never a javascript: link
    goals: tuple[Goal, ...]
    # the other frameworks' goals: (framework title, code, ((number, title), …))
    other_goals: tuple[tuple[str, str, tuple[tuple[int, str], ...]], ...]
    description: tuple[str, ...]
    description_is_extended: bool
    impact: tuple[str, ...]
    partners: tuple[str, ...]
    photos: tuple[Photo, ...]


@dataclass(frozen=True)
class Chapter:
    anchor: str
    code: str
    title: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Stat:
    label: str
    value: str


@dataclass(frozen=True)
class Chart:
    anchor: str
    title: str
    svg: str  # made here, every text escaped
    note: str = ""


@dataclass(frozen=True)
class Book:
    year: int
    title: str
    subtitle: str
    date_line: str
    foreword: tuple[str, ...]
    stats: tuple[Stat, ...]
    charts: tuple[Chart, ...]
    figures_note: str
    disclaimer: tuple[str, ...]
    chapters: tuple[Chapter, ...]
    winners: int
    champions: int


SDG_NAMES = {
    1: N_("No poverty"), 2: N_("Zero hunger"), 3: N_("Good health and well-being"), 4: N_("Quality education"),
    5: N_("Gender equality"), 6: N_("Clean water and sanitation"), 7: N_("Affordable and clean energy"),
    8: N_("Decent work and economic growth"), 9: N_("Industry, innovation and infrastructure"),
    10: N_("Reduced inequalities"), 11: N_("Sustainable cities and communities"),
    12: N_("Responsible consumption and production"), 13: N_("Climate action"), 14: N_("Life below water"),
    15: N_("Life on land"), 16: N_("Peace, justice and strong institutions"), 17: N_("Partnerships for the goals"),
}
# The goals' own colours, as the United Nations publish them.
SDG_COLOURS = {
    1: "#E5243B", 2: "#DDA63A", 3: "#4C9F38", 4: "#C5192D", 5: "#FF3A21", 6: "#26BDE2", 7: "#FCC30B",
    8: "#A21942", 9: "#FD6925", 10: "#DD1367", 11: "#FD9D24", 12: "#BF8B2E", 13: "#3F7E44", 14: "#0A97D9",
    15: "#56C02B", 16: "#00689D", 17: "#19486A",
}
KIND_ORDER = {"winner": 0, "champion": 1}
BRAND = "#00467f"
ACCENT = "#c8102e"


def paragraphs(text: str) -> tuple[str, ...]:
    """A typed text as paragraphs: each non-blank line is one."""
    return tuple(line.strip() for line in re.split(r"\r?\n", text or "") if line.strip())


def web_link(address: str) -> str:
    address = (address or "").strip()
    return address if re.match(r"(?i)^https?://[^\s\"'<>]+$", address) else ""


def number(value: int) -> str:
    return format_decimal(value, locale=current_language())


def _anchor(prefix: str, text: str) -> str:
    return prefix + "-" + re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def bar_chart_svg(bars: list[tuple[str, int]], *, colour: str = BRAND, label_width: int = 190,
                  width: int = 640, row: int = 24, title: str = "") -> str:
    """A horizontal bar chart as an SVG element: one labelled bar per (label, value), the value
    at the end of each bar. Every text is escaped; sizes are in SVG units (the page scales it)."""
    top, bottom, gap = 6, 6, 6
    height = top + bottom + len(bars) * row
    peak = max((value for _label, value in bars), default=0) or 1
    room = width - label_width - 76  # leaves room for the value after the longest bar
    # The text alternative is the chart's table in words ("title — label: value; …"), so a
    # reader who cannot see the bars (and the tagged PDF's /Alt) gets every figure.
    alternative = title + (" — " if title and bars else "") + "; ".join(f"{label}: {number(value)}" for label, value in bars)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(alternative, quote=True)}">'
    ]
    if alternative:
        parts.append(f"<title>{escape(alternative)}</title>")
    for index, (label, value) in enumerate(bars):
        y = top + index * row
        bar = round(room * value / peak, 1) if value else 0
        parts.append(f'<rect x="{label_width}" y="{y + gap / 2}" width="{room}" height="{row - gap}" fill="#eef2f6"/>')
        if bar:
            parts.append(f'<rect x="{label_width}" y="{y + gap / 2}" width="{bar}" height="{row - gap}" fill="{colour}"/>')
        parts.append(
            f'<text x="{label_width - 8}" y="{y + row / 2 + 4}" text-anchor="end" font-size="12" '
            f'fill="#1b1f24">{escape(label)}</text>'
        )
        parts.append(
            f'<text x="{label_width + bar + 6}" y="{y + row / 2 + 4}" font-size="12" font-weight="bold" '
            f'fill="#1b1f24">{escape(number(value))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _sdg_goals(item: LaureateIn) -> tuple[Goal, ...]:
    """The SDGs of a laureate, titled from the edition's data (the built-in names otherwise)."""
    sdg = next((f for f in item.frameworks if f.code == SDG), None)
    numbers = sorted(set(item.sdgs))
    if sdg is not None:
        return tuple(Goal(n, g.title_in(), SDG_COLOURS.get(n, BRAND)) for n in numbers if (g := sdg.goal(n)))
    return tuple(Goal(n, _(SDG_NAMES[n]), SDG_COLOURS[n]) for n in numbers if n in SDG_NAMES)


def _entry(item: LaureateIn, countries: dict[str, str]) -> Entry:
    extended = paragraphs(item.extended_description)
    return Entry(
        anchor=f"project-{item.id}",
        id=item.id,
        kind=item.status,
        kind_label=_("Winner") if item.status == "winner" else _("Champion"),
        title=item.title,
        entity=item.entity_name,
        country=countries.get(item.country, item.country),
        region=_(REGION_LABELS[item.region]) if item.region in REGION_LABELS else item.region,
        stakeholder=(_(STAKEHOLDER_LABELS[item.stakeholder_type]) if item.stakeholder_type in STAKEHOLDER_LABELS
                     else item.stakeholder_type),
        website=item.website,
        website_href=web_link(item.website),
        goals=_sdg_goals(item),
        other_goals=tuple((framework.title_in(), framework.code, tuple(goals))
                          for framework, goals in chosen_goals(item.frameworks, (), item.goals)),
        description=extended or paragraphs(item.short_description),
        description_is_extended=bool(extended),
        impact=paragraphs(item.impact),
        partners=paragraphs(item.partnerships),
        photos=tuple(Photo(p.id, p.content_type, p.path, p.credit, p.caption) for p in item.photos),
    )


def _figures(source: BookSource) -> tuple[tuple[Stat, ...], tuple[Chart, ...], str]:
    f = source.figures
    stats = [
        Stat(_("projects submitted"), number(f.submitted)),
        Stat(_("projects nominated"), number(f.nominated)),
        Stat(_("countries"), number(f.countries)),
    ]
    if f.valid_votes is not None:
        stats.append(Stat(_("valid votes"), number(f.valid_votes)))
    if f.voters is not None:
        stats.append(Stat(_("voters"), number(f.voters)))
    if f.raw_votes is not None:
        stats.append(Stat(_("votes recorded"), number(f.raw_votes)))
    if f.voided_votes is not None:
        stats.append(Stat(_("votes voided by the audit"), number(f.voided_votes)))
    stats.append(Stat(_("winners and champions"), number(len(source.laureates))))

    def labelled(counts: dict[str, int], labels: dict[str, str]) -> list[tuple[str, int]]:
        return [(_(label), counts.get(key, 0)) for key, label in labels.items()]

    charts = [
        Chart("chart-region", _("Projects submitted by region"),
              bar_chart_svg(labelled(f.by_region, REGION_LABELS), title=_("Projects submitted by region"))),
        Chart("chart-stakeholder", _("Projects submitted by stakeholder type"),
              bar_chart_svg(labelled(f.by_stakeholder, STAKEHOLDER_LABELS), colour="#1f7a8c",
                            title=_("Projects submitted by stakeholder type"))),
        Chart("chart-category", _("Projects submitted by category"),
              bar_chart_svg([(code, f.submitted_by_category.get(code, 0)) for code, _t in source.categories],
                            colour="#5b4b8a", label_width=70, row=20, title=_("Projects submitted by category"))),
    ]
    note = ""
    if f.valid_votes is not None:
        charts.append(Chart(
            "chart-votes", _("Valid votes by category"),
            bar_chart_svg([(code, f.votes_by_category.get(code, 0)) for code, _t in source.categories],
                          colour=ACCENT, label_width=70, row=20, title=_("Valid votes by category")),
            _("Only valid votes count: votes voided by the secretariat's audit are left out."),
        ))
        if f.rules_fingerprint:
            note = _("Counted by rules frozen when the vote opened, fingerprint %(fingerprint)s; anyone can recount from the list of votes in the integrity report.",  # noqa: E501
                     fingerprint=f.rules_fingerprint)
    else:
        note = _("Vote figures are not available for this edition.")
    return tuple(stats), tuple(charts), note


def build_book(source: BookSource) -> Book:
    countries = Locale.parse(current_language()).territories
    by_category: dict[str, list[LaureateIn]] = {}
    for item in source.laureates:
        by_category.setdefault(item.category, []).append(item)
    chapters = []
    for code, title in source.categories:
        items = sorted(by_category.get(code, []), key=lambda i: (KIND_ORDER.get(i.status, 9), i.title.casefold(), i.id))
        chapters.append(Chapter(_anchor("category", code), code, title, tuple(_entry(i, countries) for i in items)))
    stats, charts, note = _figures(source)
    when = source.published_at
    return Book(
        year=source.year,
        title=_("WSIS Prizes %(year)s", year=source.year),
        subtitle=_("Success Stories"),
        date_line=format_date(when.date(), format="long", locale=current_language()) if when else _("Preview — not published"),
        foreword=paragraphs(source.foreword),
        stats=stats,
        charts=charts,
        figures_note=note,
        disclaimer=(
            _("The descriptions, figures, photos and other content of the projects in this book were provided by the stakeholders who submitted them, and are reproduced as they provided them. They do not necessarily reflect the views of the WSIS Prizes secretariat, which does not vouch for their accuracy."),
            _("The designations employed and the presentation of material in this book do not imply the expression of any opinion whatsoever on the part of the secretariat concerning the legal status of any country, territory, city or area, or of its authorities."),
            _("Mention of a company, product or website does not imply endorsement. Photo credits are given by the stakeholders."),
        ),
        chapters=tuple(chapters),
        winners=sum(1 for i in source.laureates if i.status == "winner"),
        champions=sum(1 for i in source.laureates if i.status == "champion"),
    )


def fingerprint(book: Book, *extra: str) -> str:
    """Changes whenever anything the book shows changes (and with `extra`: the templates)."""
    digest = hashlib.sha256(json.dumps(asdict(book), sort_keys=True, default=str).encode())
    for part in extra:
        digest.update(part.encode())
    return digest.hexdigest()
