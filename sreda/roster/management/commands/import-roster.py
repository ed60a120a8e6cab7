"""`python -m sreda import-roster PATH [--org INN] [--as USERNAME] [--skip-bad] [--approve-mass-change] [--json]`.

Exit codes: 0 applied, 1 nothing loaded (errors), 3 held by the sync hold (too many roles would end or move).
"""
import json
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from sreda.core import active_role as ar
from sreda.orgs.models import Organisation
from sreda.people.models import Membership, User
from sreda.people.roles import Role
from sreda.roster.services import roster_import


class Command(BaseCommand):
    help = ("Импорт контингента: папка или .zip OneRoster 1.1 либо шаблон .csv/.xlsx (с --org ИНН). "
            "Без --as действует оператор платформы.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="папка или .zip OneRoster, либо шаблон .csv/.xlsx")
        parser.add_argument("--org", dest="inn", help="ИНН организации (обязателен для шаблона)")
        parser.add_argument("--as", dest="username", help="от имени пользователя (его роль администратора ОО или руководителя ОО)")
        parser.add_argument("--skip-bad", action="store_true", help="пропустить ошибочные строки и загрузить остальные")
        parser.add_argument("--approve-mass-change", action="store_true",
                            help="применить, даже если импорт завершает или переводит больше ролей, чем позволяют пороги школы")
        parser.add_argument("--json", action="store_true", help="вывести итог одним объектом JSON")

    def handle(self, *args, path, inn, username, skip_bad, json: bool, approve_mass_change=False, **options):
        as_json = json
        source = Path(path)
        try:
            if not source.exists():
                raise CommandError(f"Файл или папка не найдены: {source}")
            organisation = self.organisation(inn)
            actor = self.actor(username, organisation)
            result = roster_import(actor=actor, path=source, organisation=organisation, skip_bad=skip_bad,
                                   approve_mass_change=approve_mass_change, source="cli")
            summary, applied = result.as_dict(), result.applied
        except (CommandError, PermissionDenied, ValueError) as exc:
            summary = {"created": 0, "updated": 0, "ended": 0, "unchanged": 0, "skipped": [],
                       "errors": [{"file": source.name, "line": 0, "column": "", "reason": str(exc)}]}
            applied = False
        if as_json:
            self.stdout.write(_json_dumps(summary))
        else:
            self.print_human(summary, applied)
        if summary.get("held"):
            raise CommandError("Импорт удержан: изменений больше порогов школы. Проверьте предпросмотр и повторите "
                               "с --approve-mass-change или примените его на странице импорта.", returncode=3)
        if not applied:
            raise CommandError("Ничего не загружено: исправьте ошибки и повторите.")

    def organisation(self, inn):
        if not inn:
            return None
        org = Organisation.objects.select_related("municipality__region").filter(inn=inn.strip()).first()
        if org is None:
            raise CommandError(f"Организация с ИНН {inn} не найдена.")
        return org

    def actor(self, username, organisation):
        if not username:
            return ar.system_operator()
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Пользователь «{username}» не найден.")
        if user.is_superuser:
            return ar.ActiveRole(user=user, key=ar.PLATFORM_OPERATOR)
        memberships = ar.membership_choices(user).filter(role__in=[Role.ADMINISTRATOR, Role.DIRECTOR])
        if organisation is not None:
            memberships = memberships.filter(organisation=organisation)
        membership: Membership | None = memberships.first() or ar.membership_choices(user).first()
        if membership is None:
            raise CommandError(f"У пользователя «{username}» нет ролей, в которых можно загружать контингент.")
        return ar.for_membership(membership, user=user)

    def print_human(self, summary: dict, applied: bool):
        out = self.stdout
        if applied:
            out.write(self.style.SUCCESS("Контингент загружен."))
        held = summary.get("held")
        if held:
            out.write(self.style.WARNING(
                f"Импорт удержан (№ {held['id']}): завершил бы ролей: {held['ended']}, перевёл бы в другой класс: "
                f"{held['moved']}, добавил бы: {held['created']}. Ничего не изменено."))
            for s in held["schools"]:
                out.write(f"  {s['name']}: активных ролей {s['active']}, завершается {s['ended_count']}, "
                          f"переводится {s['moved_count']}, добавляется {s['created_count']}")
            return
        out.write(f"Новых людей: {summary['created']}; изменено: {summary['updated']}; "
                  f"без изменений: {summary['unchanged']}; завершено ролей: {summary['ended']}.")
        for e in summary["errors"]:
            out.write(self.style.ERROR(f"Ошибка: {e['file']}, строка {e['line']}, столбец «{e['column']}»: {e['reason']}"))
        if summary["skipped"]:
            out.write(f"Пропущено строк: {len(summary['skipped'])}")
            for s in summary["skipped"]:
                out.write(f"  {s['file']}, строка {s['line']}: {s['reason']}")
        for w in summary.get("warnings", []):  # issue #10: optional values dropped, the rows loaded
            out.write(self.style.WARNING(f"Предупреждение: {w['file']}, строка {w['line']}, столбец «{w['column']}»: "
                                         f"{w['reason']}"))


def _json_dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False)
