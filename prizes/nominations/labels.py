"""Words for the nominations' codes (regions, stakeholder types, project and nomination
statuses), marked for translation and said in the reader's language where they are used."""

from core.i18n import N_
from core.i18n import gettext as _

REGION_LABELS = {"africa": N_("Africa"), "americas": N_("Americas"), "arab_states": N_("Arab States"),
                 "asia_pacific": N_("Asia-Pacific"), "cis": N_("CIS"), "europe": N_("Europe"),
                 "international": N_("International")}
STAKEHOLDER_LABELS = {"government": N_("Government"), "private_sector": N_("Private sector"),
                      "civil_society": N_("Civil society"), "international_organization": N_("International organisation"),
                      "academia": N_("Academia"), "other": N_("Other")}
PROJECT_STATUS_LABELS = {"completed": N_("Completed"), "major_phase_completed": N_("A major phase completed")}
STATUS_LABELS = {"draft": N_("Draft"), "submitted": N_("Submitted"), "eligible": N_("Eligible"),
                 "ineligible": N_("Not eligible"), "nominated": N_("Nominated"), "finalist": N_("Finalist"),
                 "winner": N_("Winner"), "champion": N_("Champion")}


def translated(labels: dict[str, str]) -> dict[str, str]:
    """A label map said in the current language."""
    return {key: _(value) for key, value in labels.items()}
