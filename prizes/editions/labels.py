"""Words for the editions' codes, in the reader's language (through gettext at use)."""

from typing import Mapping

from core.i18n import N_, ngettext
from core.i18n import gettext as _

PHASE_LABELS = {
    "submission": N_("Submission"),
    "nomination": N_("Nomination"),
    "voting": N_("Online voting"),
    "selection": N_("Selection"),
    "announcement": N_("Announcement"),
}


def rules_in_words(edition) -> list[str]:
    """The counting rules as sentences for the public edition page."""
    rules = edition.rules
    shortlist = int(rules["shortlist_size"])
    winners = int(rules["winners_per_category"])
    lines = [
        ngettext("The most-voted project of each category becomes a finalist.",
                 "The %(num)d most-voted projects of each category become finalists.", shortlist),
        _("Every project tied with the last of them goes through too (tie rule %(rule)s).", rule=rules["tie_rule"]),
        ngettext("The experts choose at most %(num)d winner per category.",
                 "The experts choose at most %(num)d winners per category.", winners),
        _("Only votes of voters who voted in every category count.") if rules["complete_ballots"]
        else _("Every valid vote counts, whatever the voter's other votes."),
    ]
    rubric = rules.get("selection_rubric")
    if rubric:
        lines.append(_("The experts score the finalists on: %(criteria)s.",
                       # the default criteria's titles are messages (judging/rules.py marks them): in
                       # the reader's language; a title staff wrote is shown as written
                       criteria="; ".join(f"{_(c['title'])} ({c['weight']})" for c in rubric)))
    return lines


def describe_setup(action: str, details: dict) -> str | None:
    """An edition's set-up change (goal frameworks, categories) in words, or None."""
    code = details.get("code", "?")
    if action == "edition.framework_add":
        return _("Goal framework %(code)s added (goals: %(count)s)", code=code, count=len(details.get("goals") or []))
    if action == "edition.framework_update":
        return _("Goal framework %(code)s changed", code=code)
    if action == "edition.framework_remove":
        return _("Goal framework %(code)s removed", code=code)
    if action == "edition.category_add":
        return _("Category %(code)s added", code=code)
    if action == "edition.category_remove":
        return _("Category %(code)s removed", code=code)
    return None


def update_parts(details: Mapping, words: Mapping[str, str]) -> list[str]:
    """What an `edition.update` audit entry changed (dates, settings, category titles, time
    zone, in that order), each said with `words`: the reader's message for that detail key, the
    settings' with `%(names)s` and the categories' with `%(codes)s` for the names changed. The
    staff edition page and the console's audit log say them in their own sentences."""
    parts = []
    if "phases" in details:
        parts.append(words["phases"])
    if "settings" in details:
        parts.append(words["settings"] % {"names": ", ".join(sorted(details["settings"]))})
    if "categories" in details:
        parts.append(words["categories"] % {"codes": ", ".join(sorted(details["categories"]))})
    if "time_zone" in details:
        parts.append(words["time_zone"])
    return parts
