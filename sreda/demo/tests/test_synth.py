"""The synthetic region: a valid OneRoster 1.1 folder that looks like a real district (R4, R16, identifiers)."""
import csv
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest

from sreda.orgs.school_year import school_year_start

from sreda.core.identifiers import validate_org_inn, validate_phone, validate_snils
from sreda.demo.names import ADULT_MALE_NAMES, feminine_surname
from sreda.demo.synth import HEADERS, homeroom_plan, write_oneroster
from sreda.orgs.subjects import SUPPORTED_SUBJECTS

PATRONYMICS_OF = {name: (son, daughter) for name, son, daughter in ADULT_MALE_NAMES}
FILES = ("manifest.csv", *(f"{name}.csv" for name in HEADERS))


def read(folder: Path, name: str) -> list[dict]:
    with open(folder / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    """Two schools, default shape, seed 7: what `generate --schools 2` writes."""
    folder = tmp_path_factory.mktemp("region")
    counts = write_oneroster(folder, schools=2, seed=7)
    data = {name: read(folder, name) for name in HEADERS}
    data["users_by_id"] = {u["sourcedId"]: u for u in data["users"]}
    data["birth"] = {d["sourcedId"]: d for d in data["demographics"]}
    return folder, counts, data


def test_same_seed_gives_byte_identical_files_and_another_seed_other_people(tmp_path):
    """Given a seed, when the region is written twice, then every file is the same to the byte."""
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    write_oneroster(first, schools=2, seed=3)
    write_oneroster(second, schools=2, seed=3)
    write_oneroster(other, schools=2, seed=4)
    for name in FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert (first / "users.csv").read_bytes() != (other / "users.csv").read_bytes()
    assert (first / "orgs.csv").read_bytes() != (other / "orgs.csv").read_bytes()


def test_files_have_the_oneroster_11_columns(region):
    folder, _, _ = region
    for name, header in HEADERS.items():
        with open(folder / f"{name}.csv", encoding="utf-8", newline="") as fh:
            assert tuple(next(csv.reader(fh))) == header
    manifest = dict(csv.reader(open(folder / "manifest.csv", encoding="utf-8")))
    assert manifest["oneroster.version"] == "1.1"
    assert {k[5:] for k, v in manifest.items() if v == "bulk"} == set(HEADERS)


def test_counts_match_the_rows_written(region):
    _, counts, data = region
    roles = Counter(u["role"] for u in data["users"])
    assert counts["schools"] == 2 and counts["classes"] == 44
    assert roles == {"student": counts["students"], "parent": counts["parents"], "teacher": counts["teachers"],
                     "administrator": 2, "aide": 4}
    assert counts["people"] == len(data["users"]) == len(data["demographics"])
    assert counts["rows"] == sum(len(data[name]) for name in HEADERS)
    assert counts["teachers"] == 2 * round(22 * 1.8)


def test_one_region_one_district_and_schools_with_valid_inn(region):
    """R4: region (code 78) → municipality → schools; each school's INN is checksum-valid and distinct."""
    _, _, data = region
    by_type = defaultdict(list)
    for org in data["orgs"]:
        by_type[org["type"]].append(org)
    assert [o["identifier"] for o in by_type["state"]] == ["78"]
    assert len(by_type["district"]) == 1 and by_type["district"][0]["parentSourcedId"] == by_type["state"][0]["sourcedId"]
    schools = by_type["school"]
    assert len(schools) == 2 and len({s["identifier"] for s in schools}) == 2
    for school in schools:
        assert validate_org_inn(school["identifier"]) == school["identifier"]
        assert school["parentSourcedId"] == by_type["district"][0]["sourcedId"]
        assert "№" in school["name"]


@pytest.mark.parametrize("schools, districts", [(12, 1), (30, 1), (31, 2), (100, 4)])
def test_big_regions_have_several_districts_of_15_to_40_schools(tmp_path, schools, districts):
    write_oneroster(tmp_path, schools=schools, seed=1, classes_per_school=1, class_size=(1, 1))
    orgs = read(tmp_path, "orgs")
    found = [o["sourcedId"] for o in orgs if o["type"] == "district"]
    per_district = Counter(o["parentSourcedId"] for o in orgs if o["type"] == "school")
    assert len(found) == districts
    if districts > 1:
        assert all(15 <= n <= 40 for n in per_district.values())


def test_school_year_and_four_terms(region):
    """R14: the current school year and its четверти as reporting periods."""
    _, _, data = region
    y = school_year_start()
    sessions = data["academicSessions"]
    year = [s for s in sessions if s["type"] == "schoolYear"]
    terms = [s for s in sessions if s["type"] == "term"]
    assert [(y["title"], y["startDate"], y["endDate"]) for y in year] == [(f"{y}/{y + 1}", f"{y}-09-01", f"{y + 1}-08-31")]
    assert [t["title"] for t in terms] == ["1 четверть", "2 четверть", "3 четверть", "4 четверть"]
    assert all(t["parentSourcedId"] == year[0]["sourcedId"] for t in terms)
    assert all(f"{y}-09-01" <= t["startDate"] <= t["endDate"] <= f"{y + 1}-08-31" for t in terms)


def test_homerooms_1a_to_11b_with_sizes_in_range(region):
    _, _, data = region
    homerooms = [c for c in data["classes"] if c["classType"] == "homeroom"]
    by_school = defaultdict(list)
    for c in homerooms:
        by_school[c["schoolSourcedId"]].append(c["title"])
        assert c["grades"] == f"{int(c['title'][:-1]):02d}"
    expected = [f"{g}{letter}" for g in range(1, 12) for letter in "АБ"]
    assert all(titles == expected for titles in by_school.values())
    students = {u["sourcedId"] for u in data["users"] if u["role"] == "student"}
    placed = [e for e in data["enrollments"] if e["role"] == "student"]
    assert Counter(e["userSourcedId"] for e in placed) == Counter({s: 1 for s in students})
    sizes = Counter(e["classSourcedId"] for e in placed)
    assert set(sizes) == {c["sourcedId"] for c in homerooms}
    assert all(20 <= n <= 30 for n in sizes.values())


@pytest.mark.parametrize("classes, grades", [(33, {g: 3 for g in range(1, 12)}), (5, {1: 1, 3: 1, 5: 1, 7: 1, 9: 1}),
                                             (11, {g: 1 for g in range(1, 12)})])
def test_other_class_counts_spread_over_the_grades(classes, grades):
    plan = homeroom_plan(classes)
    assert Counter(g for g, _ in plan) == grades
    assert len({(g, letter) for g, letter in plan}) == classes


def test_students_are_as_old_as_their_grade(region):
    """A first-grader is 6–7 on 1 September; every grade one year older."""
    _, _, data = region
    grade_of = {c["sourcedId"]: int(c["grades"]) for c in data["classes"] if c["classType"] == "homeroom"}
    first_sept = date(school_year_start(), 9, 1)
    for e in data["enrollments"]:
        if e["role"] == "student":
            born = date.fromisoformat(data["birth"][e["userSourcedId"]]["birthDate"])
            age = (first_sept - born).days / 365.25
            grade = grade_of[e["classSourcedId"]]
            assert grade + 5 <= age <= grade + 6.6, (grade, age)


def test_each_student_has_one_or_two_parents_linked_both_ways(region):
    _, _, data = region
    users = data["users_by_id"]
    for student in (u for u in data["users"] if u["role"] == "student"):
        parents = student["agentSourcedIds"].split(",")
        assert 1 <= len(parents) <= 2
        for parent_id in parents:
            parent = users[parent_id]
            assert parent["role"] == "parent" and parent["agentSourcedIds"] == student["sourcedId"]
            assert parent["orgSourcedIds"] == student["orgSourcedIds"]
            assert parent["email"] and parent["phone"]


def test_write_without_parents(tmp_path):
    counts = write_oneroster(tmp_path, schools=1, seed=1, parents=False)
    users = read(tmp_path, "users")
    assert counts["parents"] == 0 and not any(u["role"] == "parent" or u["agentSourcedIds"] for u in users)


def test_teachers_teach_one_to_three_supported_subjects_and_every_class_has_a_class_teacher(region):
    """R16: every subject a teacher gets is on the supported list; each homeroom has one primary teacher."""
    _, _, data = region
    classes = {c["sourcedId"]: c for c in data["classes"]}
    subjects = defaultdict(set)
    leads = Counter()
    for e in data["enrollments"]:
        if e["role"] != "teacher":
            continue
        assert data["users_by_id"][e["userSourcedId"]]["role"] == "teacher" and e["primary"] == "true"
        cls = classes[e["classSourcedId"]]
        if cls["classType"] == "scheduled":
            assert cls["subjects"] and cls["classCode"] in {c["title"] for c in classes.values()}
            subjects[e["userSourcedId"]].add(cls["subjects"])
        else:
            leads[cls["sourcedId"]] += 1
    teachers = [u["sourcedId"] for u in data["users"] if u["role"] == "teacher"]
    assert all(1 <= len(subjects[t]) <= 3 for t in teachers)
    assert set().union(*subjects.values()) <= set(SUPPORTED_SUBJECTS)
    homerooms = [c for c in classes.values() if c["classType"] == "homeroom"]
    assert all(leads[c["sourcedId"]] == 1 for c in homerooms)


def test_each_school_has_an_administrator_and_aides(region):
    _, _, data = region
    staff = Counter((u["orgSourcedIds"], u["role"]) for u in data["users"] if u["role"] in ("administrator", "aide"))
    schools = [o["sourcedId"] for o in data["orgs"] if o["type"] == "school"]
    assert all(staff[(s, "administrator")] == 1 and staff[(s, "aide")] >= 1 for s in schools)


def test_snils_valid_and_unique_across_the_region_and_contacts_well_formed(tmp_path):
    """Identifiers: every СНИЛС passes its checksum and no two people share one, even in a big region."""
    write_oneroster(tmp_path, schools=12, seed=11)
    users = read(tmp_path, "users")
    snils = [u["identifier"] for u in users]
    assert all(validate_snils(s) == s for s in snils)
    assert len(set(snils)) == len(snils)
    assert all(u["userIds"] == f"{{SNILS:{u['identifier']}}}" for u in users)
    for u in users:
        adult = u["role"] != "student"
        assert bool(u["email"]) == adult and bool(u["phone"]) == adult
        if adult:
            assert validate_phone(u["phone"]) == u["phone"] and "@" in u["email"]
    assert len({u["username"] for u in users}) == len(users)


def test_names_agree_with_sex(region):
    """ФИО: patronymic -вна/-чна/-ична for women, -вич/-ич for men; surname in the matching form."""
    _, _, data = region
    for u in data["users"]:
        sex = data["birth"][u["sourcedId"]]["sex"]
        surname, patronymic = u["familyName"], u["middleName"]
        if sex == "female":
            assert patronymic.endswith(("вна", "чна", "ична")), u
            assert feminine_surname(surname) == surname, u
        else:
            assert sex == "male" and patronymic.endswith(("вич", "ич")), u
            assert not surname.endswith(("ова", "ева", "ёва", "ина", "ская", "цкая", "ая")), u


def test_family_shares_a_surname_and_the_childs_patronymic_comes_from_the_father(region):
    _, _, data = region
    users = data["users_by_id"]
    for student in (u for u in data["users"] if u["role"] == "student"):
        for parent in (users[p] for p in student["agentSourcedIds"].split(",")):
            sex = data["birth"][parent["sourcedId"]]["sex"]
            assert feminine_surname(parent["familyName"]) == feminine_surname(student["familyName"])
            if sex == "male":
                assert student["middleName"] in PATRONYMICS_OF[parent["givenName"]]


def test_a_hundred_thousand_people_take_seconds(tmp_path):
    """It feeds the import benchmark: 100 000 people must be written in a few seconds."""
    started = time.perf_counter()
    counts = write_oneroster(tmp_path, schools=70, seed=2)
    elapsed = time.perf_counter() - started
    assert counts["people"] >= 100_000
    assert elapsed < 10, f"{counts['people']} people took {elapsed:.1f} s"
