"""Organisation pages: search (R5), the card, the roster of a school, and management (R4)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from sreda.core.permissions import Action, can, require
from sreda.orgs import selectors, services
from sreda.orgs.forms import MunicipalityForm, OrganisationForm, OrganisationSearchForm, RegionForm
from sreda.orgs.models import Municipality, Organisation, Region, SchoolYear
from sreda.people.roles import Role
from sreda.people.selectors import class_students_with_parents, organisation_memberships

PAGE_SIZE = 25
SCHOOL_ROLES = [(value, label) for value, label in Role.choices if value not in (Role.REGIONAL_OPERATOR, Role.METHODIST)]


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def organisation_search(request):
    """R5: anyone finds a school by full name, short name or INN; HTMX refreshes only the results."""
    municipalities = Municipality.objects.select_related("region").order_by("region__code", "name")
    form = OrganisationSearchForm(request.GET or None, municipalities=municipalities)
    filters = form.cleaned_data if form.is_valid() else {}
    municipality = filters.get("municipality")
    results = selectors.organisation_search(
        actor=request.active_role, query=filters.get("q", ""),
        municipality_id=municipality.pk if municipality else None, kind=filters.get("kind") or None,
    )
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "can_manage": can(request.active_role, Action.MANAGE_ORGANISATIONS)}
    template = "orgs/_search_results.html" if request.htmx else "orgs/search.html"
    return render(request, template, context)


@login_required
def organisation_detail(request, pk: int):
    """The public card of an organisation; roster links for roles that may see the roster."""
    organisation = get_object_or_404(Organisation.objects.select_related("municipality__region"), pk=pk)
    active = request.active_role
    return render(request, "orgs/detail.html", {
        "organisation": organisation,
        "can_view_roster": can(active, Action.VIEW_ROSTER, organisation),
        "can_manage": can(active, Action.MANAGE_ORGANISATIONS, organisation),
    })


@login_required
def class_list(request, pk: int):
    organisation = selectors.access_organisation(actor=request.active_role, organisation_id=pk, action=Action.VIEW_ROSTER)
    years = list(SchoolYear.objects.filter(classes__organisation=organisation).distinct().order_by("-start"))
    year = next((y for y in years if y.pk == _int(request.GET.get("year"))), years[0] if years else None)
    classes = selectors.class_list(actor=request.active_role, organisation=organisation,
                                   school_year_id=year.pk if year else None)
    page = Paginator(classes, 100).get_page(request.GET.get("page"))
    return render(request, "orgs/classes.html", {"organisation": organisation, "page": page, "years": years, "year": year})


@login_required
def class_detail(request, pk: int):
    active = request.active_role
    school_class = selectors.access_class(actor=active, class_id=pk)
    students = class_students_with_parents(actor=active, school_class=school_class)
    return render(request, "orgs/class_detail.html", {
        "school_class": school_class, "organisation": school_class.organisation, "students": students,
        "show_personal": can(active, Action.VIEW_PERSONAL_DATA, school_class.organisation),
    })


@login_required
def people_list(request, pk: int):
    active = request.active_role
    organisation = selectors.access_organisation(actor=active, organisation_id=pk, action=Action.VIEW_ROSTER)
    role = request.GET.get("role") if request.GET.get("role") in dict(SCHOOL_ROLES) else None
    classes = list(selectors.class_list(actor=active, organisation=organisation))
    class_id = _int(request.GET.get("class"))
    class_id = class_id if any(c.pk == class_id for c in classes) else None
    query = request.GET.get("q", "")[:200]
    people = organisation_memberships(actor=active, organisation=organisation, role=role, query=query, school_class_id=class_id)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "organisation": organisation, "page": page, "roles": SCHOOL_ROLES, "classes": classes,
        "role": role, "class_id": class_id, "query": query,
        "show_personal": can(active, Action.VIEW_PERSONAL_DATA, organisation),
    }
    return render(request, "orgs/_people_results.html" if request.htmx else "orgs/people.html", context)


# --- management (R4): regions by the platform operator; municipalities and organisations by the
# platform operator and the regional operator in their region.


@login_required
def regions(request):
    active = request.active_role
    require(active, Action.MANAGE_ORGANISATIONS)
    with_counts = Municipality.objects.annotate(organisation_count=Count("organisations")).order_by("name")
    region_rows = selectors.region_list(actor=active).prefetch_related(Prefetch("municipalities", queryset=with_counts))
    return render(request, "orgs/regions.html", {
        "regions": region_rows, "can_manage_regions": can(active, Action.MANAGE_REGIONS),
    })


def _form_page(request, form, *, title: str, save, success: str, cancel_url: str, done_url=None):
    """Validate `form`, call `save(cleaned_data)` (a service), show the service's refusals on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            obj = save(form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, success.format(obj=obj))
            return redirect(done_url(obj) if done_url else cancel_url)
    return render(request, "orgs/form.html", {"form": form, "title": title, "cancel_url": cancel_url},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def region_edit(request, pk: int | None = None):
    active = request.active_role
    require(active, Action.MANAGE_REGIONS)
    region = get_object_or_404(Region, pk=pk) if pk else None
    form = RegionForm(request.POST or None, instance=region)
    if region is None:
        save = lambda data: services.region_create(actor=active, **data)  # noqa: E731
    else:
        save = lambda data: services.region_update(actor=active, region=region, data=data)  # noqa: E731
    return _form_page(request, form, title="Новый регион" if region is None else f"Регион {region}",
                      save=save, success="Регион «{obj.name}» сохранён.", cancel_url=reverse("orgs:regions"))


@login_required
@require_http_methods(["GET", "POST"])
def municipality_edit(request, pk: int | None = None):
    active = request.active_role
    require(active, Action.MANAGE_ORGANISATIONS)
    municipality = get_object_or_404(selectors.municipality_list(actor=active), pk=pk) if pk else None
    initial = {"region": _int(request.GET.get("region"))} if municipality is None else None
    form = MunicipalityForm(request.POST or None, instance=municipality, initial=initial,
                            regions=selectors.region_list(actor=active))
    if municipality is None:
        save = lambda data: services.municipality_create(actor=active, **data)  # noqa: E731
    else:
        save = lambda data: services.municipality_update(actor=active, municipality=municipality, data=data)  # noqa: E731
    return _form_page(request, form, title="Новый муниципалитет" if municipality is None else f"Муниципалитет «{municipality}»",
                      save=save, success="Муниципалитет «{obj.name}» сохранён.", cancel_url=reverse("orgs:regions"))


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request, pk: int | None = None):
    active = request.active_role
    require(active, Action.MANAGE_ORGANISATIONS)
    organisation = selectors.access_organisation(actor=active, organisation_id=pk, action=Action.MANAGE_ORGANISATIONS) if pk else None
    initial = {"municipality": _int(request.GET.get("municipality"))} if organisation is None else None
    form = OrganisationForm(request.POST or None, instance=organisation, initial=initial,
                            municipalities=selectors.municipality_list(actor=active))
    if organisation is None:
        save = lambda data: services.organisation_create(actor=active, **data)  # noqa: E731
        cancel_url = reverse("orgs:search")
    else:
        save = lambda data: services.organisation_update(actor=active, organisation=organisation, data=data)  # noqa: E731
        cancel_url = reverse("orgs:detail", args=[organisation.pk])
    return _form_page(request, form, title="Новая организация" if organisation is None else f"Организация «{organisation}»",
                      save=save, success="Организация «{obj.short_name}» сохранена.", cancel_url=cancel_url,
                      done_url=lambda obj: reverse("orgs:detail", args=[obj.pk]))
