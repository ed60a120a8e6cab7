"""«API-токены» (R29, issue 9): an administrator, a director or a district methodist issues tokens for the
systems that integrate — with scopes, bound to the school or the district — sees each secret once, the
last use of every token, and revokes them."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from sreda.api.models import SCOPES
from sreda.api.selectors import tokens_in_scope
from sreda.api.services import token_create, token_revoke
from sreda.core.permissions import Action, can
from sreda.orgs.models import Organisation
from sreda.people.roles import Role

PAGE_SIZE = 25
NO_ROLE = ("API-токены выпускают администратор или руководитель ОО и методист района. "
           "Выберите такую роль («Сменить роль»).")


class TokenForm(forms.Form):
    name = forms.CharField(label="Название", max_length=200,
                           help_text="Для кого токен, например «Сетевой город» или «Районная ИС».")
    scopes = forms.MultipleChoiceField(label="Области доступа", choices=list(SCOPES.items()),
                                       widget=forms.CheckboxSelectMultiple,
                                       error_messages={"required": "Отметьте хотя бы одну область доступа."})
    bound_to = forms.ChoiceField(label="Действует от имени", required=False)

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bound_to"].choices = choices
        self.fields["bound_to"].initial = choices[0][0] if choices else ""


def _require_manager(active) -> None:
    if active is None or not (active.is_platform_operator or can(active, Action.MANAGE_TOKENS, active.organisation)):
        raise PermissionDenied(NO_ROLE)
    if not active.is_platform_operator and active.organisation is None and not active.municipality_id:
        raise PermissionDenied(NO_ROLE)


def _bindings(active) -> list[tuple[str, str]]:
    """What a new token may act as: the issuer's own role, in their school or district (never more)."""
    if active.municipality_id:
        municipality = active.membership.municipality
        choices = [(f"m:{municipality.pk}", f"{Role.METHODIST.label} — {municipality.name} (все школы района)")]
        schools = Organisation.objects.filter(municipality=municipality).order_by("short_name")
        choices += [(f"o:{school.pk}", f"{Role.ADMINISTRATOR.label} — {school.short_name}") for school in schools]
        return choices
    if active.organisation is not None:
        return [(f"o:{active.organisation.pk}", f"{active.role_label} — {active.organisation.short_name}")]
    return []


def _issue(active, name: str, scopes: list[str], bound_to: str):
    kind, _, pk = (bound_to or "").partition(":")
    if kind == "m" and active.municipality_id and pk == str(active.municipality_id):
        return token_create(actor=active, name=name, scopes=scopes, role=Role.METHODIST,
                            municipality=active.membership.municipality)
    if kind == "o" and pk.isdigit():
        organisation = Organisation.objects.filter(pk=int(pk)).first()
        if organisation is None:
            raise ValidationError("Такой организации нет.")
        role = Role.ADMINISTRATOR if active.municipality_id else active.role
        return token_create(actor=active, name=name, scopes=scopes, role=role, organisation=organisation)
    raise ValidationError("Выберите, от чьего имени действует токен.")


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    active = request.active_role
    _require_manager(active)
    choices = _bindings(active)
    form = TokenForm(request.POST or None, choices=choices)
    issued = None
    if request.method == "POST" and not choices:
        form.add_error(None, "Оператор платформы выпускает токены командой `python -m sreda token create`.")
    elif request.method == "POST" and form.is_valid():
        try:
            token, secret = _issue(active, form.cleaned_data["name"], form.cleaned_data["scopes"],
                                   form.cleaned_data["bound_to"])
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
        else:
            issued = {"token": token, "secret": secret}
            form = TokenForm(choices=choices)
    query = request.GET.get("q", "")[:100]
    page = Paginator(tokens_in_scope(actor=active, query=query), PAGE_SIZE).get_page(request.GET.get("page"))
    status = 201 if issued else (400 if request.method == "POST" else 200)
    response = render(request, "api/tokens.html", {
        "form": form, "page": page, "query": query, "issued": issued, "scopes": SCOPES, "can_issue": bool(choices)},
        status=status)
    response["Cache-Control"] = "no-store"  # the page may hold a secret shown once
    return response


@login_required
@require_POST
def token_revoke_view(request, pk: int):
    active = request.active_role
    _require_manager(active)
    token = tokens_in_scope(actor=active).filter(pk=pk).first()
    if token is None:
        raise Http404("Токен не найден или недоступен в текущей роли.")
    token_revoke(actor=active, token=token)
    messages.success(request, f"Токен «{token.name}» ({token.prefix}…) отозван: запросы с ним получают 401.")
    return redirect("tokens:list")
