"""The sync hold (issue #10, item 1): a mass change of a school's roster is held with a preview, not applied.

R4 (the roster is the school registry's list), R25 (a roster import re-syncs the school's chats — a held import
must not): a truncated export would otherwise end half a school and throw those people out of their chats.
"""
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from sreda.core.audit import AuditEntry
from sreda.people.models import Membership
from sreda.people.roles import Role
from sreda.roster.engine.memberships import org_today
from sreda.roster.hold import held_approve, held_reject, hold_settings_update
from sreda.roster.models import HeldImport, HoldStatus, RosterHoldSettings
from sreda.roster.services import roster_import
from sreda.roster.signals import roster_applied
from sreda.roster.tests.factories import school_roster

pytestmark = pytest.mark.django_db(transaction=True)
STUDENTS = 20


def active() -> set[tuple]:
    return set(Membership.objects.filter(end_date__isnull=True).values_list(
        "person__external_id", "role", "school_class__external_id"))


@pytest.fixture
def signals():
    sent = []

    def listen(sender, organisation_ids=(), **kwargs):
        sent.append(list(organisation_ids))

    roster_applied.connect(listen, dispatch_uid="test_hold_listen")
    yield sent
    roster_applied.disconnect(dispatch_uid="test_hold_listen")


@pytest.fixture
def loaded(tmp_path, operator, school):
    """The school with a teacher, 20 students of 5А and a parent, imported normally."""
    result = roster_import(actor=operator, path=school_roster(school_inn=school.inn, students=STUDENTS).write(tmp_path / "full"))
    assert result.applied
    return school


def truncated(school, tmp_path, name="half"):
    """The export cut in half: students s11…s20 are missing."""
    roster = school_roster(school_inn=school.inn, students=STUDENTS)
    for i in range(11, STUDENTS + 1):
        roster.drop("users.csv", sourcedId=f"s{i}").drop("enrollments.csv", userSourcedId=f"s{i}")
    return roster.write(tmp_path / name)


def test_a_truncated_roster_is_held_and_changes_nothing(tmp_path, operator, loaded, signals):
    """Given a school of 22 active roles, when an export missing half the students is imported (R4), it is held
    «удержан» with a preview naming the ten students who would be ended, nothing changes and the chats are not
    re-synced (no roster_applied, R25)."""
    before = active()
    signals.clear()
    result = roster_import(actor=operator, path=truncated(loaded, tmp_path))

    assert not result.applied and result.status == "удержан"
    assert active() == before and signals == []
    held = HeldImport.objects.get()
    assert held.status == HoldStatus.HELD and held.organisation == loaded
    school = held.preview["schools"][0]
    assert (school["ended_count"], school["moved_count"], school["created_count"]) == (10, 0, 0)
    assert {p["name"] for p in school["ended"]} == {f"Ученикова{i} Анна Сергеевна" for i in range(11, STUDENTS + 1)}
    assert {p["role"] for p in school["ended"]} == {"Обучающийся"}
    assert AuditEntry.objects.filter(action="roster.held", organisation=loaded).exists()


def test_approving_applies_exactly_the_preview(tmp_path, operator, loaded, admin_of, signals):
    """Given a held import, when the school's administrator approves it, exactly the previewed students are
    ended, the chats are re-synced once (R25) and the hold is marked applied."""
    roster_import(actor=operator, path=truncated(loaded, tmp_path))
    held = HeldImport.objects.get()
    would_end = {p["name"] for p in held.preview["schools"][0]["ended"]}
    actor, _, _ = admin_of(loaded)
    before = active()
    signals.clear()

    result = held_approve(actor=actor, held=held)

    assert result.applied and result.ended == 10
    gone = before - active()
    assert {sid for sid, _, _ in gone} == {f"s{i}" for i in range(11, STUDENTS + 1)}
    ended_names = {m.person.full_name for m in Membership.objects.filter(end_date__isnull=False).select_related("person")}
    assert ended_names == would_end
    assert signals == [[loaded.pk]]
    held.refresh_from_db()
    assert held.status == HoldStatus.APPROVED and held.decided_at is not None


def test_approving_refuses_when_the_difference_changed_and_holds_again(tmp_path, operator, loaded, admin_of):
    """Given a held import, when the school's data changed after the hold (a student left through another import
    with approval), approving does not apply the stale preview: it is held again with the new difference."""
    roster_import(actor=operator, path=truncated(loaded, tmp_path))
    held = HeldImport.objects.get()
    # Meanwhile a newer import of the school ended one student: the older hold is superseded.
    other = school_roster(school_inn=loaded.inn, students=STUDENTS).drop("users.csv", sourcedId="s20") \
        .drop("enrollments.csv", userSourcedId="s20")
    assert roster_import(actor=operator, path=other.write(tmp_path / "minus1")).applied  # supersedes the hold
    held.refresh_from_db()
    assert held.status == HoldStatus.SUPERSEDED
    with pytest.raises(ValidationError):
        held_approve(actor=admin_of(loaded)[0], held=held)

    roster_import(actor=operator, path=truncated(loaded, tmp_path, "half2"))
    fresh = HeldImport.objects.get(status=HoldStatus.HELD)
    Membership.objects.filter(person__external_id="s19", role=Role.STUDENT).update(end_date=org_today(loaded))
    admin = admin_of(loaded)[0]
    before = active()
    result = held_approve(actor=admin, held=fresh)

    assert not result.applied and result.hold_changed and active() == before
    fresh.refresh_from_db()
    assert fresh.status == HoldStatus.SUPERSEDED
    again = HeldImport.objects.get(status=HoldStatus.HELD)
    assert again.fingerprint != fresh.fingerprint and again.preview["schools"][0]["ended_count"] == 8


def test_broken_then_fixed_export_leaves_no_trace_of_the_broken_one(tmp_path, operator, loaded, admin_of, signals):
    """Given a broken export (half the students missing, one renamed), when it is held then rejected and the
    fixed export imported, the fixed one applies normally and nothing of the broken one remains."""
    broken = school_roster(school_inn=loaded.inn, students=STUDENTS)
    for i in range(11, STUDENTS + 1):
        broken.drop("users.csv", sourcedId=f"s{i}").drop("enrollments.csv", userSourcedId=f"s{i}")
    broken.change("users.csv", "s1", familyName="Сломанная")
    admin = admin_of(loaded)[0]
    before = active()
    roster_import(actor=operator, path=broken.write(tmp_path / "broken"))
    held = HeldImport.objects.get()
    held_reject(actor=admin, held=held)
    assert HeldImport.objects.get().status == HoldStatus.REJECTED and active() == before

    fixed = school_roster(school_inn=loaded.inn, students=STUDENTS + 1)
    signals.clear()
    result = roster_import(actor=operator, path=fixed.write(tmp_path / "fixed"))

    assert result.applied and result.held is None and (result.created, result.ended) == (1, 0)
    assert not Membership.objects.filter(end_date__isnull=False).exists()
    assert not Membership.objects.filter(person__surname="Сломанная").exists()
    assert len(active()) == len(before) + 1 and signals == [[loaded.pk]]


def test_thresholds_are_per_school(tmp_path, operator, loaded, admin_of):
    """Given the school raised its threshold to 100%, the same truncated export applies; with a 5-person
    limit and 100%, it is held again."""
    hold_settings_update(actor=admin_of(loaded)[0], organisation=loaded, percent=100, people=50)
    assert roster_import(actor=operator, path=truncated(loaded, tmp_path)).applied

    RosterHoldSettings.objects.filter(organisation=loaded).update(percent=100, people=5)
    back = school_roster(school_inn=loaded.inn, students=STUDENTS)
    assert roster_import(actor=operator, path=back.write(tmp_path / "back")).applied  # only creations
    result = roster_import(actor=operator, path=truncated(loaded, tmp_path, "half3"))
    assert result.held is not None


def test_bad_thresholds_change_nothing(loaded, admin_of):
    """Thresholds out of range are refused with a Russian message and nothing is saved."""
    with pytest.raises(ValidationError, match="Процент"):
        hold_settings_update(actor=admin_of(loaded)[0], organisation=loaded, percent=150, people=5)
    assert not RosterHoldSettings.objects.exists()


def test_a_newer_import_supersedes_an_older_held_one(tmp_path, operator, loaded):
    """Two truncated exports in a row: only the newer one stays held."""
    roster_import(actor=operator, path=truncated(loaded, tmp_path))
    roster_import(actor=operator, path=truncated(loaded, tmp_path, "again"))
    assert list(HeldImport.objects.order_by("id").values_list("status", flat=True)) == ["superseded", "held"]


def test_a_teacher_cannot_approve(tmp_path, operator, loaded, admin_of):
    """Only the school's administrator or director (IMPORT_ROSTER) decides on a held import."""
    from django.core.exceptions import PermissionDenied

    roster_import(actor=operator, path=truncated(loaded, tmp_path))
    held = HeldImport.objects.get()
    with pytest.raises(PermissionDenied):
        held_approve(actor=admin_of(loaded, role=Role.TEACHER)[0], held=held)
    assert HeldImport.objects.get().status == HoldStatus.HELD


def test_cli_exits_3_on_a_hold_and_applies_with_the_flag(tmp_path, operator, loaded):
    """`python -m sreda import-roster` prints the hold with its counts and exits 3; with
    --approve-mass-change it applies."""
    path = truncated(loaded, tmp_path)
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import-roster", str(path), stdout=out)
    assert caught.value.returncode == 3
    assert "Импорт удержан" in out.getvalue() and "завершил бы ролей: 10" in out.getvalue()
    assert not Membership.objects.filter(end_date__isnull=False).exists()

    out = StringIO()
    call_command("import-roster", str(path), "--approve-mass-change", stdout=out)
    assert "Контингент загружен" in out.getvalue()
    assert Membership.objects.filter(end_date__isnull=False).count() == 10


def test_the_administrator_is_told_on_the_home_page(tmp_path, operator, loaded, admin_of):
    """«Требует внимания» of the school's administrator names the held import; a teacher's does not."""
    from sreda.roster.hold import attention

    assert attention(admin_of(loaded)[0]) == []
    roster_import(actor=operator, path=truncated(loaded, tmp_path))
    items = attention(admin_of(loaded)[0])
    assert len(items) == 1 and "Импорт контингента удержан" in items[0].text and items[0].url == "/roster/import/held/"
    assert attention(admin_of(loaded, role=Role.TEACHER)[0]) == []


def test_moving_half_the_class_is_held_as_moves_and_approval_moves_them(tmp_path, operator, loaded, admin_of):
    """An export putting s1…s10 into 5Б (R4: one class per student): held with ten moves 5А → 5Б, not as ten
    endings and ten creations; approval moves exactly them."""
    roster = school_roster(school_inn=loaded.inn, students=STUDENTS)
    roster.files["enrollments.csv"] = [
        {**e, "classSourcedId": "c5b"} if e["classSourcedId"] == "c5a" and e["userSourcedId"] in {f"s{i}" for i in range(1, 11)}
        else e for e in roster.files["enrollments.csv"]]
    result = roster_import(actor=operator, path=roster.write(tmp_path / "moved"))

    assert result.held is not None
    school = HeldImport.objects.get().preview["schools"][0]
    assert (school["ended_count"], school["moved_count"], school["created_count"]) == (0, 10, 0)
    assert {(p["from"], p["to"]) for p in school["moved"]} == {("5А", "5Б")}
    admin = admin_of(loaded)[0]
    assert held_approve(actor=admin, held=HeldImport.objects.get()).applied
    in_5b = Membership.objects.filter(end_date__isnull=True, role=Role.STUDENT, school_class__letter="Б")
    assert set(in_5b.values_list("person__external_id", flat=True)) == {f"s{i}" for i in range(1, 11)}
