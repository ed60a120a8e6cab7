"""«Организация ДПО» in a real browser (R36–R38, R1): the teacher applies as «Слушатель»; the director, in
the role «Руководитель ОО», opens the card and approves with a comment; the teacher reads the comment on
«Моё обучение»; the regional centre includes the application in the group; the teacher sees «Включен в
группу»."""
import re

import pytest
from playwright.sync_api import expect

from sreda.core.testing import DEFAULT_PASSWORD, make_member, make_organisation, make_person
from sreda.dpo.models import Application
from sreda.dpo.statuses import Status
from sreda.dpo.tests.factories import make_group
from sreda.people.roles import Role
from tests.e2e.conftest import _new_page
from tests.e2e.steps import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_apply_approve_with_comment_include_in_group(browser_page, chromium, live_server, screenshot_dir):
    school = make_organisation(short_name="МБОУ СОШ № 7")
    region = school.municipality.region
    make_member(role=Role.TEACHER, organisation=school, username="voiskovaya",
                person=make_person(surname="Войсковая", name="Юлия", patronymic="Олеговна"))
    make_member(role=Role.DIRECTOR, organisation=school, username="petrov", confirmation="confirmed",
                person=make_person(surname="Петров", name="Пётр", patronymic="Иванович"))
    make_member(role=Role.REGIONAL_OPERATOR, region=region, username="centre",
                person=make_person(surname="Центрова", name="Ольга", patronymic="Сергеевна"))
    group = make_group(region=region, name="Диагностика. Кадровый резерв руководителей",
                       program_name="Диагностика личностно-профессионального развития кадрового резерва")

    # The teacher applies (R36).
    teacher = browser_page
    sign_in(teacher, "voiskovaya", DEFAULT_PASSWORD)
    teacher.get_by_role("button", name="Учитель — МБОУ СОШ № 7").click()
    teacher.get_by_role("navigation").get_by_role("link", name="Программы ДПО").click()
    teacher.get_by_role("searchbox", name="Поиск").fill("кадровый резерв")
    teacher.get_by_role("button", name="Найти").click()
    teacher.screenshot(path=str(screenshot_dir / "dpo-groups.png"), full_page=True)
    teacher.get_by_test_id(f"group-{group.pk}").get_by_role("button", name="Подать заявку").click()
    application = Application.objects.get()
    expect(teacher.get_by_text(f"Заявка №{application.pk} подана")).to_be_visible()
    expect(teacher.get_by_test_id(f"status-{application.pk}")).to_have_text("Не обработана")
    teacher.screenshot(path=str(screenshot_dir / "dpo-my-new.png"), full_page=True)

    # The director approves with a comment (R38, R1).
    context, director = _new_page(chromium, live_server)
    try:
        sign_in(director, "petrov", DEFAULT_PASSWORD)
        director.get_by_role("button", name="Руководитель ОО — МБОУ СОШ № 7").click()
        director.get_by_role("navigation").get_by_role("link", name="Заявки ДПО").click()
        expect(director.get_by_test_id(f"row-{application.pk}")).to_contain_text("Войсковая Юлия Олеговна")
        director.get_by_role("link", name=f"Открыть заявку №{application.pk}").click()
        expect(director.get_by_role("heading", name=re.compile(f"Заявка №{application.pk}"))).to_be_visible()
        expect(director.get_by_text("Диагностика. Кадровый резерв руководителей")).to_be_visible()
        director.get_by_label(re.compile("^Комментарий")).fill("Одобряю. Возьмите с собой диплом.")
        director.get_by_role("button", name="Одобрить").click()
        expect(director.get_by_test_id("card-status")).to_have_text("Подтверждена руководителем ОО")
        expect(director.get_by_test_id("tab-comments")).to_have_text("Комментарии 1")
        director.get_by_test_id("tab-history").click()
        expect(director.get_by_test_id("history")).to_contain_text("Не обработана → Подтверждена руководителем ОО")
        director.screenshot(path=str(screenshot_dir / "dpo-card-history.png"), full_page=True)
    finally:
        context.close()

    # The applicant sees the director's comment (R38: comments are visible to the applicant).
    teacher.get_by_role("navigation").get_by_role("link", name="Моё обучение").click()
    section = teacher.get_by_test_id(f"application-{application.pk}")
    expect(section.get_by_test_id(f"status-{application.pk}")).to_have_text("Подтверждена руководителем ОО")
    expect(section.get_by_test_id("comments")).to_contain_text("Одобряю. Возьмите с собой диплом.")

    # The regional centre includes the application in the group (R37).
    context, centre = _new_page(chromium, live_server)
    try:
        sign_in(centre, "centre", DEFAULT_PASSWORD)
        centre.get_by_role("button", name=f"Оператор региона — {region.name}").click()
        centre.get_by_role("navigation").get_by_role("link", name="Центр ДПО").click()
        centre.get_by_role("button", name=f"Включить в группу заявку №{application.pk}").click()
        expect(centre.get_by_text(f"Заявка №{application.pk} — статус «Включен в группу»")).to_be_visible()
        centre.screenshot(path=str(screenshot_dir / "dpo-centre.png"), full_page=True)
    finally:
        context.close()

    # The applicant sees «Включен в группу».
    teacher.reload()
    expect(teacher.get_by_test_id(f"status-{application.pk}")).to_have_text("Включен в группу")
    expect(teacher.get_by_text("статус «Включен в группу»").first).to_be_visible()
    teacher.screenshot(path=str(screenshot_dir / "dpo-my-included.png"), full_page=True)
    assert Application.objects.get().status == Status.INCLUDED
