"""Issue #10, item 3 (exchange health) in a real browser: the district methodologist opens «Состояние обмена»,
sees the school whose roster import failed first, flagged «ошибка», narrows to «Только с проблемами», and opens
that run to read the rejected rows."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from sreda.core.testing import DEFAULT_PASSWORD, make_member, make_municipality, make_organisation
from sreda.exchange.models import RunKind, RunStatus
from sreda.exchange.tests.factories import make_run
from sreda.people.roles import Role
from tests.e2e.steps import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_issue10_district_sees_the_failed_school_first_and_opens_its_errors(browser_page, screenshot_dir):
    page = browser_page
    municipality = make_municipality(name="Приморский район")
    healthy = make_organisation(municipality=municipality, short_name="ГБОУ Гимназия № 1")
    make_run(healthy, ago=timedelta(hours=1))
    make_run(healthy, kind=RunKind.CHAT_SYNC, ago=timedelta(minutes=10))
    failed = make_organisation(municipality=municipality, short_name="ГБОУ СОШ № 7")
    make_run(failed, kind=RunKind.CHAT_SYNC, ago=timedelta(hours=5))
    make_run(failed, status=RunStatus.FAILED, ago=timedelta(hours=2), title="kontingent-7.zip", errors=[
        {"file": "users.csv", "line": 14, "column": "identifier",
         "reason": "СНИЛС «112-233-445 00»: не сходится контрольное число"}])
    make_member(role=Role.METHODIST, municipality=municipality, username="metodist")

    sign_in(page, "metodist", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Методист района").click()
    page.get_by_role("link", name="Состояние обмена").click()
    table = page.get_by_test_id("exchange-health")
    rows = table.get_by_test_id("health-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("ГБОУ СОШ № 7")
    expect(rows.first).to_contain_text("ошибка")
    expect(rows.nth(1)).to_contain_text("ГБОУ Гимназия № 1")
    page.screenshot(path=str(screenshot_dir / "exchange_health.png"), full_page=True)

    page.get_by_label("Только с проблемами").check()
    expect(rows).to_have_count(1)
    assert "problems=1" in page.url

    rows.first.get_by_role("link", name="не выполнен").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Импорт контингента: не выполнен")
    errors = page.get_by_test_id("run-errors")
    expect(errors).to_contain_text("users.csv, строка 14, столбец «identifier»")
    expect(errors).to_contain_text("не сходится контрольное число")
    expect(page.get_by_test_id("exchange-run")).to_contain_text("kontingent-7.zip")
