"""Words for the staff console: every kind of audit entry said as a sentence in the
reader's language, and the dashboard's next actions.

`DESCRIBERS` has one function per `action` string that any domain passes to
`core.audit.record`; `tests/reports/test_console_audit.py` reads the source and fails when
a kind has none. A describer gets the entry (with `actor`: the name of who acted) and the
titles of the projects it may mention; it must never fail on odd details (old entries)."""

from __future__ import annotations

from typing import Callable

from core.i18n import N_
from core.i18n import gettext as _
from core.i18n import ngettext
from prizes.editions.labels import PHASE_LABELS, update_parts

ROUND_LABELS = {"nomination": N_("nomination round"), "selection": N_("selection round")}
ROLE_LABELS = {"staff": N_("staff"), "judge": N_("judge")}


def _phase(code) -> str:
    return _(PHASE_LABELS[code]) if code in PHASE_LABELS else str(code or "?")


def _round(code) -> str:
    return _(ROUND_LABELS[code]) if code in ROUND_LABELS else str(code or "?")


def _role(code) -> str:
    return _(ROLE_LABELS[code]) if code in ROLE_LABELS else str(code or "?")


def _title(entry: dict, titles: dict[str, str]) -> str:
    subject = entry.get("subject") or ""
    key = subject.partition(":")[2]
    return titles.get(key) or _("a project")


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


Describer = Callable[[dict, dict, dict[str, str]], str]


def _edition_update(e: dict, d: dict, _t) -> str:
    parts = update_parts(d, {"phases": _("the dates"), "settings": _("the settings (%(names)s)"),
                             "categories": _("the category titles (%(codes)s)"), "time_zone": _("the time zone")})
    return _("%(actor)s changed %(what)s", actor=e["actor"], what="; ".join(parts) or _("the edition"))


def _phase_move(e: dict, d: dict, _t) -> str:
    if d.get("automatic"):
        return _("The %(from)s phase closed; the %(to)s phase began", **{"from": _phase(d.get("from")),
                                                                          "to": _phase(d.get("to"))})
    return _("%(actor)s moved the phase from %(from)s to %(to)s", actor=e["actor"],
             **{"from": _phase(d.get("from")), "to": _phase(d.get("to"))})


def _winners(e: dict, d: dict, titles: dict[str, str]) -> str:
    parts = []
    for code in sorted(d):
        ids = d[code] if isinstance(d[code], list) else []
        names = ", ".join(f"“{titles.get(str(i), '?')}”" for i in ids) or _("none")
        parts.append(f"{code}: {names}")
    return _("%(actor)s set the winners of %(list)s", actor=e["actor"], list="; ".join(parts) or _("no category"))


def _publish_request(e: dict, d: dict, _t) -> str:
    release = d.get("release_at")
    if release:
        return _("%(actor)s asked to publish the results, to be public on %(when)s", actor=e["actor"],
                 when=str(release))
    return _("%(actor)s asked to publish the results", actor=e["actor"])


def _publish_approve(e: dict, d: dict, _t) -> str:
    if d.get("one_step"):
        return _("%(actor)s published the results (no second approval is required)", actor=e["actor"])
    return _("%(actor)s approved the publication asked by %(email)s", actor=e["actor"],
             email=d.get("requested_by") or "?")


def _rules_frozen(e: dict, d: dict, _t) -> str:
    fingerprint = d.get("fingerprint")
    if isinstance(fingerprint, str) and fingerprint:
        return _("The counting rules were frozen (fingerprint %(fingerprint)s)", fingerprint=fingerprint[:16])
    return _("The counting rules were frozen")


def _finalists(e: dict, d: dict, _t) -> str:
    lists = d.get("finalists") if isinstance(d.get("finalists"), dict) else {}
    count = sum(len(v) for v in lists.values() if isinstance(v, list))
    return ngettext("%(actor)s computed the finalists: %(num)d project in %(categories)d categories",
                    "%(actor)s computed the finalists: %(num)d projects in %(categories)d categories",
                    count, actor=e["actor"], num=count, categories=len(lists))


DESCRIBERS: dict[str, Describer] = {
    "role.grant": lambda e, d, t: _("%(actor)s granted the %(role)s role to %(email)s", actor=e["actor"],
                                    role=_role(d.get("role")), email=d.get("email", "?")),
    "role.revoke": lambda e, d, t: _("%(actor)s revoked the %(role)s role of %(email)s", actor=e["actor"],
                                     role=_role(d.get("role")), email=d.get("email", "?")),
    "account.suspend": lambda e, d, t: _("%(actor)s suspended the account %(email)s", actor=e["actor"],
                                         email=d.get("email", "?")),
    "account.unsuspend": lambda e, d, t: _("%(actor)s lifted the suspension of %(email)s", actor=e["actor"],
                                           email=d.get("email", "?")),
    "account.verification_mail": lambda e, d, t: _("%(actor)s sent the verification mail again to %(email)s",
                                                   actor=e["actor"], email=d.get("email", "?")),
    "edition.create": lambda e, d, t: _("%(actor)s created the edition %(year)s", actor=e["actor"],
                                        year=(e.get("subject") or "").partition(":")[2]),
    "edition.phase": _phase_move,
    "edition.update": _edition_update,
    "nomination.eligibility": lambda e, d, t: (
        _("%(actor)s found “%(title)s” eligible", actor=e["actor"], title=_title(e, t)) if d.get("status") == "eligible"
        else _("%(actor)s found “%(title)s” not eligible", actor=e["actor"], title=_title(e, t))),
    "edition.nominated": lambda e, d, t: _(
        "%(actor)s confirmed the nominated list: %(nominated)d nominated, %(refused)d not nominated",
        actor=e["actor"], nominated=_int(d.get("nominated")), refused=_int(d.get("not_nominated"))),
    "edition.winners": _winners,
    "edition.publish": lambda e, d, t: _("%(actor)s published the results: %(winners)d winners, %(champions)d champions",
                                         actor=e["actor"], winners=_int(d.get("winners")),
                                         champions=_int(d.get("champions"))),
    "edition.publish_request": _publish_request,
    "edition.publish_approve": _publish_approve,
    "edition.publish_cancel": lambda e, d, t: _("%(actor)s cancelled the publication request", actor=e["actor"]),
    "edition.rules_frozen": _rules_frozen,
    "edition.foreword": lambda e, d, t: _("%(actor)s changed the foreword of the book", actor=e["actor"]),
    "edition.book_build": lambda e, d, t: _("%(actor)s started building the Success Stories book of %(year)s",
                                            actor=e["actor"], year=d.get("year") or (e.get("subject") or "").partition(":")[2]),
    "edition.extended_requests": lambda e, d, t: ngettext(
        "%(actor)s asked %(num)d finalist for an extended description",
        "%(actor)s asked %(num)d finalists for an extended description", _int(d.get("asked")),
        actor=e["actor"], num=_int(d.get("asked"))),
    "edition.finalists": _finalists,
    "judging.assign": lambda e, d, t: _("%(actor)s put %(email)s on the panel of %(category)s", actor=e["actor"],
                                        email=d.get("email", "?"), category=d.get("category", "?")),
    "judging.unassign": lambda e, d, t: _("%(actor)s took %(email)s off the panel of %(category)s", actor=e["actor"],
                                          email=d.get("email", "?"), category=d.get("category", "?")),
    "judging.conflict": lambda e, d, t: _("%(actor)s declared a conflict of interest with “%(title)s”",
                                          actor=e["actor"], title=_title(e, t)),
    "judging.conflict_request": lambda e, d, t: _(
        "%(actor)s declared a conflict of interest with “%(title)s” after submitting a sheet (for staff to decide)",
        actor=e["actor"], title=_title(e, t)),
    "judging.conflict_decided": lambda e, d, t: (
        _("%(actor)s accepted the conflict of interest of %(judge)s with “%(title)s”", actor=e["actor"],
          judge=d.get("judge", "?"), title=_title(e, t)) if d.get("decision") == "accept"
        else _("%(actor)s refused the conflict of interest of %(judge)s with “%(title)s”", actor=e["actor"],
               judge=d.get("judge", "?"), title=_title(e, t))),
    "judging.conflict_withdrawn": lambda e, d, t: _("%(actor)s withdrew a conflict of interest with “%(title)s”",
                                                    actor=e["actor"], title=_title(e, t)),
    "judging.conflict_lifted": lambda e, d, t: _("%(actor)s lifted the automatic conflict of %(judge)s with “%(title)s”",
                                                 actor=e["actor"], judge=d.get("judge", "?"), title=_title(e, t)),
    "judging.rubric": lambda e, d, t: _("%(actor)s changed the rubric of the %(round)s", actor=e["actor"],
                                        round=_round(d.get("round"))),
    "judging.round": lambda e, d, t: _("%(actor)s changed the settings of the %(round)s", actor=e["actor"],
                                       round=_round(d.get("round"))),
    "judging.sheet.submit": lambda e, d, t: _("%(actor)s submitted a score sheet for “%(title)s” (%(round)s)",
                                              actor=e["actor"], title=_title(e, t), round=_round(d.get("round"))),
    "judging.sheet.reopen": lambda e, d, t: _("%(actor)s reopened the score sheet of %(judge)s for “%(title)s” (%(round)s)",
                                              actor=e["actor"], judge=d.get("judge", "?"), title=_title(e, t),
                                              round=_round(d.get("round"))),
    "judging.reminders": lambda e, d, t: ngettext(
        "%(actor)s reminded %(num)d judge of the %(round)s", "%(actor)s reminded %(num)d judges of the %(round)s",
        len(d.get("judges") or []), actor=e["actor"], num=len(d.get("judges") or []), round=_round(d.get("round"))),
    "edition.category_titles": lambda e, d, t: _("%(actor)s corrected the titles of %(category)s", actor=e["actor"],
                                                 category=d.get("code", "?")),
    "edition.framework_add": lambda e, d, t: _("%(actor)s added the goal framework %(code)s", actor=e["actor"],
                                               code=d.get("code", "?")),
    "edition.framework_update": lambda e, d, t: _("%(actor)s changed the goal framework %(code)s", actor=e["actor"],
                                                  code=d.get("code", "?")),
    "edition.framework_remove": lambda e, d, t: _("%(actor)s removed the goal framework %(code)s", actor=e["actor"],
                                                  code=d.get("code", "?")),
    "edition.category_add": lambda e, d, t: _("%(actor)s added the category %(code)s", actor=e["actor"],
                                              code=d.get("code", "?")),
    "edition.category_remove": lambda e, d, t: _("%(actor)s removed the category %(code)s", actor=e["actor"],
                                                 code=d.get("code", "?")),
    "nomination.appeal": lambda e, d, t: _("%(actor)s appealed the ineligibility of “%(title)s”", actor=e["actor"],
                                           title=_title(e, t)),
    "nomination.appeal_decided": lambda e, d, t: (
        _("%(actor)s upheld the appeal of “%(title)s”", actor=e["actor"], title=_title(e, t)) if d.get("upheld")
        else _("%(actor)s dismissed the appeal of “%(title)s”", actor=e["actor"], title=_title(e, t))),
    "votes.void": lambda e, d, t: ngettext("%(actor)s voided %(num)d vote", "%(actor)s voided %(num)d votes",
                                           _int(d.get("count")), actor=e["actor"], num=_int(d.get("count"))),
}

# Families of kinds, for the audit page's filter.
KIND_GROUPS = {
    "edition": N_("Editions and phases"),
    "nomination": N_("Screening"),
    "judging": N_("Judging"),
    "votes": N_("Votes"),
    "role": N_("Roles"),
    "account": N_("Accounts"),
}


def describe(entry: dict, titles: dict[str, str]) -> str:
    """The entry as a sentence; an unknown kind (a newer one) is shown by its code."""
    describer = DESCRIBERS.get(entry.get("action") or "")
    details = entry.get("details") if isinstance(entry.get("details"), dict) else {}
    if describer is None:
        return _("%(actor)s: %(action)s", actor=entry["actor"], action=entry.get("action"))
    try:
        return describer(entry, details, titles)
    except (AttributeError, TypeError, ValueError, KeyError):
        return _("%(actor)s: %(action)s", actor=entry["actor"], action=entry.get("action"))


# The dashboard's next actions: code → words (with a count where it has one).
NEXT_ACTIONS = {
    "review_submissions": N_("Review the submissions"),
    "screen": N_("Screen the submitted projects"),
    "confirm_nominated": N_("Confirm the nominated list"),
    "assign_judges": N_("Assign judges to the panels"),
    "judging_progress": N_("Follow the judges' progress"),
    "review_fraud": N_("Review the fraud signals"),
    "compute_finalists": N_("Compute the finalists"),
    "request_extended": N_("Request extended descriptions"),
    "set_winners": N_("Set the winners"),
    "publish": N_("Publish the results"),
    "approve_publication": N_("Approve the publication"),
    "build_book": N_("Build the book"),
    "move_phase": N_("Move to the next phase"),
}
