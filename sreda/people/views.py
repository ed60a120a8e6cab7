"""A person's page: roles, relatives; full personal data only to roles that need it, every read audited."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from sreda.chats.linking import linked_user_id
from sreda.people import selectors
from sreda.people.services import may_view_personal_data, personal_data_view


@login_required
def person_detail(request, pk: int):
    active = request.active_role
    person = selectors.access_person(actor=active, person_id=pk)
    personal = personal_data_view(actor=active, person=person) if may_view_personal_data(actor=active, person=person) else None
    return render(request, "people/detail.html", {
        "person": person,
        "personal": personal,
        "memberships": selectors.person_memberships(actor=active, person=person),
        "guardians": selectors.guardians_of(child=person),
        "children": selectors.children_of(parent=person),
        "messenger_id": linked_user_id(person),  # R27: the linked messenger id, tab «Общая»
    })
