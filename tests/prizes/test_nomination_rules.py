"""The pure rules of nominations, tested directly: word counting as a person counts, folding
of entity names, the similarity measure, near-duplicates, and the status moves."""

import pytest

from prizes.nominations.rules import (
    NOMINATED_STATUSES,
    STATUSES,
    Candidate,
    can_move,
    count_words,
    fold,
    is_public,
    near_duplicate,
    public_status,
    similarity,
    sources_of,
    words,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("   \n\t ", 0),
        ("e-health", 1),
        ("don't", 1),
        ("don’t stop", 2),  # a typographic apostrophe inside a word
        ("2,000 people", 2),
        ("3.5 million", 2),
        ("health — and & education", 3),  # the dash and the ampersand are no words
        ("— & - '", 0),
        ("mobile-money, e-health; and tele-medicine.", 4),
        ("end-to-end encryption", 2),
        ("word- dangling", 2),  # a trailing hyphen does not join two words
        ("snake_case", 2),  # an underscore is punctuation
        ("COVID-19 2020", 2),
        ("Ethiopia's 11 regions", 3),
        ("健康 信息", 2),  # Chinese: runs of letters separated by spaces
        ("Доступ к информации", 3),
        ("الصحة الإلكترونية", 2),
        ("x" * 5000, 1),
    ],
)
def test_words_are_counted_as_a_person_counts_them(text, expected):
    assert count_words(text) == expected


def test_a_word_count_never_over_counts_punctuation():
    text = " ".join(["word"] * 150) + " — & ... !!! --- '' " * 10
    assert count_words(text) == 150
    assert words("e-health don't 2,000") == ["e-health", "don't", "2,000"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ministry of ICT, Kenya", "ministry of  I.C.T. kenya"),
        ("Société Générale", "societe generale"),
        ("  The   Foundation ", "the foundation"),
        ("ÜBER-Net", "uber net"),
    ],
)
def test_entity_names_fold_alike(a, b):
    assert fold(a) == fold(b)


def test_different_entities_do_not_fold_alike():
    assert fold("Ministry of Health") != fold("Ministry of ICT")
    assert fold("") == ""
    assert fold("— & —") == ""


def test_similarity_is_the_share_of_words_the_other_keeps():
    assert similarity("a b c d e f g h i j", "a b c d e f g h i j") == 1.0
    assert similarity("a b c d e f g h i j", "a b c d e f g h i k") == pytest.approx(0.9)
    assert similarity("a b c d", "a b c d e f g h") == pytest.approx(0.5)  # the longer text decides
    assert similarity("One Two", "one two") == 1.0  # letter case aside
    assert similarity("b a", "a b") == 1.0  # order aside
    assert similarity("a a a b", "a b b b") == pytest.approx(0.5)  # a multiset, not a set
    assert similarity("", "a b") == 0.0


def _candidate(title, description, year=2026, category="C7.4"):
    return Candidate("other", title, description, year, category)


DESCRIPTION = " ".join(f"w{i}" for i in range(100))


def test_a_resubmission_with_the_same_title_and_nine_words_in_ten_is_a_near_duplicate():
    edited = " ".join(f"w{i}" if i % 10 else f"new{i}" for i in range(100))  # 90 of 100 kept
    match = near_duplicate("Mobile Health, Kenya", edited, [_candidate("mobile health kenya", DESCRIPTION)], 0.9)
    assert match is not None and match[1] == pytest.approx(0.9)


def test_below_the_threshold_with_the_same_title_is_not_a_duplicate():
    edited = " ".join(f"w{i}" if i % 5 else f"new{i}" for i in range(100))  # 80 of 100 kept
    assert near_duplicate("Mobile Health", edited, [_candidate("Mobile Health", DESCRIPTION)], 0.9) is None


def test_a_nearly_identical_description_under_another_title_is_a_duplicate():
    edited = " ".join(f"w{i}" if i != 7 else "changed" for i in range(100))  # 99 of 100 kept
    match = near_duplicate("A new name", edited, [_candidate("The old name", DESCRIPTION)], 0.9)
    assert match is not None and match[1] == pytest.approx(0.99)


def test_two_projects_on_one_subject_are_not_duplicates():
    first = ("Our mobile clinic brings health workers to rural villages in the north of the country, where "
             "mothers and children wait for days to see a nurse; we trained forty workers and equipped vans.")
    second = ("A telemedicine platform connects district hospitals with specialists in the capital so that rural "
              "patients are diagnosed remotely; doctors share records and images over a secure network.")
    assert near_duplicate("Rural health", second, [_candidate("Rural health", first)], 0.9) is None


def test_the_closest_match_is_named():
    close = _candidate("Same", " ".join(f"w{i}" if i != 3 else "x" for i in range(100)))
    exact = _candidate("Same", DESCRIPTION)
    match = near_duplicate("Same", DESCRIPTION, [close, exact], 0.9)
    assert match == (exact, 1.0)


def test_every_status_move_is_listed_and_drafts_only_go_to_submitted():
    assert set(STATUSES) == {"draft", "submitted", "eligible", "ineligible", "nominated", "finalist", "winner",
                             "champion"}
    assert can_move("draft", "submitted") and not can_move("draft", "nominated")
    assert not can_move("submitted", "nominated")  # only an eligible project is nominated
    assert can_move("eligible", "nominated") and not can_move("ineligible", "nominated")
    assert sources_of("finalist") == ("nominated",)
    assert sources_of("winner") == ("finalist", "winner", "champion")
    assert not can_move("winner", "nominated")  # a decided laureate stays one
    assert sources_of("eligible") == ("submitted", "eligible", "ineligible")


@pytest.mark.parametrize("status", STATUSES)
def test_a_project_is_public_only_once_nominated_and_voting_has_opened(status):
    for phase in ("submission", "nomination"):
        assert is_public(status, phase, False) is False
    for phase in ("voting", "selection", "announcement"):
        assert is_public(status, phase, False) is (status in NOMINATED_STATUSES)


def test_published_laureates_stay_public_whatever_the_phase():
    assert is_public("winner", "nomination", True) is True
    assert is_public("finalist", "nomination", True) is False
    assert is_public("eligible", "announcement", True) is False


def test_the_public_sees_one_status_for_every_project_on_the_list():
    assert {public_status(s) for s in NOMINATED_STATUSES} == {"nominated"}
