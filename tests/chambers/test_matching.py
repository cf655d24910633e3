import io

import pytest

from meinekammer.chambers.demo_directory import generate_directory_rows, write_directory_csv
from meinekammer.chambers.directory import Candidate, find_candidates, import_directory
from tests.chambers.factories import ChamberFactory, DirectoryEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chamber():
    return ChamberFactory(number="101")


@pytest.fixture
def other_chamber():
    return ChamberFactory(number="202")


@pytest.fixture
def mueller(chamber):
    return DirectoryEntryFactory(
        chamber=chamber,
        member_number="1010001",
        name="Müller Metallbau GmbH",
        street="Musterstraße 1",
        postal_code="12345",
        city="Musterstadt",
        register_court="Amtsgericht Musterstadt",
        register_number="HRB 1001",
    )


@pytest.fixture
def neighbours(chamber):
    """Other companies in the same postal code, one of them with a similar name."""
    return [
        DirectoryEntryFactory(chamber=chamber, name="Müller Bäckerei e.K.", postal_code="12345"),
        DirectoryEntryFactory(chamber=chamber, name="Schmidt Logistik GmbH", postal_code="12345"),
        DirectoryEntryFactory(chamber=chamber, name="Weber Druckerei KG", postal_code="12345"),
    ]


def by_entry(candidates: list[Candidate]) -> dict[int, Candidate]:
    return {candidate.entry.pk: candidate for candidate in candidates}


def test_the_member_number_finds_the_entry_with_score_100(mueller):
    [candidate] = find_candidates(mueller.chamber, name="", member_number=" 101 0001 ")

    assert (candidate.entry, candidate.score, candidate.reasons) == (
        mueller,
        100,
        ["member_number"],
    )
    assert candidate.differences == {}


def test_the_register_number_with_its_court_scores_95_and_alone_80(mueller):
    [with_court] = find_candidates(
        mueller.chamber, name="", register_court="AG Musterstadt", register_number="hrb1001"
    )
    [alone] = find_candidates(mueller.chamber, name="", register_number="HR B 1001")

    assert (with_court.entry, with_court.score, with_court.reasons) == (mueller, 95, ["register"])
    assert (alone.entry, alone.score, alone.reasons) == (mueller, 80, ["register"])


def test_the_same_register_number_at_another_court_is_another_company(mueller):
    assert (
        find_candidates(
            mueller.chamber,
            name="",
            register_court="Amtsgericht Anderswo",
            register_number="HRB 1001",
        )
        == []
    )


def test_a_similar_name_in_the_same_postal_code_is_found_despite_typos(mueller, neighbours):
    candidates = find_candidates(mueller.chamber, name="MUELLER Metalbau Gmbh", postal_code="12345")

    assert candidates[0].entry == mueller
    assert candidates[0].reasons == ["name_postal_code"]
    assert 85 <= candidates[0].score <= 90
    # The bakery shares only the family name; the others nothing.
    found = by_entry(candidates)
    assert neighbours[1].pk not in found and neighbours[2].pk not in found
    if neighbours[0].pk in found:
        assert found[neighbours[0].pk].score < candidates[0].score


def test_a_name_alone_never_scores_like_a_register_number(mueller):
    [candidate] = find_candidates(
        mueller.chamber, name="Müller Metallbau GmbH", postal_code="12345"
    )

    assert candidate.score == 90


def test_without_a_similar_name_in_the_postal_code_names_with_the_same_first_word_are_tried(
    mueller, neighbours
):
    DirectoryEntryFactory(chamber=mueller.chamber, name="Müllerei Meier GmbH", postal_code="54321")

    candidates = find_candidates(mueller.chamber, name="Müller Metalbau GmbH", postal_code="99999")

    assert [c.entry for c in candidates][:1] == [mueller]
    assert candidates[0].reasons == ["name"]
    assert 70 <= candidates[0].score <= 80
    assert candidates[0].differences == {
        "name": ("Müller Metalbau GmbH", "Müller Metallbau GmbH"),
        "postal_code": ("99999", "12345"),
    }
    assert all(c.entry.name_normalized.split()[0] == "mueller" for c in candidates)


def test_rules_that_find_the_same_entry_are_merged(mueller, neighbours):
    candidates = find_candidates(
        mueller.chamber,
        name="Müller Metallbau GmbH",
        postal_code="12345",
        member_number="1010001",
        register_court="Amtsgericht Musterstadt",
        register_number="HRB 1001",
    )

    assert candidates[0].entry == mueller
    assert candidates[0].score == 100
    assert candidates[0].reasons == ["member_number", "register", "name_postal_code"]
    assert [c.entry for c in candidates].count(mueller) == 1


def test_differences_ignore_case_spacing_and_spelling_variants(mueller):
    [same] = find_candidates(
        mueller.chamber,
        name="  MÜLLER  metallbau gmbh ",
        street="Musterstr. 1",
        postal_code="12345",
        city="MUSTERSTADT",
        member_number="101 0001",
        register_court="AG Musterstadt",
        register_number="hrb 1001",
    )
    assert same.differences == {}

    [different] = find_candidates(
        mueller.chamber,
        name="Müller Metallbau AG",
        street="Musterstraße 3",
        postal_code="12345",
        city="Neustadt",
        member_number="1010001",
    )
    assert different.differences == {
        "name": ("Müller Metallbau AG", "Müller Metallbau GmbH"),
        "street": ("Musterstraße 3", "Musterstraße 1"),
        "city": ("Neustadt", "Musterstadt"),
    }


def test_a_wrong_member_number_shows_as_a_difference_of_the_register_match(mueller):
    [candidate] = find_candidates(
        mueller.chamber,
        name="",
        member_number="1019999",
        register_court="Amtsgericht Musterstadt",
        register_number="HRB 1001",
    )

    assert candidate.reasons == ["register"]
    assert candidate.differences == {"member_number": ("1019999", "1010001")}


def test_another_chambers_entries_are_never_returned(chamber, other_chamber):
    DirectoryEntryFactory(
        chamber=other_chamber,
        member_number="1010001",
        name="Müller Metallbau GmbH",
        postal_code="12345",
        register_court="Amtsgericht Musterstadt",
        register_number="HRB 1001",
    )

    assert (
        find_candidates(
            chamber,
            name="Müller Metallbau GmbH",
            postal_code="12345",
            member_number="1010001",
            register_court="Amtsgericht Musterstadt",
            register_number="HRB 1001",
        )
        == []
    )
    assert find_candidates(chamber, name="Müller Metallbau GmbH", postal_code="99999") == []


def test_candidates_are_sorted_by_score_then_name_and_limited(chamber):
    for name in ["Zander Metallbau GmbH", "Adler Metallbau GmbH", "Berg Metallbau GmbH"]:
        DirectoryEntryFactory(chamber=chamber, name=name, postal_code="12345")
    exact = DirectoryEntryFactory(chamber=chamber, member_number="1017777", name="Ganz Anders KG")

    candidates = find_candidates(
        chamber, name="Metallbau GmbH", postal_code="12345", member_number="1017777"
    )

    assert candidates[0].entry == exact
    rest = candidates[1:]
    assert [c.entry.name for c in rest] == sorted(
        (c.entry.name for c in rest), key=lambda n: (-by_name(rest)[n].score, n)
    )
    assert len(find_candidates(chamber, name="Metallbau", postal_code="12345", limit=2)) == 2


def by_name(candidates: list[Candidate]) -> dict[str, Candidate]:
    return {candidate.entry.name: candidate for candidate in candidates}


def test_nothing_entered_finds_nothing(mueller):
    assert find_candidates(mueller.chamber, name="") == []
    assert find_candidates(mueller.chamber, name="GmbH & Co. KG", postal_code="99999") == []


@pytest.fixture
def large_directory(chamber):
    """2,000 entries, imported the way a chamber does it."""
    buffer = io.StringIO()
    write_directory_csv(generate_directory_rows(chamber.number, 2_000, seed=3), buffer)
    buffer.seek(0)
    assert import_directory(chamber, buffer).created == 2_000
    return list(generate_directory_rows(chamber.number, 2_000, seed=3))


def test_the_search_issues_a_few_queries_whatever_the_size_of_the_directory(
    chamber, large_directory, django_assert_max_num_queries
):
    row = next(r for r in large_directory[100:] if r["register_number"])

    with django_assert_max_num_queries(4):
        candidates = find_candidates(
            chamber,
            name=row["name"].upper(),
            postal_code=row["postal_code"],
            member_number=row["member_number"],
            register_court=row["register_court"],
            register_number=row["register_number"],
        )
    assert candidates[0].entry.member_number == row["member_number"]
    assert candidates[0].reasons == ["member_number", "register", "name_postal_code"]

    # A postal code without such a name: the fallback over the first word adds one query.
    with django_assert_max_num_queries(5):
        candidates = find_candidates(
            chamber,
            name=row["name"].replace("GmbH", "Gmbh"),
            postal_code="00000",
            register_court=row["register_court"],
            register_number=row["register_number"],
        )
    assert candidates[0].entry.member_number == row["member_number"]
    assert set(candidates[0].reasons) >= {"register"}
