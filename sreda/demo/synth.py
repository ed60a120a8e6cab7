"""A synthetic region as a OneRoster 1.1 CSV bulk folder: the demo district and the benchmarks' load.

One region (Санкт-Петербург, code 78), its districts, schools with homerooms 1А–11Б, students with
birth dates fitting their grade, one or two parents each, teachers with subjects from R16, an
administrator and a few aides per school. Everything comes from one `random.Random(seed)` and fixed
timestamps, so a seed gives byte-identical files; rows stream straight into the csv writers, so
100 000 people take a few seconds.

sourcedIds of schools, classes, people and enrolments carry the seed (`usr-1-0000001`), so regions
generated with different seeds can live in one database; the region, its districts and the school
year's sessions do not, because they are the same real things whatever the seed.
"""
from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

from sreda.core.identifiers import make_org_inn, make_snils
from sreda.demo import names
from sreda.orgs.school_year import school_year_start
from sreda.orgs.subjects import SUPPORTED_SUBJECTS

REGION_CODE = "78"
REGION_NAME = "Санкт-Петербург"
REGION_ID = f"org-{REGION_CODE}"
STAMP = "2025-09-01T00:00:00Z"  # dateLastModified: fixed, or the files would differ run to run
LETTERS = "АБВГДЕЖИКЛМНОПРСТУФХЦЧШЭЮЯ"  # no Ё, З, Й: schools skip them
SCHOOLS_PER_MUNICIPALITY = 25  # "about 15–40 schools each" once the region has more than one district
SINGLE_MUNICIPALITY_UP_TO = 30

# Grades in which a subject is taught (ФГОС 2023 curricula, roughly).
SUBJECT_GRADES: dict[str, range] = {
    "Обучение грамоте": range(1, 2), "Литературное чтение": range(1, 5), "Окружающий мир": range(1, 5),
    "Основы религиозных культур и светской этики": range(4, 5), "Математика": range(1, 7),
    "Русский язык": range(1, 12), "Литература": range(5, 12), "Английский язык": range(2, 12),
    "Алгебра": range(7, 10), "Геометрия": range(7, 12), "Вероятность и статистика": range(7, 12),
    "Алгебра и начала математического анализа": range(10, 12), "Физика": range(7, 12),
    "Химия": range(8, 12), "Биология": range(5, 12), "География": range(5, 12), "История": range(5, 12),
    "Обществознание": range(6, 12), "Информатика": range(7, 12), "Музыка": range(1, 9),
    "Изобразительное искусство": range(1, 8), "Технология": range(1, 10),
    'Модуль "Азбука цифровой графики"': range(5, 7), "ОБЗР": range(8, 12),
}
assert set(SUBJECT_GRADES) == set(SUPPORTED_SUBJECTS)

PRIMARY_SUBJECTS = ("Русский язык", "Математика", "Литературное чтение", "Окружающий мир",
                    "Обучение грамоте", "Основы религиозных культур и светской этики")
# What one subject teacher teaches: a specialism and its weight among the staff.
SPECIALISMS = (
    (("Математика", "Алгебра", "Геометрия", "Вероятность и статистика", "Алгебра и начала математического анализа"), 5),
    (("Русский язык", "Литература"), 5),
    (("Английский язык",), 4),
    (("История", "Обществознание"), 2),
    (("Физика", "Информатика"), 1),
    (("Информатика", "Вероятность и статистика"), 1),
    (("Химия", "Биология"), 1),
    (("Биология", "География"), 1),
    (("Музыка", "Изобразительное искусство"), 1),
    (("Технология", 'Модуль "Азбука цифровой графики"', "Изобразительное искусство"), 1),
    (("ОБЗР", "Физика"), 1),
)
_SPECIALISM_SUBJECTS = tuple(s for s, _ in SPECIALISMS)
_SPECIALISM_WEIGHTS = tuple(w for _, w in SPECIALISMS)

SCHOOL_KINDS = (("ГБОУ СОШ № {n} {d}", 70), ("ГБОУ гимназия № {n} {d}", 12), ("ГБОУ лицей № {n} {d}", 10),
                ("ГБОУ школа № {n} с углублённым изучением английского языка {d}", 8))

MANIFEST = (
    ("manifest.version", "1.0"), ("oneroster.version", "1.1"),
    ("file.academicSessions", "bulk"), ("file.categories", "absent"), ("file.classes", "bulk"),
    ("file.classResources", "absent"), ("file.courses", "absent"), ("file.courseResources", "absent"),
    ("file.demographics", "bulk"), ("file.enrollments", "bulk"), ("file.lineItems", "absent"),
    ("file.orgs", "bulk"), ("file.resources", "absent"), ("file.results", "absent"), ("file.users", "bulk"),
    ("source.systemName", "Среда: синтетический регион"), ("source.systemCode", "sreda-synth"),
)
HEADERS = {
    "orgs": ("sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"),
    "academicSessions": ("sourcedId", "status", "dateLastModified", "title", "type", "startDate", "endDate",
                         "parentSourcedId", "schoolYear"),
    "classes": ("sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId", "classCode",
                "classType", "location", "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods"),
    "users": ("sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role", "username",
              "userIds", "givenName", "familyName", "middleName", "identifier", "email", "sms", "phone",
              "agentSourcedIds", "grades", "password"),
    "enrollments": ("sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId",
                    "userSourcedId", "role", "primary", "beginDate", "endDate"),
    "demographics": ("sourcedId", "status", "dateLastModified", "birthDate", "sex", "americanIndianOrAlaskaNative",
                     "asian", "blackOrAfricanAmerican", "nativeHawaiianOrOtherPacificIslander", "white",
                     "demographicRaceTwoOrMoreRaces", "hispanicOrLatinoEthnicity", "countryOfBirthCode",
                     "stateOfBirthAbbreviation", "cityOfBirth", "publicSchoolResidenceStatus"),
}
_DEMOGRAPHICS_TAIL = ("",) * 11
_SEX = {"M": "male", "F": "female"}


def school_sourced_id(seed: int, number: int) -> str:
    """The sourcedId of the `number`-th school (from 1) of the region generated with `seed`."""
    return f"org-{seed}-sch{number:04d}"


def school_year_id(start_year: int) -> str:
    return f"ay-{start_year}-{start_year + 1}"


def homeroom_plan(classes: int) -> list[tuple[int, str]]:
    """(grade, letter) of each homeroom: 22 → 1А, 1Б, … 11А, 11Б; other counts spread over grades 1–11."""
    plan, letters_used = [], {}
    for i in range(classes):
        grade = i * 11 // classes + 1
        k = letters_used.get(grade, 0)
        letters_used[grade] = k + 1
        letter = LETTERS[k] if k < len(LETTERS) else f"{LETTERS[k % len(LETTERS)]}{k // len(LETTERS)}"
        plan.append((grade, letter))
    return plan


def write_oneroster(dest: Path, *, schools: int, seed: int, classes_per_school: int = 22,
                    class_size: tuple[int, int] = (20, 30), teachers_per_school: int | None = None,
                    parents: bool = True, school_year: int | None = None) -> dict:
    """Write the region's OneRoster 1.1 bulk CSV files into `dest`; return what was written, counted.

    Every homeroom gets a class teacher, so a school has at least `classes_per_school` teachers
    whatever `teachers_per_school` says.
    """
    if schools < 1 or classes_per_school < 1 or class_size[0] < 1 or class_size[0] > class_size[1]:
        raise ValueError("Нужны хотя бы одна школа, один класс и размер класса от 1 и не больше верхней границы.")
    if school_year is None:
        school_year = school_year_start()
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    with open(dest / "manifest.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(("propertyName", "value"))
        writer.writerows(MANIFEST)
    files = {name: open(dest / f"{name}.csv", "w", newline="", encoding="utf-8") for name in HEADERS}
    try:
        writers = {name: csv.writer(fh) for name, fh in files.items()}
        for name, header in HEADERS.items():
            writers[name].writerow(header)
        region = _Region(random.Random(seed), seed, writers, school_year=school_year,
                         classes_per_school=classes_per_school, class_size=class_size,
                         teachers_per_school=teachers_per_school, parents=parents)
        region.write(schools)
    finally:
        for fh in files.values():
            fh.close()
    return region.counts


class _Region:
    """The generator's state: the random stream, counters, and the СНИЛС and INN already given."""

    def __init__(self, rng, seed, writers, *, school_year, classes_per_school, class_size,
                 teachers_per_school, parents):
        self.rng, self.seed, self.w = rng, seed, writers
        self.year = school_year
        self.year_id = school_year_id(school_year)
        self.plan = homeroom_plan(classes_per_school)
        self.class_size = class_size
        self.teachers = max(teachers_per_school or round(classes_per_school * 1.8), classes_per_school)
        self.with_parents = parents
        self.snils_given: set[str] = set()
        self.person_seq = 0
        self.enrolment_seq = 0
        self.translit_cache: dict[str, str] = {}
        self.counts = {"schools": 0, "classes": 0, "scheduled_classes": 0, "students": 0, "parents": 0,
                       "teachers": 0, "administrators": 0, "aides": 0, "enrollments": 0, "people": 0, "rows": 0}
        base = school_year
        # Grade g is born between 1 March (year - 6 - g) and 28 February (year - 5 - g): 6–7 in the 1st grade.
        self.born_from = {g: date(base - 6 - g, 3, 1).toordinal() for g in range(1, 13)}
        self.adult_from, self.adult_span = date(base - 64, 1, 1).toordinal(), 40 * 365

    # --- the region's skeleton
    def write(self, schools: int) -> None:
        self._sessions()
        self.w["orgs"].writerow((REGION_ID, "active", STAMP, REGION_NAME, "state", REGION_CODE, ""))
        self.counts["rows"] += 1
        districts = self._municipalities(schools)
        numbers = self.rng.sample(range(1, max(700, schools * 2)), schools)
        inns: set[str] = set()
        for i in range(schools):
            district_id, genitive = districts[i * len(districts) // schools]
            inn = make_org_inn(self.rng, REGION_CODE)
            while inn in inns:
                inn = make_org_inn(self.rng, REGION_CODE)
            inns.add(inn)
            template = self.rng.choices([k for k, _ in SCHOOL_KINDS], [w for _, w in SCHOOL_KINDS])[0]
            name = template.format(n=numbers[i], d=genitive)
            self._school(i + 1, school_sourced_id(self.seed, i + 1), name, inn, district_id, numbers[i])
        self.counts["schools"] = schools
        c = self.counts
        c["people"] = c["students"] + c["parents"] + c["teachers"] + c["administrators"] + c["aides"]

    def _sessions(self) -> None:
        y = self.year
        rows = [(self.year_id, "active", STAMP, f"{y}/{y + 1}", "schoolYear", f"{y}-09-01", f"{y + 1}-08-31", "", str(y + 1))]
        terms = ((f"{y}-09-01", f"{y}-10-24"), (f"{y}-11-05", f"{y}-12-28"),
                 (f"{y + 1}-01-12", f"{y + 1}-03-20"), (f"{y + 1}-03-30", f"{y + 1}-05-26"))
        for k, (start, end) in enumerate(terms, start=1):
            rows.append((f"{self.year_id}-t{k}", "active", STAMP, f"{k} четверть", "term", start, end,
                         self.year_id, str(y + 1)))
        self.w["academicSessions"].writerows(rows)
        self.counts["rows"] += len(rows)

    def _municipalities(self, schools: int) -> list[tuple[str, str]]:
        """(sourcedId, genitive name) of each district used; one district up to 30 schools."""
        wanted = 1 if schools <= SINGLE_MUNICIPALITY_UP_TO else -(-schools // SCHOOLS_PER_MUNICIPALITY)
        known = len(names.SPB_DISTRICTS)
        picked = sorted(self.rng.sample(range(known), min(wanted, known))) + list(range(known, wanted))
        result = []
        for index in picked:
            if index < known:
                nominative, genitive = names.SPB_DISTRICTS[index]
            else:
                nominative, genitive = (f"Территориальный округ № {index - known + 1}",
                                        f"территориального округа № {index - known + 1}")
            district_id = f"org-{REGION_CODE}-mo{index + 1:02d}"
            self.w["orgs"].writerow((district_id, "active", STAMP, nominative, "district", "", REGION_ID))
            result.append((district_id, genitive))
        self.counts["rows"] += len(result)
        return result

    # --- one school
    def _school(self, index: int, school_id: str, name: str, inn: str, district_id: str, number: int) -> None:
        self.w["orgs"].writerow((school_id, "active", STAMP, name, "school", inn, district_id))
        self.counts["rows"] += 1
        domain = f"school{number}.spb.example"
        homerooms = []
        for k, (grade, letter) in enumerate(self.plan):
            class_id = f"cls-{self.seed}-{index:04d}-h{k + 1:02d}"
            title = f"{grade}{letter}"
            self.w["classes"].writerow((class_id, "active", STAMP, title, f"{grade:02d}", "", title, "homeroom",
                                        f"каб. {100 + k + 1}", school_id, self.year_id, "", "", ""))
            homerooms.append((class_id, grade, title))
        self.counts["classes"] += len(homerooms)
        self.counts["rows"] += len(homerooms)
        for class_id, grade, _ in homerooms:
            for _ in range(self.rng.randint(*self.class_size)):
                self._student(school_id, class_id, grade)
        self._teachers(index, school_id, homerooms, domain)
        self._adult("administrator", school_id, domain, female_share=0.7)
        self.counts["administrators"] += 1
        for _ in range(2):
            self._adult("aide", school_id, domain, female_share=0.8)
            self.counts["aides"] += 1

    def _teachers(self, index: int, school_id: str, homerooms: list, domain: str) -> None:
        scheduled = 0
        for t in range(self.teachers):
            teacher_id = self._adult("teacher", school_id, domain, female_share=0.85)
            own = homerooms[t] if t < len(homerooms) else None
            if own is not None:
                self._enrol(own[0], school_id, teacher_id, "teacher", primary=True)
            for subject, (class_id, grade, title) in self._teaching_load(own, homerooms):
                scheduled += 1
                section_id = f"cls-{self.seed}-{index:04d}-s{scheduled:04d}"
                self.w["classes"].writerow((section_id, "active", STAMP, f"{title} — {subject}", f"{grade:02d}", "",
                                            title, "scheduled", "", school_id, self.year_id, subject, "", ""))
                self.counts["rows"] += 1
                self._enrol(section_id, school_id, teacher_id, "teacher", primary=True)
        self.counts["teachers"] += self.teachers
        self.counts["scheduled_classes"] += scheduled

    def _teaching_load(self, own, homerooms) -> list[tuple[str, tuple]]:
        """(subject, homeroom) pairs: 1–3 subjects, each taught in one to three classes of fitting grades."""
        rng = self.rng
        if own is not None and own[1] <= 4:
            # A primary-school class teacher teaches their own class almost everything.
            choices = [s for s in PRIMARY_SUBJECTS if own[1] in SUBJECT_GRADES[s]]
            return [(s, own) for s in rng.sample(choices, rng.randint(1, min(3, len(choices))))]
        specialism = rng.choices(_SPECIALISM_SUBJECTS, _SPECIALISM_WEIGHTS)[0]
        fitting = {s: [h for h in homerooms if h[1] in SUBJECT_GRADES[s]] for s in specialism}
        candidates = [s for s in specialism if fitting[s]] or ["Русский язык"]
        fitting.setdefault("Русский язык", homerooms)
        load = []
        for subject in rng.sample(candidates, rng.randint(1, min(3, len(candidates)))):
            classes = rng.sample(fitting[subject], min(len(fitting[subject]), rng.randint(1, 3)))
            if own is not None and own in fitting[subject] and own not in classes:
                classes[0] = own
            load.extend((subject, h) for h in classes)
        return load

    # --- people
    def _next_id(self) -> str:
        self.person_seq += 1
        return f"usr-{self.seed}-{self.person_seq:07d}"

    def _snils(self) -> str:
        snils = make_snils(self.rng)
        while snils in self.snils_given:
            snils = make_snils(self.rng)
        self.snils_given.add(snils)
        return snils

    def _latin(self, value: str) -> str:
        latin = self.translit_cache.get(value)
        if latin is None:
            latin = self.translit_cache[value] = names.translit(value)
        return latin

    def _phone(self) -> str:
        return f"+79{self.rng.randrange(10**9):09d}"

    def _user(self, user_id, *, role, org, given, family, middle, born, sex, email, phone, agents, grades) -> None:
        snils = self._snils()
        number = user_id.rpartition("-")[2].lstrip("0")
        login = email.partition("@")[0] if email else f"{self._latin(family)}.{self._latin(given[0])}{number}"
        self.w["users"].writerow((user_id, "active", STAMP, "true", org, role, login, f"{{SNILS:{snils}}}", given,
                                  family, middle, snils, email, "", phone, agents, grades, ""))
        self.w["demographics"].writerow((user_id, "active", STAMP, date.fromordinal(born).isoformat(), _SEX[sex],
                                         *_DEMOGRAPHICS_TAIL))
        self.counts["rows"] += 2

    def _email(self, user_id: str, family: str, given: str, middle: str, domain: str) -> str:
        initials = self._latin(given[0]) + (self._latin(middle[0]) if middle else "")
        return f"{self._latin(family)}.{initials}{user_id.rpartition('-')[2].lstrip('0')}@{domain}"

    def _adult(self, role: str, school_id: str, domain: str, *, female_share: float) -> str:
        rng = self.rng
        user_id = self._next_id()
        family = rng.choice(names.SURNAMES)
        father = rng.choice(names.ADULT_MALE_NAMES)
        if rng.random() < female_share:
            sex, given, middle, family = "F", rng.choice(names.ADULT_FEMALE_NAMES), father[2], names.feminine_surname(family)
        else:
            sex, given, middle = "M", rng.choice(names.ADULT_MALE_NAMES)[0], father[1]
        born = self.adult_from + rng.randrange(self.adult_span)
        self._user(user_id, role=role, org=school_id, given=given, family=family, middle=middle, born=born, sex=sex,
                   email=self._email(user_id, family, given, middle, domain), phone=self._phone(), agents="", grades="")
        return user_id

    def _student(self, school_id: str, class_id: str, grade: int) -> None:
        rng = self.rng
        student_id = self._next_id()
        family = rng.choice(names.SURNAMES)
        father = rng.choice(names.ADULT_MALE_NAMES)
        born = self.born_from[grade] + rng.randrange(365)
        parent_ids, parent_rows = [], []
        if self.with_parents:
            two = rng.random() < 0.6
            if two or rng.random() < 0.25:
                parent_ids.append(self._next_id())
                parent_rows.append((parent_ids[-1], "M", father[0], family, rng.choice(names.ADULT_MALE_NAMES)[1]))
            if two or not parent_ids:
                parent_ids.append(self._next_id())
                parent_rows.append((parent_ids[-1], "F", rng.choice(names.ADULT_FEMALE_NAMES),
                                    names.feminine_surname(family), rng.choice(names.ADULT_MALE_NAMES)[2]))
        if rng.random() < 0.5:
            sex, given, middle = "F", rng.choice(names.CHILD_FEMALE_NAMES), father[2]
            student_family = names.feminine_surname(family)
        else:
            sex, given, middle, student_family = "M", rng.choice(names.CHILD_MALE_NAMES), father[1], family
        self._user(student_id, role="student", org=school_id, given=given, family=student_family, middle=middle,
                   born=born, sex=sex, email="", phone="", agents=",".join(parent_ids), grades=f"{grade:02d}")
        self._enrol(class_id, school_id, student_id, "student", primary=False)
        for parent_id, p_sex, p_given, p_family, p_middle in parent_rows:
            p_born = born - rng.randrange(20 * 365, 42 * 365)
            self._user(parent_id, role="parent", org=school_id, given=p_given, family=p_family, middle=p_middle,
                       born=p_born, sex=p_sex, email=self._email(parent_id, p_family, p_given, p_middle, "mail.example"),
                       phone=self._phone(), agents=student_id, grades="")
        self.counts["students"] += 1
        self.counts["parents"] += len(parent_rows)

    def _enrol(self, class_id: str, school_id: str, user_id: str, role: str, *, primary: bool) -> None:
        self.enrolment_seq += 1
        self.w["enrollments"].writerow((f"enr-{self.seed}-{self.enrolment_seq:08d}", "active", STAMP, class_id, school_id,
                                        user_id, role, "true" if primary else "false", f"{self.year}-09-01", ""))
        self.counts["enrollments"] += 1
        self.counts["rows"] += 1
