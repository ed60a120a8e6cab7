"""The centre's management of DPO organisations, programs and groups (R36)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from sreda.core.permissions import DENIED_MESSAGE, Action, can
from sreda.dpo import selectors, services
from sreda.dpo.forms import DpoOrganisationForm, GroupForm, ProgramForm

PAGE_SIZE = 25


def _centre(request):
    active = request.active_role
    if not can(active, Action.MANAGE_DPO):
        raise PermissionDenied(DENIED_MESSAGE[Action.MANAGE_DPO])
    return active


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@login_required
def programs(request):
    active = _centre(request)
    query = request.GET.get("q", "")[:200]
    page = Paginator(selectors.centre_programs(actor=active, query=query), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dpo/programs.html", {
        "page": page, "query": query, "organisations": selectors.centre_dpo_organisations(actor=active),
        "org_form": DpoOrganisationForm()})


@login_required
@require_POST
def organisation_new(request):
    active = _centre(request)
    form = DpoOrganisationForm(request.POST)
    if form.is_valid():
        try:
            saved = services.dpo_organisation_save(actor=active, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Организация ДПО «{saved}» добавлена.")
    else:
        messages.error(request, "Укажите наименование организации ДПО.")
    return redirect("dpo:programs")


@login_required
@require_POST
def organisation_edit(request, pk: int):
    """Rename a DPO organisation of the centre's region (R36)."""
    active = _centre(request)
    organisation = selectors.centre_dpo_organisations(actor=active).filter(pk=pk).first()
    if organisation is None:
        raise Http404("Организация ДПО не найдена или относится к другому региону.")
    form = DpoOrganisationForm(request.POST)
    if form.is_valid():
        try:
            saved = services.dpo_organisation_save(actor=active, organisation=organisation, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Организация ДПО «{saved}» сохранена.")
    else:
        messages.error(request, "Укажите наименование организации ДПО.")
    return redirect("dpo:programs")


@login_required
@require_POST
def group_delete(request, program_pk: int, pk: int):
    """Delete a group nobody has applied to yet; one with applications is closed instead (R36)."""
    active = _centre(request)
    program = selectors.access_program(actor=active, program_id=program_pk)
    group = selectors.access_group(actor=active, group_id=pk, for_centre=True)
    if group is None or group.program_id != program.pk:
        raise Http404("Группа не найдена.")
    try:
        services.group_delete(actor=active, group=group)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("dpo:group", program_pk=program.pk, pk=group.pk)
    messages.success(request, f"Группа «{group.name}» удалена.")
    return redirect("dpo:program", pk=program.pk)


@login_required
@require_http_methods(["GET", "POST"])
def program_edit(request, pk: int | None = None):
    active = _centre(request)
    program = selectors.access_program(actor=active, program_id=pk) if pk else None
    organisations = selectors.centre_dpo_organisations(actor=active)
    initial = {}
    if program is not None:
        initial = {f: getattr(program, f) for f in ("name", "description", "competences", "listener_categories",
                                                      "study_form", "hours")}
        initial["organisation"] = program.organisation_id
    form = ProgramForm(request.POST or None, initial=initial, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.program_save(actor=active, program=program, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _errors_to_form(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
        else:
            messages.success(request, f"Программа «{saved.name}» сохранена.")
            return redirect("dpo:program", pk=saved.pk)
    groups = selectors.program_groups(program=program) if program is not None else []
    return render(request, "dpo/program.html", {"form": form, "program": program, "groups": groups,
                                                "has_organisations": organisations.exists()},
                  status=400 if form.is_bound and form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def group_edit(request, program_pk: int, pk: int | None = None):
    active = _centre(request)
    program = selectors.access_program(actor=active, program_id=program_pk)
    group = selectors.access_group(actor=active, group_id=pk, for_centre=True) if pk else None
    if group is not None and group.program_id != program.pk:
        group = None
    initial = {}
    if group is not None:
        initial = {f: getattr(group, f) for f in ("name", "description", "starts_on", "ends_on", "capacity", "status")}
    form = GroupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.group_save(actor=active, group=group, program=program, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _errors_to_form(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
        else:
            messages.success(request, f"Группа «{saved.name}» сохранена.")
            return redirect("dpo:program", pk=program.pk)
    return render(request, "dpo/group_form.html", {"form": form, "program": program, "group": group},
                  status=400 if form.is_bound and form.errors else 200)
