"""Words for voting's codes, in the reader's language (through gettext at use)."""

from core.i18n import N_
from core.i18n import gettext as _

# The public reason categories of a void (`voting.rules.VOID_CODES`).
VOID_LABELS = {
    "burst": N_("a burst of votes on one project"),
    "network": N_("many accounts from one network"),
    "disposable": N_("disposable e-mail addresses"),
    "quick": N_("accounts made seconds before voting"),
    "alias": N_("aliases of one e-mail address"),
    "domain": N_("a suspicious e-mail domain"),
    "manual": N_("decided by the secretariat on review"),
}


def void_labels() -> dict[str, str]:
    return {code: _(label) for code, label in VOID_LABELS.items()}
