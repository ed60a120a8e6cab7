"""The page where a person links their messenger account (R27). Input is parsed here; the rules are in
`linking.py`."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from sreda.chats import linking
from sreda.chats.forms_linking import CodeForm, UserIdForm


def _page(request, *, id_form=None, code_form=None, status=200):
    state = linking.link_state(actor=request.active_role)
    return render(request, "chats/link.html", {
        "state": state, "id_form": id_form or UserIdForm(), "code_form": code_form or CodeForm(),
        "max_attempts": linking.MAX_ATTEMPTS,
    }, status=status)


@login_required
@require_GET
def link(request):
    """R27: the linked id, or the form for the id and then for the code."""
    return _page(request)


@login_required
@require_POST
def link_start(request):
    form = UserIdForm(request.POST)
    if form.is_valid():
        try:
            account = linking.link_start(actor=request.active_role, user_id=form.cleaned_data["user_id"])
        except ValidationError as exc:
            form.add_error("user_id", exc)
        else:
            messages.success(request, f"Код отправлен в мессенджер на {account.user_id}: откройте сообщение "
                                      "от сервисной учётной записи школы и введите код ниже.")
            return redirect("chats:link")
    return _page(request, id_form=form, status=400)


@login_required
@require_POST
def link_confirm(request):
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            account = linking.link_confirm(actor=request.active_role, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            messages.success(request, f"Учётная запись {account.user_id} привязана. Чаты школы появятся в "
                                      "мессенджере после ближайшей синхронизации.")
            return redirect("chats:link")
    return _page(request, code_form=form, status=400)


@login_required
@require_POST
def link_remove(request):
    try:
        account = linking.link_remove(actor=request.active_role)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Учётная запись {account.user_id} отвязана. Из чатов школы вас уберёт "
                                  "ближайшая синхронизация.")
    return redirect("chats:link")
