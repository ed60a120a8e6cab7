"""The step into the next school year through the pages, the API and the CLI (issue #10, item 2): the same
preview, run and undo; bad input answered with a Russian message and nothing changed; other schools never seen."""
from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from sreda.api.models import SCOPE_READ, SCOPE_ROSTER_WRITE
from sreda.api.services import token_create
from sreda.core import active_role as ar
from sreda.core.testing import act_as, make_member, make_municipality, make_organisation
from sreda.orgs.models import SchoolClass, TransitionStatus, YearTransition
from sreda.orgs.tests.test_year_transition import new_year, school
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def signed_in(client, org, role=Role.ADMINISTRATOR):
    user, membership = make_member(role=role, organisation=org)
    act_as(client, user, membership)
    return user, membership


def test_the_administrator_previews_runs_and_undoes_on_the_page(client):
    org, *_ = school()
    signed_in(client, org)
    page = client.get("/orgs/year/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Предпросмотр" in html and "5А" in html and "6А" in html and "выпуск" in html
    assert f"Выполнить переход с {new_year().start:%d.%m.%Y}" in html
    response = client.post("/orgs/year/", {"action": "run", "date": new_year().start.strftime("%d.%m.%Y")},
                           follow=True)
    html = response.content.decode()
    assert f"Школа переведена в {new_year().title}" in html and "Отменить переход" in html
    done = YearTransition.objects.get(organisation=org)
    assert SchoolClass.objects.filter(organisation=org, school_year=new_year(), grade=6).exists()
    response = client.post("/orgs/year/", {"action": "undo", "transition": done.pk}, follow=True)
    assert "отменён" in response.content.decode()
    done.refresh_from_db()
    assert done.status == TransitionStatus.UNDONE
    assert not SchoolClass.objects.filter(organisation=org, school_year=new_year()).exists()


def test_a_bad_date_is_answered_in_russian_and_nothing_changes(client):
    org, *_ = school()
    signed_in(client, org)
    response = client.post("/orgs/year/", {"action": "run", "date": "31.02.2026"})
    assert response.status_code == 400
    assert "не читается" in response.content.decode()
    response = client.post("/orgs/year/", {"action": "run", "date": "01.01.2000"})
    assert response.status_code == 400 and "должна быть в" in response.content.decode()
    assert not YearTransition.objects.exists()


def test_a_teacher_gets_403_and_another_schools_transition_is_not_found(client):
    org, *_ = school()
    other, *_ = school()
    signed_in(client, org, Role.TEACHER)
    refused = client.get("/orgs/year/")
    assert refused.status_code == 403
    assert "Нет доступа" in refused.content.decode() and "контингента" not in refused.content.decode()
    client.logout()
    signed_in(client, other)
    client.post("/orgs/year/", {"action": "run"})
    done_here = YearTransition.objects.get(organisation=other)
    client.logout()
    signed_in(client, org)
    response = client.post("/orgs/year/", {"action": "undo", "transition": done_here.pk})
    assert response.status_code == 400 and "не найден" in response.content.decode()
    done_here.refresh_from_db()
    assert done_here.status == TransitionStatus.DONE


def test_the_methodist_runs_the_district(client):
    municipality = make_municipality()
    first, *_ = school(org=make_organisation(municipality=municipality, short_name="Гимназия 1"))
    second, *_ = school(org=make_organisation(municipality=municipality, short_name="Лицей 2"))
    user, membership = make_member(role=Role.METHODIST, municipality=municipality)
    act_as(client, user, membership)
    html = client.get("/orgs/year/district/").content.decode()
    assert "Гимназия 1" in html and "Лицей 2" in html and 'id="district-ready">2<' in html
    response = client.post("/orgs/year/district/", {"date": ""}, follow=True)
    assert "Переведено школ: 2" in response.content.decode()
    assert YearTransition.objects.filter(organisation__in=[first, second]).count() == 2
    xlsx = client.get("/orgs/year/district/?format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    # the school's own page is open to the district with ?org=
    assert client.get(f"/orgs/year/?org={first.pk}").status_code == 200
    assert client.get(f"/orgs/year/?org={make_organisation().pk}").status_code == 404


def api(client, token, method, path, body=None):
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if method == "get":
        return client.get(path, **kwargs)
    return client.post(path, data=json.dumps(body or {}), content_type="application/json", **kwargs)


def token_for(org, scopes, role=Role.ADMINISTRATOR):
    user, membership = make_member(role=role, organisation=org)
    _, secret = token_create(actor=ar.system_operator(), name="ИС школы", scopes=scopes, membership=membership)
    return secret


def test_api_preview_run_refusal_and_undo(client):
    org, *_ = school()
    token = token_for(org, [SCOPE_ROSTER_WRITE])
    preview = api(client, token, "get", f"/api/v1/orgs/{org.pk}/year-transition").json()
    assert preview["can_run"] and preview["to_year"] == new_year().title
    assert [(c["title"], c["new_title"]) for c in preview["classes"]] == [("5А", "6А"), ("11А", None)]
    refused = api(client, token, "post", f"/api/v1/orgs/{org.pk}/year-transition", {"date": "2000-01-01"})
    assert refused.status_code == 409 and "должна быть в" in refused.json()["problems"][0]
    done = api(client, token, "post", f"/api/v1/orgs/{org.pk}/year-transition", {})
    assert done.status_code == 201 and done.json()["can_undo"]
    undone = api(client, token, "post", f"/api/v1/orgs/{org.pk}/year-transition/{done.json()['id']}/undo")
    assert undone.status_code == 200 and undone.json()["status"] == "undone"
    again = api(client, token, "post", f"/api/v1/orgs/{org.pk}/year-transition/{done.json()['id']}/undo")
    assert again.status_code == 409


def test_api_four_clients(client):
    org, *_ = school()
    other, *_ = school()
    path = f"/api/v1/orgs/{org.pk}/year-transition"
    assert client.get(path).status_code == 401
    assert api(client, token_for(other, [SCOPE_ROSTER_WRITE]), "post", path).status_code == 404
    assert api(client, token_for(org, [SCOPE_READ]), "post", path).status_code == 403
    assert api(client, token_for(org, [SCOPE_ROSTER_WRITE], Role.TEACHER), "post", path).status_code in (403, 404)
    assert not YearTransition.objects.exists()
    assert api(client, token_for(org, [SCOPE_ROSTER_WRITE]), "post", path).status_code == 201


def test_cli_preview_run_and_undo():
    org, *_ = school()
    out = StringIO()
    call_command("year-transition", "--org", org.inn, "--json", stdout=out)
    assert json.loads(out.getvalue())["students_moving"] == 3
    assert not YearTransition.objects.exists()
    out = StringIO()
    call_command("year-transition", "--org", org.inn, "--run", "--json", stdout=out)
    assert json.loads(out.getvalue())["status"] == "done"
    with pytest.raises(CommandError, match="ещё не наступила"):
        call_command("year-transition", "--org", org.inn, "--run", stdout=StringIO())
    out = StringIO()
    call_command("year-transition", "--org", org.inn, "--undo", stdout=out)
    assert "отменён" in out.getvalue()
    with pytest.raises(CommandError, match="не читается"):
        call_command("year-transition", "--org", org.inn, "--date", "вчера", stdout=StringIO())
