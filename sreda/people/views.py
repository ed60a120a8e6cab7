"""A person's page: roles, relatives; full personal data only to roles that need it, every read audited."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from sreda.core.permissions import Action, can
from sreda.people import selectors
from sreda.people.services import personal_data_view


@login_required
def person_detail(request, pk: int):
    active = request.active_role
    person = selectors.access_person(actor=active, person_id=pk)
    is_self = active.person is not None and active.person.pk == person.pk
    personal = None
    if is_self or can(active, Action.VIEW_PERSONAL_DATA, active.organisation):
        personal = personal_data_view(actor=active, person=person)
    return render(request, "people/detail.html", {
        "person": person,
        "personal": personal,
        "memberships": selectors.person_memberships(person=person),
        "guardians": selectors.guardians_of(child=person),
        "children": selectors.children_of(parent=person),
    })
