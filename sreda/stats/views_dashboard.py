"""Dashboard pages (issue 4 items 5–6): region → municipality → school, the trend charts, and public links
of a municipality's dashboard (R35)."""
from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from sreda.core.permissions import Action, can, require
from sreda.core.text import parse_day
from sreda.orgs.selectors import municipality_list
from sreda.people.roles import Role
from sreda.stats import dashboards, public_links

SCHOOLS_PAGE = 50
LINKS_PAGE = 25


def _report_date(request) -> date:
    raw = request.GET.get("on")
    on = parse_day(raw)
    if raw and on is None:
        messages.warning(request, f"Дата «{raw[:20]}» не распознана: укажите ДД.ММ.ГГГГ (20.11.2025). "
                                  "Показаны данные на сегодня.")
    return on or dashboards.today()


@login_required
def dashboard(request):
    """The entry: a school's leaders go to their school, a methodologist to their municipality, the
    regional and platform operators see the region(s)."""
    active = request.active_role
    require(active, Action.VIEW_STATS, active.organisation)
    query = f"?{request.GET.urlencode()}" if request.GET else ""
    if active.role in (Role.DIRECTOR, Role.ADMINISTRATOR):
        return redirect(reverse("stats:school", args=[active.organisation_id]) + query)
    if active.role == Role.METHODIST:
        return redirect(reverse("stats:municipality", args=[active.municipality_id]) + query)
    on = _report_date(request)
    data = dashboards.region_dashboard(actor=active, on=on)
    page = Paginator(data.municipalities, SCHOOLS_PAGE).get_page(request.GET.get("page"))
    return render(request, "stats/dashboard.html", {
        "data": data, "page": page, "on": on,
        "can_manage_links": can(active, Action.MANAGE_PUBLIC_LINKS),
    })


@login_required
def municipality(request, pk: int):
    active = request.active_role
    place = dashboards.access_municipality(actor=active, municipality_id=pk)
    on = _report_date(request)
    data = dashboards.municipality_dashboard(actor=active, municipality=place, on=on)
    page = Paginator(data.schools, SCHOOLS_PAGE).get_page(request.GET.get("page"))
    return render(request, "stats/dashboard_municipality.html", {
        "data": data, "page": page, "on": on, "public": False,
        "plan": dashboards.monthly_and_roadmap(actor=active, municipality=place, on=on),
        "can_manage_links": can(active, Action.MANAGE_PUBLIC_LINKS),
        "show_region_link": active.is_platform_operator or active.region_id is not None,
    })


@login_required
def school(request, pk: int):
    active = request.active_role
    organisation = dashboards.access_school(actor=active, organisation_id=pk)
    on = _report_date(request)
    data = dashboards.school_dashboard(actor=active, organisation=organisation, on=on)
    return render(request, "stats/school.html", {
        "data": data, "organisation": organisation, "on": on,
        "show_municipality_link": dashboards.municipality_in_scope(active, organisation.municipality),
    })


@login_required
@require_http_methods(["GET", "POST"])
def links(request):
    """R35: the public links of the municipalities in scope; create one (its address is shown once)."""
    active = request.active_role
    require(active, Action.MANAGE_PUBLIC_LINKS)
    places = list(municipality_list(actor=active))
    created_url = None
    errors: list[str] = []
    form = {"municipality": "", "label": ""}
    status = 200
    if request.method == "POST":
        form = {"municipality": request.POST.get("municipality", ""), "label": request.POST.get("label", "")}
        place = next((m for m in places if str(m.pk) == form["municipality"]), None)
        if place is None:
            errors.append("Выберите муниципалитет из списка.")
        else:
            try:
                link, secret = public_links.public_link_create(actor=active, municipality=place, label=form["label"])
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                created_url = request.build_absolute_uri(reverse("stats:public", args=[secret]))
                messages.success(request, f"Ссылка на показатели «{place.name}» создана. Скопируйте её сейчас: "
                                          "позже адрес показан не будет.")
                form = {"municipality": "", "label": ""}
        if errors:
            status = 400
    page = Paginator(public_links.public_link_list(actor=active), LINKS_PAGE).get_page(request.GET.get("page"))
    return render(request, "stats/dashboard_links.html", {
        "page": page, "places": places, "form": form, "errors": errors, "created_url": created_url,
    }, status=status)


@login_required
@require_POST
def link_revoke(request, pk: int):
    active = request.active_role
    require(active, Action.MANAGE_PUBLIC_LINKS)
    link = public_links.access_link(actor=active, link_id=pk)
    try:
        public_links.public_link_revoke(actor=active, link=link)
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Ссылка на показатели «{link.municipality.name}» отозвана: по ней больше "
                                  "ничего не откроется.")
    return redirect("stats:public_links")


def public(request, token: str):
    """R35: a municipality's read-only dashboard by a secret link — no sign-in, no names of people, no
    contacts. An unknown or revoked link is «not found»."""
    link = public_links.public_link_by_token(token)
    if link is None:
        return render(request, "stats/public_gone.html", status=404)
    actor = public_links.public_actor(link)
    on = _report_date(request)
    data = dashboards.municipality_dashboard(actor=actor, municipality=link.municipality, on=on, with_contacts=False)
    page = Paginator(data.schools, SCHOOLS_PAGE).get_page(request.GET.get("page"))
    response = render(request, "stats/public.html", {"data": data, "page": page, "on": on, "link": link,
                                                     "public": True})
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response
