"""Pages of the roster import: upload, the import's progress and result, the template download."""
from io import BytesIO

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from sreda.core.permissions import Action, can
from sreda.roster.models import HeldImport, HoldStatus, RosterImport
from sreda.roster.parsers.template import COLUMNS
from sreda.roster.uploads import live_progress, roster_upload_start

FORBIDDEN = ("Загружать контингент могут администратор ОО и руководитель ОО, выбрав роль в своей организации. "
             "Попросите администратора вашей школы загрузить список или смените роль.")
RECENT = 20
TEMPLATE_EXAMPLES = [
    ["T1", "Петрова", "Мария", "Ивановна", "12.04.1985", "ж", "112-233-445 95", "petrova@school.ru", "+7 921 000-00-01",
     "Учитель", "5А", "Математика; Информатика", ""],
    ["S1", "Смирнов", "Иван", "Андреевич", "20.11.2014", "м", "", "", "", "Обучающийся", "5А", "", ""],
    ["P1", "Смирнова", "Елена", "Викторовна", "", "ж", "", "smirnova@mail.ru", "8 911 123-45-67",
     "Законный представитель", "", "", "S1"],
]


def _school_of(request):
    """The active role's organisation, when that role may import its roster; else a 403 page."""
    active = request.active_role
    org = active.organisation if active is not None else None
    if org is None or not can(active, Action.IMPORT_ROSTER, org):
        raise PermissionDenied(FORBIDDEN)
    return org


def _forbidden(request, exc):
    return render(request, "roster/forbidden.html", {"reason": str(exc)}, status=403)


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    try:
        org = _school_of(request)
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    error = None
    if request.method == "POST":
        file = request.FILES.get("file")
        if file is None:
            error = "Выберите файл: архив .zip (OneRoster), таблицу .xlsx или .csv."
        else:
            try:
                row = roster_upload_start(actor=request.active_role, upload=file, skip_bad=bool(request.POST.get("skip_bad")))
            except ValidationError as exc:
                error = exc.messages[0]
            else:
                return redirect("roster:detail", pk=row.pk)
    recent = RosterImport.objects.filter(organisation=org).select_related("created_by__person")[:RECENT]
    held = HeldImport.objects.filter(organisation=org, status=HoldStatus.HELD).defer("preview", "payload")[:5]
    return render(request, "roster/upload.html", {"org": org, "error": error, "recent": recent, "held": held},
                  status=400 if error else 200)


@login_required
@require_GET
def detail(request, pk: int):
    try:
        org = _school_of(request)
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    row = RosterImport.objects.filter(pk=pk, organisation=org).first()
    if row is None:
        raise Http404("Импорт не найден")
    percent, message = live_progress(row)
    summary = row.summary or {}
    context = {"org": org, "row": row, "percent": percent, "message": message, "summary": summary,
               "problems": summary.get("errors") or summary.get("skipped") or []}
    if request.htmx:
        return render(request, "roster/_status.html", context)
    return render(request, "roster/detail.html", context)


@login_required
@require_GET
def template_xlsx(request):
    """The plain template as XLSX: the column titles and three example rows."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Контингент"
    sheet.append(list(COLUMNS))
    for row in TEMPLATE_EXAMPLES:
        sheet.append(row)
    for cell in sheet[1]:
        sheet.column_dimensions[cell.column_letter].width = max(12, len(cell.value) + 4)
    out = BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="roster-template.xlsx"'
    return response
