"""Catalogue search (R17) over 100,000 lessons: 200 searches of mixed words and filters, as the page runs
them (the count and the first page of 20), plus the worst case — the most frequent words, matching a twelfth
of the catalogue each. Target: < 100 ms at the 95th percentile.

`measure()` runs inside a migrated empty database (see bench/library.py) and returns result rows."""
from __future__ import annotations

import random
import statistics
import time

SIZE = 100_000
SEARCHES = 200
PAGE = 20
TARGET = 0.100


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _fill(rng: random.Random) -> list[str]:
    """Courses for every supported subject and grade, lessons with titles from the demo's vocabulary;
    returns the words to search for."""
    from django.db import connection, transaction

    from sreda.demo.library_catalogue import COURSES
    from sreda.library.models import CatalogueItem, ContentType, Course
    from sreda.orgs.models import Subject

    titles = [title for _, _, lesson_titles in COURSES for title in lesson_titles]
    extras = ("Повторение", "Практикум", "Контрольная работа", "Проект", "Обобщение", "Самостоятельная работа")
    subjects = list(Subject.objects.filter(supported=True))
    with transaction.atomic():
        courses = Course.objects.bulk_create([
            Course(title=f"{subject.name}. {grade} класс", subject=subject, grade=grade)
            for subject in subjects for grade in range(1, 12)
        ])
    codes = ContentType.values
    per_course = SIZE // len(courses) + 1
    made = 0
    batch: list[CatalogueItem] = []
    for course in courses:
        for position in range(1, per_course + 1):
            if made >= SIZE:
                break
            title = rng.choice(titles)
            if rng.random() < 0.5:
                title = f"{rng.choice(extras)}. {title}"
            batch.append(CatalogueItem(course=course, position=position, title=title, grade=course.grade,
                                       subject_id=course.subject_id,
                                       content_types=" ".join(sorted(set(rng.sample(codes, rng.randint(1, 3)))))))
            made += 1
            if len(batch) == 5000:
                with transaction.atomic():
                    CatalogueItem.objects.bulk_create(batch)  # the SQLite triggers fill the FTS table
                batch = []
    if batch:
        with transaction.atomic():
            CatalogueItem.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # The extras' words («работа», «Повторение») match a twelfth of the catalogue each: the heavy searches.
    words = sorted({word for title in (*titles, *extras) for word in title.replace(".", " ").split() if len(word) > 3})
    return words


def measure() -> list[dict]:
    from sreda.library.catalogue import CatalogueFilters, catalogue_search
    from sreda.library.models import CatalogueItem, ContentType
    from sreda.orgs.models import Subject

    rng = random.Random(17)
    words = _fill(rng)
    assert CatalogueItem.objects.count() == SIZE
    subject_ids = list(Subject.objects.filter(supported=True).values_list("pk", flat=True))
    timings: dict[str, list[float]] = {"words": [], "filters": []}
    found = 0
    for n in range(SEARCHES):
        q = " ".join(rng.sample(words, 1 if rng.random() < 0.7 else 2))
        filters = CatalogueFilters(q=q[: max(3, len(q) - rng.randint(0, 2))])  # a half-typed last word sometimes
        kind = "words"
        if n % 2:
            kind = "filters"
            choice = rng.random()
            filters.grade = rng.randint(1, 11)
            if choice < 0.5:
                filters.subject_id = rng.choice(subject_ids)
            if choice > 0.3:
                filters.content_types = [rng.choice(ContentType.values)]
            if choice > 0.8:
                filters.lesson = rng.randint(1, 30)
        started = time.perf_counter()
        results = catalogue_search(filters=filters)
        count = results.count()
        page = list(results[:PAGE])
        timings[kind].append(time.perf_counter() - started)
        found += bool(count and page)
    heavy = []  # the most frequent words (a twelfth of the catalogue each): the worst case a teacher can type
    for _ in range(4):
        for q in ("работа", "повторение", "практикум", "проект", "обобщение"):
            started = time.perf_counter()
            results = catalogue_search(filters=CatalogueFilters(q=q))
            results.count()
            list(results[:PAGE])
            heavy.append(time.perf_counter() - started)
    every = timings["words"] + timings["filters"]
    rows = []
    for title, values in (("Поиск по каталогу, 95-й процентиль (слова и фильтры)", every),
                          ("Поиск по каталогу, 95-й процентиль (только слова)", timings["words"]),
                          ("Поиск по каталогу, 95-й процентиль (слова + класс/предмет/тип)", timings["filters"]),
                          ("Поиск по каталогу, самые частые слова (95-й процентиль)", heavy)):
        p95 = _percentile(values, 0.95)
        rows.append({"title": title, "size": SIZE, "seconds": round(p95, 4), "target": "< 100 мс",
                     "ok": p95 < TARGET, "median": round(statistics.median(values), 4), "searches": len(values),
                     "with_results": found})
    return rows
