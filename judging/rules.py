"""Pure rules of judging: rounds, the default rubric and its checks, score-sheet checks,
automatic conflicts of interest, and the scoring maths behind the rankings (weighted totals,
per-judge normalisation, the panel's agreement, outlier judges, the tie-break rule).

No I/O here: plain values in, plain values out, so that every figure staff read can be
recomputed by hand from the sheets.

Scales. A sheet's *total* is its weighted mean on a 0-100 scale: each score is placed on its
criterion's scale ((score - min) / (max - min)), weighted, averaged, times 100. So totals of
rubrics with different scales stay comparable, and every measure below (mean, median,
spread, normalised mean, departure) is in points of that 0-100 scale.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from statistics import median
from typing import Callable, Iterable, Mapping, Sequence

from publicsuffixlist import PublicSuffixList

from core.errors import FieldError
from core.i18n import N_
from core.i18n import gettext as _

ROUNDS = ("nomination", "selection")
ROUND_OF_PHASE = {"nomination": "nomination", "selection": "selection"}
SHEET_STATUSES = ("draft", "submitted")
# Projects a judge scores in each round, by the nomination's status.
ROUND_STATUSES = {
    "nomination": ("submitted", "eligible", "ineligible"),
    "selection": ("finalist", "winner", "champion"),
}
SCALE = 100.0  # totals are points out of 100

# --- rounds ----------------------------------------------------------------------------------


def round_of_phase(phase: str) -> str | None:
    """The judging round open in `phase`: screening in the nomination phase, choosing winners
    among the finalists in the selection phase; none otherwise."""
    return ROUND_OF_PHASE.get(phase)


def default_round(phase: str) -> str:
    """The round staff most likely mean when they do not say: the open one, else the latest
    that has opened (the nomination round until the selection phase)."""
    return "selection" if phase in ("selection", "announcement") else "nomination"


def is_blind(edition_settings: Mapping[str, object], round_blind: bool) -> bool:
    """Blind when the edition says so (`blind_judging`) or the round does."""
    return bool(edition_settings.get("blind_judging")) or bool(round_blind)


# Fields of a project that blind mode hides from judges: who submitted it and how to reach them.
BLIND_FIELDS = ("entity_name", "contact_name", "contact_email", "website", "owner_email")

# --- the rubric ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    key: str
    title: str
    weight: float = 1.0
    min: int = 1
    max: int = 10
    guidance: str = ""

    def as_dict(self) -> dict:
        return {"key": self.key, "title": self.title, "weight": self.weight, "min": self.min, "max": self.max,
                "guidance": self.guidance}


# The contest's published nomination criteria (SPEC §5), equally weighted, scored 1 to 10.
DEFAULT_CRITERIA: tuple[Criterion, ...] = (
    Criterion("action_line", N_("Relevance to the chosen action line"), guidance=N_(
        "How closely the project serves the WSIS action line of its category.")),
    Criterion("impact", N_("Results and impact"), guidance=N_(
        "Results achieved so far, with evidence: people reached, measurable change.")),
    Criterion("empowerment", N_("Community empowerment"), guidance=N_(
        "How far the project lets the communities it serves act for themselves.")),
    Criterion("sdgs", N_("Relevance to the SDGs"), guidance=N_(
        "How convincingly the project advances the Sustainable Development Goals it names.")),
    Criterion("replication", N_("Potential for replication"), guidance=N_(
        "Whether others could adopt the project elsewhere, and at what cost.")),
    Criterion("sustainability", N_("Sustainability"), guidance=N_(
        "Whether the project can last: funding, ownership, maintenance.")),
    Criterion("partnerships", N_("Partnerships"), guidance=N_(
        "The quality and breadth of the partnerships behind the project.")),
    Criterion("wsis_values", N_("Promotion of the WSIS values"), guidance=N_(
        "Inclusion, openness, human rights and a people-centred information society.")),
)
DEFAULT_GUIDANCE = N_(
    "Score each criterion on its scale, from its lowest (poor) to its highest (outstanding) value. "
    "Judge the project on what it submitted; declare a conflict of interest rather than score a "
    "project you are close to."
)

_DEFAULT_TEXTS = frozenset({c.title for c in DEFAULT_CRITERIA} | {c.guidance for c in DEFAULT_CRITERIA}
                           | {DEFAULT_GUIDANCE})


def shown_text(text: str) -> str:
    """A rubric's text in the reader's language: the default criteria are translated; what
    staff wrote is shown as written (never passed to gettext, which would format it)."""
    return _(text) if text in _DEFAULT_TEXTS else text


KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_CRITERIA = 20
MAX_SCALE = 100


def criteria_from(data: Iterable[Mapping]) -> list[Criterion]:
    """Criteria from stored JSON (trusted: it passed `rubric_errors` when written)."""
    return [Criterion(str(c["key"]), str(c["title"]), float(c.get("weight", 1)), int(c.get("min", 1)),
                      int(c.get("max", 10)), str(c.get("guidance", ""))) for c in data]


def rubric_errors(criteria: Sequence[Mapping]) -> list[FieldError]:
    """Checks a rubric staff wrote: 1 to 20 criteria, each with a unique key (lower case
    letters, digits, `_`), a title, a positive weight and a whole-number scale min < max
    within 0..100."""
    errors: list[FieldError] = []
    if not criteria:
        errors.append(FieldError("criteria", _("A rubric needs at least one criterion.")))
    if len(criteria) > MAX_CRITERIA:
        errors.append(FieldError("criteria", _("At most %(max)d criteria.", max=MAX_CRITERIA)))
    seen: set[str] = set()
    for index, item in enumerate(criteria):
        prefix = f"criteria.{index}"
        key = item.get("key")
        if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
            errors.append(FieldError(f"{prefix}.key", _(
                "Use 1 to 40 lower-case letters, digits or _, starting with a letter.")))
        elif key in seen:
            errors.append(FieldError(f"{prefix}.key", _("Each criterion needs its own key.")))
        else:
            seen.add(key)
        title = item.get("title")
        if not isinstance(title, str) or not title.strip():
            errors.append(FieldError(f"{prefix}.title", _("This field is required.")))
        elif len(title) > 200:
            errors.append(FieldError(f"{prefix}.title", _("At most %(max)d characters (got %(count)d).",
                                                          max=200, count=len(title))))
        guidance = item.get("guidance") or ""
        if not isinstance(guidance, str) or len(guidance) > 2000:
            errors.append(FieldError(f"{prefix}.guidance", _("At most %(max)d characters (got %(count)d).",
                                                             max=2000, count=len(str(guidance)))))
        weight = item.get("weight")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not (0 < weight <= 100) \
                or not math.isfinite(weight):
            errors.append(FieldError(f"{prefix}.weight", _("Use a weight above 0 and at most 100.")))
        low, high = item.get("min"), item.get("max")
        if not _whole(low) or not _whole(high) or not (0 <= low < high <= MAX_SCALE):
            errors.append(FieldError(f"{prefix}.max", _(
                "The scale runs between two whole numbers, the lowest first, within 0 and %(max)d.",
                max=MAX_SCALE)))
    return errors


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- score sheets ----------------------------------------------------------------------------


def sheet_errors(scores: Mapping[str, object], criteria: Sequence[Criterion], complete: bool) -> list[FieldError]:
    """Field errors of a sheet, keyed `scores.<criterion>`: an unknown criterion, a score
    that is not a whole number on its criterion's scale, and (when `complete`, i.e. on
    submission) a criterion left unscored. A draft may leave criteria empty (None)."""
    errors: list[FieldError] = []
    by_key = {c.key: c for c in criteria}
    for key, value in scores.items():
        criterion = by_key.get(key)
        if criterion is None:
            errors.append(FieldError(f"scores.{key}", _("There is no criterion %(key)s in this rubric.", key=key)))
            continue
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not float(value).is_integer() \
                or not criterion.min <= value <= criterion.max:
            errors.append(FieldError(f"scores.{key}", _("Enter a whole number from %(min)d to %(max)d.",
                                                        min=criterion.min, max=criterion.max)))
    if complete:
        for criterion in criteria:
            if scores.get(criterion.key) is None:
                errors.append(FieldError(f"scores.{criterion.key}", _(
                    "Score this criterion (from %(min)d to %(max)d) before submitting.",
                    min=criterion.min, max=criterion.max)))
    return errors


def clean_scores(scores: Mapping[str, object]) -> dict[str, int]:
    """The scores as stored: whole numbers, empty criteria left out (call after `sheet_errors`)."""
    return {key: int(value) for key, value in scores.items() if value is not None}  # type: ignore[arg-type]


def weighted_total(scores: Mapping[str, float], criteria: Sequence[Criterion]) -> float | None:
    """The sheet's total out of 100 (see the module's docstring); None unless every criterion
    is scored."""
    return scorer(criteria)(scores)


def scorer(criteria: Sequence[Criterion]) -> Callable[[Mapping[str, float]], float | None]:
    """`weighted_total` for many sheets of one rubric, with the rubric read once."""
    plan = [(c.key, c.weight, c.min, c.max - c.min) for c in criteria]
    weights = math.fsum(c.weight for c in criteria)

    def total(scores: Mapping[str, float]) -> float | None:
        points = 0.0
        for key, weight, low, span in plan:
            value = scores.get(key)
            if value is None:
                return None
            points += weight * (value - low) / span
        return SCALE * points / weights if weights else None

    return total


# --- conflicts of interest -------------------------------------------------------------------

# Public mail providers: sharing one of these domains says nothing about who a person works for.
PUBLIC_MAIL_DOMAINS = frozenset("""
gmail.com googlemail.com outlook.com hotmail.com hotmail.fr hotmail.co.uk live.com live.fr msn.com
yahoo.com yahoo.fr yahoo.co.uk yahoo.co.in yahoo.co.jp ymail.com rocketmail.com aol.com
icloud.com me.com mac.com proton.me protonmail.com protonmail.ch pm.me gmx.com gmx.de gmx.net
gmx.fr web.de t-online.de freenet.de mail.com email.com zoho.com zohomail.com yandex.com yandex.ru
ya.ru mail.ru bk.ru inbox.ru list.ru rambler.ru qq.com 163.com 126.com sina.com sohu.com
aliyun.com naver.com daum.net hanmail.net rediffmail.com orange.fr wanadoo.fr free.fr laposte.net
sfr.fr libero.it virgilio.it tiscali.it btinternet.com sky.com tutanota.com tuta.io fastmail.com
hey.com mailbox.org posteo.de seznam.cz wp.pl o2.pl interia.pl onet.pl uol.com.br bol.com.br
terra.com.br hushmail.com lycos.com
""".split())


def mail_domain(address: str | None) -> str:
    return (address or "").strip().rpartition("@")[2].lower().rstrip(".")


_SUFFIXES = PublicSuffixList()  # the list the package ships: no network, ever


def organisation_domain(domain: str) -> str:
    """The registrable domain of a mail domain (`moh.health.go.ke` → `health.go.ke`, by the
    public-suffix list), or "" when the domain is itself a public suffix (`gov.uk`, `com`) or
    is not a domain at all: such a domain names no one organisation."""
    domain = (domain or "").strip().lower().rstrip(".")
    if not domain or "." not in domain:
        return ""
    try:
        return _SUFFIXES.privatesuffix(domain) or ""
    except (ValueError, UnicodeError):
        return ""


def _same_organisation(a: str, b: str) -> bool:
    """Two domains of one organisation: the same registrable domain, neither a public suffix
    nor a public mail provider's."""
    ra, rb = organisation_domain(a), organisation_domain(b)
    return bool(ra) and ra == rb and ra not in PUBLIC_MAIL_DOMAINS


@dataclass(frozen=True)
class ConflictFacts:
    """What the automatic conflict check reads of a judge and a project."""

    judge_id: object
    judge_email: str
    owner_id: object
    owner_email: str
    contact_email: str


CONFLICT_REASONS = {
    "owner": N_("You submitted this project."),
    "contact": N_("You are this project's contact person."),
    "domain": N_("Your e-mail domain is the domain of the project's contact or submitter."),
}


def automatic_conflict(facts: ConflictFacts) -> str | None:
    """The obvious conflicts, found without the judge's word: the judge submitted the project,
    is its contact, or shares the contact's or the submitter's registrable e-mail domain
    (public suffixes and public mail providers excepted). A key of `CONFLICT_REASONS`, or None."""
    if facts.owner_id == facts.judge_id:
        return "owner"
    judge = facts.judge_email.strip().lower()
    if judge and judge == facts.contact_email.strip().lower():
        return "contact"
    domain = mail_domain(judge)
    if domain and domain not in PUBLIC_MAIL_DOMAINS:
        for other in (mail_domain(facts.contact_email), mail_domain(facts.owner_email)):
            if other not in PUBLIC_MAIL_DOMAINS and _same_organisation(domain, other):
                return "domain"
    return None


# What became of a conflict a judge declared: it stands (the judge neither sees nor scores the
# project, their sheets are set aside); it is pending (declared after one of their sheets on
# it was submitted: staff decide, the sheet counts meanwhile); or staff refused it.
CONFLICT_STATUSES = ("standing", "pending", "refused")


# --- the scoring maths -----------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """One submitted sheet, reduced to what the maths needs: who, which project, its total."""

    judge: str
    project: str
    total: float


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def _pstdev(values: Sequence[float]) -> float:
    """Population standard deviation (0 for a single value)."""
    if len(values) < 2:
        return 0.0
    m = _mean(values)
    return math.sqrt(math.fsum((v - m) ** 2 for v in values) / len(values))


def normalise(sheets: Sequence[Sheet]) -> dict[tuple[str, str], float]:
    """Per-judge z-scores rescaled to the scale, for each (judge, project).

    Judges differ in severity: a harsh judge's 60 may be a lenient judge's 80. Each total
    becomes its z-score among that judge's totals, z = (t - m_j) / s_j, then is put back on
    the scale as M + S * z, where M is the panel's mean total and S its pooled standard
    deviation (the root mean square of the judges' standard deviations). A judge whose
    totals are all equal (one sheet, or a constant judge) expresses no preference: their
    sheets all become M. The order of each judge's own totals is kept.
    """
    by_judge: dict[str, list[float]] = {}
    for s in sheets:
        by_judge.setdefault(s.judge, []).append(s.total)
    if not sheets:
        return {}
    grand = _mean([s.total for s in sheets])
    stats = {j: (_mean(t), _pstdev(t)) for j, t in by_judge.items()}
    variances = [sd * sd for _m, sd in stats.values() if sd > 0]
    pooled = math.sqrt(math.fsum(variances) / len(variances)) if variances else 0.0
    out = {}
    for s in sheets:
        m, sd = stats[s.judge]
        out[(s.judge, s.project)] = grand + pooled * (s.total - m) / sd if sd > 0 else grand
    return out


def krippendorff_alpha_interval(units: Iterable[Sequence[float]]) -> float | None:
    """Krippendorff's alpha with the interval metric: 1 - D_o / D_e, over the units (here:
    projects) that at least two judges scored; missing scores are allowed. 1 is perfect
    agreement, 0 what chance gives, below 0 systematic disagreement. None when it is not
    defined (fewer than two pairable values, or no variation at all)."""
    pairable = [list(u) for u in units if len(u) >= 2]
    n = sum(len(u) for u in pairable)
    if n < 2:
        return None
    # Over the ordered pairs c != k of a unit, sum (v_c - v_k)^2 = 2 m SS, SS = sum (v - mean)^2.
    observed = 0.0
    all_values: list[float] = []
    for u in pairable:
        m = len(u)
        mu = _mean(u)
        ss = math.fsum((v - mu) ** 2 for v in u)
        observed += 2 * m * ss / (m - 1)
        all_values.extend(u)
    d_o = observed / n
    mu = _mean(all_values)
    d_e = 2 * n * math.fsum((v - mu) ** 2 for v in all_values) / (n * (n - 1))
    if d_e == 0:
        return None
    return 1 - d_o / d_e


@dataclass(frozen=True)
class JudgeStats:
    """How a judge stands against the rest of the panel.

    `departure`: the mean absolute difference, in points, between the judge's normalised
    total for a project and the mean of the other judges' normalised totals for it (projects
    with at least one other judge) — disagreement about which projects are better, severity
    aside. `severity`: the same comparison on raw totals, signed (negative: harsher than the
    others). `outlier`: see `OUTLIER_FACTOR`."""

    judge: str
    sheets: int
    compared: int
    departure: float | None
    severity: float | None
    outlier: bool


# A judge is an outlier when their departure is more than OUTLIER_FACTOR times the panel's
# median departure and at least OUTLIER_FLOOR points (so a tight panel flags nobody for
# small differences, and a panel where everyone disagrees flags nobody in particular), in a
# panel of at least three compared judges (with two, each departs from the other as much).
OUTLIER_FACTOR = 2.0
OUTLIER_FLOOR = 10.0


def judge_stats(sheets: Sequence[Sheet], normalised: Mapping[tuple[str, str], float]) -> list[JudgeStats]:
    """Per judge, their departure from the panel and whether it makes them an outlier;
    ordered by departure, largest first (then by judge)."""
    by_project: dict[str, list[Sheet]] = {}
    for s in sheets:
        by_project.setdefault(s.project, []).append(s)
    departures: dict[str, list[float]] = {}
    biases: dict[str, list[float]] = {}
    counts: dict[str, int] = {}
    for s in sheets:
        counts[s.judge] = counts.get(s.judge, 0) + 1
    for project_sheets in by_project.values():
        k = len(project_sheets)
        if k < 2:
            continue
        norm_sum = math.fsum(normalised[(s.judge, s.project)] for s in project_sheets)
        raw_sum = math.fsum(s.total for s in project_sheets)
        for s in project_sheets:
            mine = normalised[(s.judge, s.project)]
            others = (norm_sum - mine) / (k - 1)
            departures.setdefault(s.judge, []).append(abs(mine - others))
            biases.setdefault(s.judge, []).append(s.total - (raw_sum - s.total) / (k - 1))
    means = {j: _mean(d) for j, d in departures.items()}
    typical = median(means.values()) if means else 0.0
    stats = [
        JudgeStats(
            judge=j,
            sheets=counts[j],
            compared=len(departures.get(j, [])),
            departure=means.get(j),
            severity=_mean(biases[j]) if j in biases else None,
            outlier=j in means and len(means) >= 3 and means[j] >= OUTLIER_FLOOR
            and means[j] > OUTLIER_FACTOR * typical,
        )
        for j in counts
    ]
    return sorted(stats, key=lambda s: (-(s.departure if s.departure is not None else -1.0), s.judge))


@dataclass(frozen=True)
class ProjectRef:
    id: str
    title: str


@dataclass(frozen=True)
class RankedProject:
    id: str
    title: str
    judges: int
    mean: float | None
    median: float | None
    spread: float | None
    normalised_mean: float | None
    rank: int | None
    normalised_rank: int | None


@dataclass(frozen=True)
class Ranking:
    items: list[RankedProject]
    agreement: float | None
    judges: list[JudgeStats] = field(default_factory=list)

    @property
    def outliers(self) -> list[JudgeStats]:
        return [j for j in self.judges if j.outlier]


def shown(value: float | None, places: int = 2) -> float | None:
    """A measure as staff read it (and as the tie-break compares it): rounded to two decimals."""
    return None if value is None else round(value + 0.0, places)


# THE TIE-BREAK RULE. Projects are ranked by their mean total, highest first, comparing the
# values as shown (two decimals). Equal means are decided by, in turn: the higher median; more
# judges; the smaller spread (judges agreeing more); the higher normalised mean. Projects equal
# on all five share the rank (1, 2, 2, 4) and are listed by title: staff decide between them.
# The normalised rank uses the same rule with the normalised mean first and the mean last.


def _raw_key(p: RankedProject) -> tuple:
    return (-p.mean, -p.median, -p.judges, p.spread, -p.normalised_mean)


def _normalised_key(p: RankedProject) -> tuple:
    return (-p.normalised_mean, -p.median, -p.judges, p.spread, -p.mean)


def _competition_ranks(items: list[RankedProject], key) -> dict[str, int]:
    """Standard competition ranking (1, 2, 2, 4) of the items by `key`."""
    ordered = sorted(items, key=lambda p: (key(p), p.title, p.id))
    ranks: dict[str, int] = {}
    previous = None
    for position, p in enumerate(ordered, start=1):
        k = key(p)
        if k != previous:
            rank, previous = position, k
        ranks[p.id] = rank
    return ranks


def rank_projects(projects: Sequence[ProjectRef], sheets: Sequence[Sheet]) -> Ranking:
    """The ranking of one panel (a category in a round): per project the number of judges,
    the mean, median and spread (population standard deviation) of the judges' totals and
    the mean of their normalised totals; ranks by the tie-break rule above; the panel's
    agreement (Krippendorff's alpha, interval, on the raw totals); each judge's departure.
    Projects nobody scored come last, unranked. `sheets` are the submitted sheets of judges
    entitled to score (assigned, not conflicted) for `projects`."""
    known = {p.id for p in projects}
    sheets = [s for s in sheets if s.project in known]
    normalised = normalise(sheets)
    by_project: dict[str, list[Sheet]] = {}
    for s in sheets:
        by_project.setdefault(s.project, []).append(s)
    scored, unscored = [], []
    for p in projects:
        mine = by_project.get(p.id, [])
        if not mine:
            unscored.append(RankedProject(p.id, p.title, 0, None, None, None, None, None, None))
            continue
        totals = [s.total for s in mine]
        scored.append(RankedProject(
            p.id, p.title, len(mine),
            mean=shown(_mean(totals)),
            median=shown(median(totals)),
            spread=shown(_pstdev(totals)),
            normalised_mean=shown(_mean([normalised[(s.judge, s.project)] for s in mine])),
            rank=None, normalised_rank=None,
        ))
    raw = _competition_ranks(scored, _raw_key)
    norm = _competition_ranks(scored, _normalised_key)
    ranked = [
        RankedProject(p.id, p.title, p.judges, p.mean, p.median, p.spread, p.normalised_mean, raw[p.id], norm[p.id])
        for p in scored
    ]
    ranked.sort(key=lambda p: (p.rank, p.title, p.id))
    unscored.sort(key=lambda p: (p.title, p.id))
    agreement = krippendorff_alpha_interval([s.total for s in group] for group in by_project.values())
    return Ranking(items=ranked + unscored, agreement=shown(agreement, 3), judges=judge_stats(sheets, normalised))
