"""Pages of «Сотрудники» (R12): the list of a school's employees and the form that edits one."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from sreda.core.identifiers import format_phone, format_snils
from sreda.core.permissions import Action
from sreda.core.school import acting_school
from sreda.people import employees
from sreda.people.services import personal_data_view

PAGE_SIZE = 25
NO_SCHOOL = ("Сотрудники показываются для школы выбранной роли. Выберите роль руководителя или администратора ОО "
             "(«Сменить роль»).")


def _school(request):
    return acting_school(request, Action.MANAGE_EMPLOYEES, no_school=NO_SCHOOL)


@login_required
def employee_list(request):
    active = request.active_role
    organisation = _school(request)
    roles = dict(employees.STAFF_ROLE_CHOICES)
    role = request.GET.get("role") if request.GET.get("role") in roles else None
    query = request.GET.get("q", "")[:200]
    rows = employees.employee_list(actor=active, organisation=organisation, query=query, role=role)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = employees.employee_counts(actor=active, organisation=organisation)
    context = {
        "organisation": organisation, "page": page, "query": query, "role": role,
        "roles": [(value, label, counts.get(value, 0)) for value, label in employees.STAFF_ROLE_CHOICES],
        "total": sum(counts.values()),
        "org_param": organisation.pk if active.is_platform_operator else None,
    }
    fragment = request.htmx and request.htmx.target == "results"
    template = "people/employees_results.html" if fragment else "people/employees_list.html"
    return render(request, template, context)


class EmployeeForm(forms.Form):
    surname = forms.CharField(label="Фамилия", max_length=100, error_messages={"required": "Укажите фамилию."})
    name = forms.CharField(label="Имя", max_length=100, error_messages={"required": "Укажите имя."})
    patronymic = forms.CharField(label="Отчество", max_length=100, required=False)
    email = forms.CharField(label="E-mail", max_length=254, required=False,
                            widget=forms.TextInput(attrs={"type": "email", "inputmode": "email"}))
    phone = forms.CharField(label="Телефон", max_length=30, required=False,
                            widget=forms.TextInput(attrs={"placeholder": "+7 (921) 000-00-00", "inputmode": "tel"}))
    snils = forms.CharField(label="СНИЛС", max_length=20, required=False,
                            widget=forms.TextInput(attrs={"placeholder": "123-456-789 01", "inputmode": "numeric"}))
    role = forms.ChoiceField(label="Роль", choices=employees.EDITABLE_ROLE_CHOICES)

    def __init__(self, *args, role_locked: str | None = None, current_role=None, **kwargs):
        super().__init__(*args, **kwargs)
        if role_locked:
            # Shown, not editable; the service refuses a change anyway.
            self.fields["role"].choices = [current_role]
            self.fields["role"].disabled = True
            self.fields["role"].help_text = role_locked


@login_required
@require_http_methods(["GET", "POST"])
def employee_edit(request, pk: int):
    """R12: the employee's data and role. Opening the form shows the full СНИЛС and contacts, so the read
    is audited."""
    active = request.active_role
    membership = employees.access_employee(actor=active, membership_id=pk)
    person = membership.person
    locked = employees.role_editable(actor=active, membership=membership)
    form_kwargs = {"role_locked": locked, "current_role": (membership.role, membership.get_role_display())}
    if request.method == "POST":
        form = EmployeeForm(request.POST, initial={"role": membership.role}, **form_kwargs)
        if form.is_valid():
            try:
                result = employees.employee_update(actor=active, membership=membership, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if result.changed:
                    labels = ", ".join(employees.FIELD_LABELS[f] for f in result.changed)
                    messages.success(request, f"Сотрудник {result.membership.person.full_name}: изменено — {labels}.")
                else:
                    messages.info(request, "Изменений нет.")
                return redirect(_list_url(active, membership.organisation_id))
    else:
        personal = personal_data_view(actor=active, person=person)
        form = EmployeeForm(initial={
            "surname": person.surname, "name": person.name, "patronymic": person.patronymic,
            "email": personal.email, "phone": format_phone(person.phone) if person.phone else "",
            "snils": format_snils(person.snils) if person.snils else "", "role": membership.role,
        }, **form_kwargs)
    return render(request, "people/employees_edit.html", {
        "form": form, "membership": membership, "person": person, "organisation": membership.organisation,
        "back_url": _list_url(active, membership.organisation_id),
    }, status=400 if request.method == "POST" else 200)


def _list_url(active, organisation_id: int) -> str:
    url = reverse("people:employees")
    return f"{url}?org={organisation_id}" if active.is_platform_operator else url
