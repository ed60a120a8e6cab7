"""Issue #10, item 3: the schedule import (file from the page or the CLI, lessons through the API) and «Выгрузка
МояШкола» keep run records — the failed ones too, with what went wrong."""
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from sreda.api.models import SCOPE_LIBRARY_READ, SCOPE_LIBRARY_WRITE
from sreda.api.tests.factories import bearer, issue
from sreda.core import active_role as ar
from sreda.exchange.models import ExchangeRun, LinkKind, RunKind, RunSource, RunStatus
from sreda.library.models import ScheduleImport, SchedulePublication
from sreda.library.publication import publication_start
from sreda.library.tasks import start_import
from sreda.library.tests.test_schedule_support import add_lesson, build_school, media  # noqa: F401

pytestmark = pytest.mark.django_db


def csv_text(*rows) -> bytes:
    day = timezone.localdate().strftime("%d.%m.%Y")
    return ("Дата,Урок №,Класс,Предмет,Учитель\n" + "".join(f"{day},{r}\n" for r in rows)).encode()


def admin(school):
    return ar.for_membership(school.admin_membership, user=school.admin)


def test_a_schedule_file_from_the_page_is_a_run_linked_to_its_import(media):
    school = build_school()
    upload = SimpleUploadedFile("raspisanie.csv", csv_text("1,5А,Математика,Петрова Мария Ивановна"))

    row = start_import(actor=admin(school), organisation=school.organisation, upload=upload)

    run = ExchangeRun.objects.get(organisation=school.organisation)
    assert (run.kind, run.status, run.source) == (RunKind.SCHEDULE_IMPORT, RunStatus.SUCCESS, RunSource.PAGE)
    assert run.counts == {"created": 1, "updated": 0, "unchanged": 0} and run.title == "raspisanie.csv"
    assert (run.link_kind, run.link_id) == (LinkKind.SCHEDULE_IMPORT, row.pk)
    assert ScheduleImport.objects.get().status == "done"


def test_a_schedule_file_with_an_unknown_teacher_from_the_cli_is_a_failed_run(tmp_path):
    school = build_school()
    path = tmp_path / "s.csv"
    path.write_bytes(csv_text("1,5А,Математика,Неизвестная Учительница"))

    with pytest.raises(CommandError):
        call_command("library", "schedule", "import", str(path), "--org", school.organisation.inn, stdout=StringIO())

    run = ExchangeRun.objects.get(organisation=school.organisation)
    assert (run.status, run.source, run.error_count) == (RunStatus.FAILED, RunSource.CLI, 1)
    assert run.errors[0]["line"] == 2 and run.errors[0]["column"] == "Учитель"


def test_lessons_through_the_api_are_runs_and_a_refused_request_is_a_failed_one(client):
    school = build_school()
    secret = issue(organisation=school.organisation, scopes=(SCOPE_LIBRARY_READ, SCOPE_LIBRARY_WRITE))
    good = {"day": timezone.localdate().isoformat(), "number": 1, "class_id": school.school_class.pk,
            "subject_id": school.maths.pk, "teacher_id": school.petrova.pk}
    url = f"/api/v1/orgs/{school.organisation.pk}/schedule"

    ok = client.post(url, json.dumps([good]), content_type="application/json", **bearer(secret))
    bad = client.post(url, json.dumps([{**good, "teacher_id": 10 ** 9}]), content_type="application/json",
                      **bearer(secret))

    assert (ok.status_code, bad.status_code) == (200, 400)
    first, second = ExchangeRun.objects.filter(organisation=school.organisation).order_by("id")
    assert (first.source, first.status, first.counts["created"]) == (RunSource.API, RunStatus.SUCCESS, 1)
    assert second.status == RunStatus.FAILED
    assert second.errors == [{"what": "урок № 1 в запросе", "column": "teacher_id",
                              "reason": "учитель не найден среди учителей этой школы"}]


def test_publication_done_failed_and_with_lessons_left_out():
    school = build_school()
    empty = publication_start(actor=admin(school), organisation=school.organisation)  # no lessons: fails
    add_lesson(school, number=1)
    add_lesson(school, number=2, day=school.year.start - timedelta(days=1))  # outside the year: left out
    partly = publication_start(actor=admin(school), organisation=school.organisation)

    runs = {r.link_id: r for r in ExchangeRun.objects.filter(kind=RunKind.SCHEDULE_PUBLICATION)}
    assert runs[empty.pk].status == RunStatus.FAILED and runs[empty.pk].errors[0]["reason"] == empty.message
    assert runs[empty.pk].errors[0]["hint"] == empty.contact
    assert runs[partly.pk].status == RunStatus.WARNINGS and runs[partly.pk].counts == {"lessons": 1}
    assert runs[partly.pk].link_kind == LinkKind.SCHEDULE_PUBLICATION
    assert SchedulePublication.objects.count() == 2
