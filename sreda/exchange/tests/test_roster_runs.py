"""Issue #10, item 3 (exchange health): every roster import — applied, refused for errors, with skipped rows,
held — keeps a run record of its school with start, end, counts, errors (a record rejected) and warnings (an
optional value dropped); the page, the CLI and the held-import approval all go through the same recording."""
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from sreda.core import active_role as ar
from sreda.core.testing import make_member
from sreda.exchange.models import ExchangeRun, ExchangeState, LinkKind, RunKind, RunSource, RunStatus
from sreda.exchange.services import exchange_run
from sreda.people.models import Person
from sreda.people.roles import Role
from sreda.roster.models import HeldImport
from sreda.roster.services import roster_import
from sreda.roster.tests.factories import school_roster, template_rows, write_template_csv

pytestmark = pytest.mark.django_db


def only_run(school) -> ExchangeRun:
    runs = list(ExchangeRun.objects.filter(organisation=school))
    assert len(runs) == 1, runs
    return runs[0]


def test_an_applied_import_is_a_successful_run_with_its_counts(tmp_path, operator, school):
    """Given a good OneRoster set, when the operator imports it from the CLI's role, then the school has one
    «успешно» run of kind «Импорт контингента» with start ≤ end and the import's counts."""
    result = roster_import(actor=operator, path=school_roster(school_inn=school.inn).write(tmp_path / "or"))

    assert result.applied
    run = only_run(school)
    assert (run.kind, run.status, run.source) == (RunKind.ROSTER, RunStatus.SUCCESS, RunSource.CLI)
    assert run.started_at <= run.finished_at
    assert run.counts == {"rows": run.counts["rows"], "created": 4, "updated": 0, "ended": 0, "unchanged": 0,
                          "skipped": 0}
    assert run.errors == [] and run.warnings == [] and result.runs == [run]
    state = ExchangeState.objects.get(organisation=school, kind=RunKind.ROSTER)
    assert (state.last_run, state.last_status, state.last_success_run) == (run, RunStatus.SUCCESS, run)


def test_an_import_refused_for_bad_rows_is_not_done_and_lists_each_rejected_row(tmp_path, operator, school):
    roster = school_roster(school_inn=school.inn).change("users.csv", "s1", identifier="112-233-445 00")

    result = roster_import(actor=operator, path=roster.write(tmp_path / "or"))

    assert not result.applied and Person.objects.count() == 0
    run = only_run(school)
    assert run.status == RunStatus.FAILED and run.error_count == 1
    assert run.errors[0]["file"] == "users.csv" and run.errors[0]["line"] == 3 and run.errors[0]["column"] == "identifier"
    assert "контрольное число" in run.errors[0]["reason"]
    state = ExchangeState.objects.get(organisation=school, kind=RunKind.ROSTER)
    assert state.last_status == RunStatus.FAILED and state.last_success_run is None


def test_skipped_rows_are_errors_of_an_applied_run(tmp_path, operator, school):
    roster = school_roster(school_inn=school.inn).change("users.csv", "s1", identifier="112-233-445 00")

    result = roster_import(actor=operator, path=roster.write(tmp_path / "or"), skip_bad=True)

    assert result.applied
    run = only_run(school)
    assert run.status == RunStatus.ERRORS and run.error_count == len(result.skipped) == 4
    assert run.counts["skipped"] == 4 and run.counts["created"] == 3


def test_a_held_import_is_held_and_links_its_preview(tmp_path, operator, school):
    """A truncated export (half the students missing) is held by the sync hold: its run is «удержан»."""
    full = school_roster(school_inn=school.inn, students=20)
    roster_import(actor=operator, path=full.write(tmp_path / "full"))
    for i in range(11, 21):
        full.drop("users.csv", sourcedId=f"s{i}").drop("enrollments.csv", userSourcedId=f"s{i}")

    result = roster_import(actor=operator, path=full.write(tmp_path / "half"))

    assert result.held is not None
    held_run = ExchangeRun.objects.filter(organisation=school).order_by("-id").first()
    assert held_run.status == RunStatus.HELD
    assert (held_run.link_kind, held_run.link_id) == (LinkKind.HELD_IMPORT, result.held.pk)
    assert HeldImport.objects.filter(pk=result.held.pk).exists()
    state = ExchangeState.objects.get(organisation=school, kind=RunKind.ROSTER)
    assert state.last_status == RunStatus.HELD and state.last_success_run.status == RunStatus.SUCCESS


def test_invalid_optional_values_are_dropped_with_warnings_and_the_rows_load(tmp_path, operator, school):
    """Template: a wrong phone, e-mail and sex, and a class given to a parent, are not loaded; each is a warning
    naming the file, line and column; the people are loaded; the run is «с предупреждениями»."""
    rows = template_rows(n_students=2)
    rows[1]["Телефон"] = "12345"
    rows[1]["E-mail"] = "ученик@"
    rows[2]["Пол"] = "средний"
    rows[3]["Класс"] = "5А"  # the parent's row
    path = write_template_csv(tmp_path / "список.csv", rows)

    result = roster_import(actor=operator, path=path, organisation=school)

    assert result.applied and result.errors == [] and result.created == 4
    assert [(w["file"], w["line"], w["column"]) for w in result.warnings] == [
        ("список.csv", 3, "E-mail"), ("список.csv", 3, "Телефон"), ("список.csv", 4, "Пол"), ("список.csv", 5, "Класс")]
    assert all("значение не загружено" in w["reason"] for w in result.warnings)
    student = Person.objects.get(external_id=f"{school.inn}:S1")
    assert student.phone == "" and student.email == ""
    assert result.as_dict()["warnings"] == result.warnings
    run = only_run(school)
    assert run.status == RunStatus.WARNINGS and run.warning_count == 4 and run.warnings[1]["column"] == "Телефон"


def test_oneroster_warnings_bad_email_unknown_sex_and_demographics_of_nobody(tmp_path, operator, school):
    roster = (school_roster(school_inn=school.inn).change("users.csv", "t1", email="petrova-at-example.org")
              .change("demographics.csv", "s1", sex="x").demographic("ghost", "2014-01-01", "male"))

    result = roster_import(actor=operator, path=roster.write(tmp_path / "or"))

    assert result.applied and result.errors == []
    assert [(w["file"], w["column"]) for w in result.warnings] == [
        ("demographics.csv", "sex"), ("demographics.csv", "sourcedId"), ("users.csv", "email")]
    teacher = Person.objects.get(external_id="t1")
    assert teacher.email == "" and teacher.phone == "+79210000001"
    assert only_run(school).status == RunStatus.WARNINGS


def test_a_rejected_row_reports_its_error_not_the_values_it_would_have_dropped(tmp_path, operator, school):
    rows = template_rows(n_students=1)
    rows[1]["Телефон"] = "12345"
    rows[1]["Дата рождения"] = "31.02.2014"  # a rule that rejects the row (test_bad_rows asserts it)

    result = roster_import(actor=operator, path=write_template_csv(tmp_path / "a.csv", rows), organisation=school)

    assert not result.applied and [e["column"] for e in result.errors] == ["Дата рождения"]
    assert result.warnings == []


def test_the_page_upload_links_the_run_to_the_import_page(client, tmp_path, school, settings):
    settings.MEDIA_ROOT = str(tmp_path)
    from sreda.core.testing import act_as
    from sreda.roster.models import RosterImport

    user, membership = make_member(role=Role.ADMINISTRATOR, organisation=school)
    act_as(client, user, membership)
    rows = template_rows()
    rows[1]["Телефон"] = "12345"
    path = write_template_csv(tmp_path / "a.csv", rows)
    with open(path, "rb") as fh:
        client.post("/roster/import/", {"file": fh})

    row = RosterImport.objects.get()
    run = only_run(school)
    assert (run.source, run.link_kind, run.link_id, run.created_by) == (RunSource.PAGE, LinkKind.ROSTER_IMPORT, row.pk, user)
    assert run.title == "a.csv" and run.status == RunStatus.WARNINGS
    page = client.get(f"/roster/import/{row.pk}/").content.decode()
    assert "Предупреждения — значения не загружены, строки приняты" in page and "Телефон «12345»" in page
    journal = client.get(f"/exchange/runs/{run.pk}/").content.decode()
    assert f'href="/roster/import/{row.pk}/"' in journal  # the school's own role gets the link to the import


def test_the_cli_records_its_runs_and_prints_warnings_in_json(tmp_path, school):
    rows = template_rows()
    rows[1]["Телефон"] = "12345"
    out = StringIO()
    call_command("import-roster", str(write_template_csv(tmp_path / "a.csv", rows)), "--org", school.inn, "--json",
                 stdout=out)

    data = json.loads(out.getvalue())
    assert data["warnings"][0]["column"] == "Телефон"
    run = only_run(school)
    assert run.source == RunSource.CLI and run.status == RunStatus.WARNINGS


def test_an_unreadable_file_of_a_named_school_is_a_failed_run(tmp_path, school):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a workbook")
    with pytest.raises(CommandError):
        call_command("import-roster", str(path), "--org", school.inn, "--json", stdout=StringIO())
    run = only_run(school)
    assert run.status == RunStatus.FAILED and "не читается" in run.errors[0]["reason"]


def test_a_refusal_for_want_of_rights_is_not_a_run(tmp_path, school):
    user, membership = make_member(role=Role.TEACHER, organisation=school)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        roster_import(actor=ar.for_membership(membership, user=user), organisation=school,
                      path=write_template_csv(tmp_path / "a.csv", template_rows()))
    assert not ExchangeRun.objects.exists()


def test_a_run_that_raises_is_recorded_as_not_done_and_the_error_goes_on(school):
    """The recording API: a run whose body fails is written («не выполнен», with the exception's text) — the
    failed run is what the district must see — and the exception still reaches the caller."""
    with pytest.raises(RuntimeError):
        with exchange_run(kind=RunKind.SCHEDULE_IMPORT, actor=None, organisation=school, title="x.csv"):
            raise RuntimeError("диск переполнен")
    run = only_run(school)
    assert run.status == RunStatus.FAILED and run.message == "Прервано: диск переполнен"
    assert run.errors == [{"what": "Запуск", "reason": "Прервано: диск переполнен"}]
