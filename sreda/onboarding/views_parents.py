"""Parent invitation pages (R21): the school issues a link and a QR code per student (and a printable
sheet per class); the parent opens it, checks and corrects the child's data and consents; the
administrator accepts or rejects corrections."""
from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sreda.core.permissions import Action
from sreda.core.school import acting_school, org_query, parse_int
from sreda.onboarding import parents
from sreda.onboarding.forms_parents import (
    ChildDataForm,
    CorrectionRejectForm,
    RegisterForm,
)
from sreda.onboarding.models import CorrectionStatus, ParentInvitationStatus
from sreda.onboarding.qr import qr_png, qr_svg
from sreda.people.models import Person

PAGE_SIZE = 25
NO_SCHOOL = ("Приглашения родителям выдаёт школа: выберите роль классного руководителя (учителя), "
             "администратора или руководителя ОО («Сменить роль»).")


def _org_param(request, organisation):
    return organisation.pk if request.active_role.is_platform_operator else None


@login_required
def parent_invitations(request):
    """Classes the active role may issue parent invitations for; with ?class=, its students and their
    state: joined, invited, confirmed by a parent."""
    active = request.active_role
    organisation = acting_school(request, Action.INVITE_PARENTS, no_school=NO_SCHOOL)
    classes = parents.invite_classes(actor=active, organisation=organisation)
    school_class = None
    page = None
    class_id = parse_int(request.GET.get("class"))
    if class_id is None and active.role == "teacher":
        first = classes.first()
        class_id = first.pk if first else None
    if class_id:
        school_class = parents.access_class_for_invites(actor=active, class_id=class_id)
        if school_class.organisation_id != organisation.pk:
            raise Http404("Класс не найден.")
        page = Paginator(parents.class_students(school_class=school_class), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "onboarding/parents/invitations.html", {
        "organisation": organisation, "classes": classes, "school_class": school_class, "page": page,
        "org_param": _org_param(request, organisation), "org_q": org_query(active, organisation),
    })


def _issued_context(issued):
    return {"issued": issued, "svg": qr_svg(issued.link, inline=True)}


@login_required
@require_POST
def parent_invitation_issue(request):
    active = request.active_role
    school_class = parents.access_class_for_invites(actor=active, class_id=parse_int(request.POST.get("class")))
    student = Person.objects.filter(pk=parse_int(request.POST.get("student")) or 0).first()
    if student is None:
        raise Http404("Ученик не найден.")
    try:
        issued = parents.parent_invitation_issue(actor=active, student=student, school_class=school_class)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(reverse("onboarding:parent_invitations") + f"?class={school_class.pk}"
                        + (f"&org={school_class.organisation_id}" if active.is_platform_operator else ""))
    return render(request, "onboarding/parents/issued.html", {
        **_issued_context(issued), "student": student, "school_class": school_class,
        "valid_days": parents.PARENT_INVITATION_VALID_DAYS,
        "org_q": org_query(active, school_class.organisation),
    })


@login_required
@require_POST
def parent_invitation_sheet(request, class_id: int):
    """The printable sheet of a class: one QR code per student whose parent has not confirmed yet."""
    active = request.active_role
    school_class = parents.access_class_for_invites(actor=active, class_id=class_id)
    issued = parents.parent_invitations_issue_for_class(actor=active, school_class=school_class)
    return render(request, "onboarding/parents/sheet.html", {
        "school_class": school_class, "organisation": school_class.organisation,
        "cards": [{"issued": i, "svg": qr_svg(i.link, inline=True)} for i in issued],
        "valid_days": parents.PARENT_INVITATION_VALID_DAYS,
    })


@login_required
@require_GET
def parent_invitation_qr(request, token: str, fmt: str):
    """The QR code of a live link as PNG or SVG, for the staff who may issue invitations of its class."""
    invitation = parents.invitation_for_token(token)
    if invitation is None or invitation.status != ParentInvitationStatus.PENDING \
            or not parents.may_invite_for(request.active_role, invitation.school_class):
        raise Http404("Приглашение не найдено, уже использовано или недоступно в текущей роли.")
    link = parents.invitation_link(token)
    name = f"qr-{invitation.school_class.title}-{invitation.pk}"
    if fmt == "svg":
        response = HttpResponse(qr_svg(link), content_type="image/svg+xml")
    else:
        response = HttpResponse(qr_png(link), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


# --- the parent ----------------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def parent_invite(request, token: str):
    """The page behind the link/QR code. Someone not signed in is offered «Войти» or «Зарегистрироваться»;
    both bring the parent back here (the child's data is shown only to a signed-in person)."""
    active = request.active_role
    invitation = parents.invitation_for_token(token)
    problem = parents.link_problem(invitation, parent=active.person if active is not None else None)
    if problem is not None:
        return render(request, "onboarding/parents/invite.html", {"problem": problem, "invitation": None},
                      status=problem.status)
    if not request.user.is_authenticated:
        return render(request, "onboarding/parents/invite_anonymous.html", {
            "invitation": invitation, "token": token,
            "login_url": reverse("login") + "?next=" + quote(request.get_full_path(), safe="/")})
    child = invitation.student
    current = parents.child_data(child)
    form = ChildDataForm(request.POST or None, initial=current.__dict__)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            data = parents.clean_child_data(surname=d["surname"], name=d["name"], patronymic=d["patronymic"],
                                            birth_date=d["birth_date"], sex=d["sex"])
            done = parents.parent_confirm(actor=active, token=token, data=data, consent=d["consent"])
        except parents.LinkRefused as refused:
            return render(request, "onboarding/parents/invite.html", {"problem": refused.problem, "invitation": None},
                          status=refused.problem.status)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            text = (f"Готово: {child.full_name} подтверждён(а), вы — «Законный представитель» в "
                    f"{invitation.organisation.short_name}, класс {invitation.school_class.title}.")
            if done.correction is not None:
                text += " Исправления данных отправлены администратору школы."
            messages.success(request, text)
            return redirect("choose_role")
    return render(request, "onboarding/parents/invite.html", {
        "invitation": invitation, "child": child, "form": form, "problem": None,
        "consent_text": parents.CONSENT_TEXT,
    }, status=400 if form.is_bound and form.errors else 200)


@require_http_methods(["GET", "POST"])
def parent_register(request, token: str):
    """R21: a parent without an account registers from the link, is signed in and goes back to it."""
    back = reverse("onboarding:parent_invite", args=[token])
    if request.user.is_authenticated:
        return redirect(back)
    invitation = parents.invitation_for_token(token)
    problem = parents.link_problem(invitation)
    if problem is not None:
        return render(request, "onboarding/parents/invite.html", {"problem": problem, "invitation": None},
                      status=problem.status)
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            user = parents.parent_register(token=token, surname=d["surname"], name=d["name"],
                                           patronymic=d["patronymic"], email=d["email"], username=d["username"],
                                           password=d["password"])
        except parents.LinkRefused as refused:
            return render(request, "onboarding/parents/invite.html", {"problem": refused.problem, "invitation": None},
                          status=refused.problem.status)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(back)
    return render(request, "onboarding/parents/register.html", {"form": form, "invitation": invitation},
                  status=400 if form.is_bound and form.errors else 200)


# --- corrections (the administrator) ----------------------------------------------------------------------

def _corrections_school(request):
    return acting_school(request, Action.REVIEW_JOIN_REQUESTS, no_school=(
        "Исправления данных детей рассматривает администратор или руководитель ОО («Сменить роль»)."))


@login_required
def parent_corrections(request):
    active = request.active_role
    organisation = _corrections_school(request)
    status = request.GET.get("status", CorrectionStatus.PENDING)
    status = status if status in CorrectionStatus.values else ""
    qs = parents.correction_list(actor=active, organisation=organisation, status=status or None)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "onboarding/parents/corrections.html", {
        "organisation": organisation, "page": page, "status": status, "statuses": CorrectionStatus.choices,
        "rows": [(c, parents.changes_rows(c)) for c in page.object_list],
        "reject_form": CorrectionRejectForm(),
        "org_param": _org_param(request, organisation), "org_q": org_query(active, organisation),
    })


@login_required
@require_POST
def parent_correction_accept(request, pk: int):
    active = request.active_role
    correction = parents.access_correction(actor=active, correction_id=pk)
    try:
        parents.correction_accept(actor=active, correction=correction)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Исправление принято: данные ребёнка ({correction.child.full_name}) обновлены.")
    return redirect(reverse("onboarding:parent_corrections") + org_query(active, correction.organisation))


@login_required
@require_POST
def parent_correction_reject(request, pk: int):
    active = request.active_role
    correction = parents.access_correction(actor=active, correction_id=pk)
    form = CorrectionRejectForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Исправление не отклонено: укажите причину отказа.")
        parents.correction_reject(actor=active, correction=correction, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Исправление отклонено.")
    return redirect(reverse("onboarding:parent_corrections") + org_query(active, correction.organisation))

