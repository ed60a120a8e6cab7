"""Pages of the chats plan (R24, R27, R28): the school's planned chats with their members and what the next sync
would change; the one-way toggle per chat; a teacher's subject chats with a class."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sreda.chats import subject_chats as svc
from sreda.chats.diff import describe, diff
from sreda.chats.models import Chat, ChatKind, MessengerAccount
from sreda.chats.plan import school_plan
from sreda.core.permissions import Action
from sreda.core.school import acting_school, org_query, parse_int
from sreda.core.text import fold, full_name
from sreda.people.roles import Role
from sreda.stats.exports import XLSX_CONTENT_TYPE, workbook

PAGE_SIZE = 20
NO_SCHOOL = "Чаты школы настраивают руководитель и администратор ОО: выберите роль в школе."
NO_SCHOOL_OPERATOR = "Укажите школу в адресе: /chats/?org=<идентификатор организации>."
NO_SCHOOL_TEACHER = "Предметный чат с классом создаёт учитель: выберите роль «Учитель» в школе."
NO_PERSON = "Ваша учётная запись не связана с карточкой человека — предметный чат создать нельзя."
KIND_LABELS = {**dict(ChatKind.choices), ChatKind.STAFF.value: "Все сотрудники школы"}
ROLE_LABELS = dict(Role.choices)


def url_or_none(name: str, *args, query: str = "") -> str | None:
    """The address of a page, or None while the part that serves it is not installed."""
    try:
        return reverse(name, args=args) + query
    except NoReverseMatch:
        return None


def _school(request):
    operator = request.active_role is not None and request.active_role.is_platform_operator
    organisation = acting_school(request, Action.MANAGE_CHATS, no_school=NO_SCHOOL_OPERATOR if operator else NO_SCHOOL)
    return organisation, org_query(request.active_role, organisation)


def _names(plan, changes) -> dict[str, str]:
    """Messenger id → «ФИО (id)» for the diff's lines: the plan's people, and those to remove (one query)."""
    names = {m.user_id: m.full_name for chat in plan for m in chat.members if m.user_id}
    leaving = {u for d in changes for u in d.remove} - set(names)
    if leaving:
        for user_id, surname, name, patronymic in (MessengerAccount.objects.filter(user_id__in=leaving)
                                                   .values_list("user_id", "person__surname", "person__name",
                                                                "person__patronymic").order_by("-linked_at")):
            names.setdefault(user_id, f"{full_name(surname, name, patronymic)} ({user_id})")
    return names


ARCHIVE_SHOWN = 100


def _rows(plan, changes, query: str):
    """One row per planned chat for the template; with a query — only chats with a matching person, those people
    marked."""
    by_key = {d.key: d for d in changes}
    names = _names(plan, changes)
    needle = fold(query)
    rows = []
    for chat in plan:
        matched = {m.person_id for m in chat.members if needle and needle in fold(m.full_name)}
        if needle and not matched:
            continue
        d = by_key.get(chat.key)
        rows.append({"chat": chat, "kind": KIND_LABELS.get(chat.kind, chat.kind), "matched": matched,
                     "linked": sum(1 for m in chat.members if m.linked), "changes": describe(d, names) if d else [],
                     "open": bool(matched),
                     "members": [{"m": m, "role": ROLE_LABELS.get(m.role, m.role)} for m in chat.members]})
    return rows


@login_required
@require_GET
def plan_page(request):
    """«Чаты школы»: the planned chats, their members (linked or not), what a sync would change."""
    organisation, org_query = _school(request)
    plan = school_plan(organisation)
    changes = diff(organisation, plan)
    query = request.GET.get("q", "").strip()[:200]
    rows = _rows(plan, changes, query)
    people = {m.person_id: m.linked for chat in plan for m in chat.members}
    context = {
        "organisation": organisation, "org_query": org_query, "query": query,
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "archived": [d for d in changes if d.archive],
        # issue #10: the chats already archived — past school years' classes (the title keeps the year), gone
        # classes, closed subject chats — readable, nobody but the service account writes
        "archive": (Chat.objects.filter(organisation=organisation, archived_at__isnull=False)
                    .order_by("-archived_at", "title")[:ARCHIVE_SHOWN]),
        "counts": {"chats": len(plan), "people": len(people), "linked": sum(people.values()),
                   "unlinked": len(people) - sum(people.values()),
                   "to_change": sum(1 for d in changes if not d.empty)},
        "tasks_url": url_or_none("chats:tasks", query=org_query),
    }
    return render(request, "chats/plan.html", context)


@login_required
@require_GET
def plan_xlsx(request):
    """The plan as a spreadsheet: one row per chat member, with the search of the page — to find who has not
    linked the messenger yet (R27)."""
    organisation, _ = _school(request)
    query = request.GET.get("q", "").strip()[:200]
    rows = [[row["chat"].title, item["m"].full_name, item["role"], item["m"].linked]
            for row in _rows(school_plan(organisation), [], query) for item in row["members"]
            if not query or item["m"].person_id in row["matched"]]
    data = workbook("План чатов", ["Чат", "ФИО", "Роль", "Мессенджер привязан"], rows)
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="chats-plan-{organisation.inn}.xlsx"'
    return response


@login_required
@require_POST
def plan_read_only(request):
    """R28: the one-way toggle of one chat."""
    organisation, org_query = _school(request)
    key = request.POST.get("key", "")[:100]
    read_only = request.POST.get("read_only") == "1"
    try:
        chat = svc.set_read_only(actor=request.active_role, organisation=organisation, key=key, read_only=read_only)
    except svc.SubjectChatError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"«{chat.title}»: " + ("пишут только сотрудники." if read_only
                                                          else "писать могут все участники.")
                         + " Изменение применит ближайшая синхронизация.")
    back = {"org": organisation.pk} if org_query else {}
    back.update({k: v for k, v in (("q", request.POST.get("q", "")[:200]), ("page", parse_int(request.POST.get("page"))))
                 if v})
    return redirect(reverse("chats:plan") + (f"?{urlencode(back)}" if back else ""))


def _teacher(request):
    organisation = acting_school(request, Action.CREATE_SUBJECT_CHAT, no_school=NO_SCHOOL_TEACHER)
    person = getattr(request.user, "person", None)
    if person is None:
        raise PermissionDenied(NO_PERSON)
    return organisation, person


@login_required
@require_GET
def subject_list(request):
    """A teacher's subject chats: open ones (with the next sync's state) and closed ones."""
    organisation, person = _teacher(request)
    chats = list(svc.teacher_subject_chats(person, organisation))
    return render(request, "chats/subject_chats.html", {
        "organisation": organisation, "open_chats": [c for c in chats if c.closed_at is None],
        "closed_chats": [c for c in chats if c.closed_at is not None]})


@login_required
@require_http_methods(["GET", "POST"])
def subject_new(request):
    """R24: a teacher opens a subject chat with one of their classes."""
    organisation, person = _teacher(request)
    options = svc.teacher_options(person, organisation)
    error, chosen = None, {}
    if request.method == "POST":
        chosen = {"class_id": parse_int(request.POST.get("school_class")),
                  "subject_id": parse_int(request.POST.get("subject"))}
        try:
            chat = svc.create_subject_chat(actor=request.active_role, organisation=organisation, person=person,
                                           **chosen)
        except svc.SubjectChatError as exc:
            error = str(exc)
        else:
            messages.success(request, f"Чат «{chat.title}» создан: комната появится в мессенджере после ближайшей "
                                      "синхронизации.")
            return redirect("chats:subject_list")
    return render(request, "chats/subject_chat_new.html", {
        "organisation": organisation, "options": options, "error": error, "chosen": chosen},
        status=400 if error else 200)


@login_required
@require_POST
def subject_close(request, pk: int):
    organisation, person = _teacher(request)
    try:
        chat = svc.close_subject_chat(actor=request.active_role, organisation=organisation, person=person, chat_id=pk)
    except svc.SubjectChatError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Чат «{chat.title}» закрыт и перенесён в архив.")
    return redirect("chats:subject_list")

